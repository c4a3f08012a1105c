"""Readiness checks shared by ``GET /health`` and ``dvc health`` (container health checks)."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from sqlalchemy import text

from dichvucong.db.session import get_engine


@dataclass
class HealthReport:
    """Each dependency's state; healthy only when every check passed."""

    checks: dict[str, str] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return all(value == "ok" for value in self.checks.values())


def check_database(database_url: str | None = None) -> str:
    try:
        with get_engine(database_url).connect() as connection:
            connection.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unreachable
        detail = str(getattr(exc, "orig", None) or "").strip().splitlines()
        return f"unreachable: {type(exc).__name__}" + (f" ({detail[0][:160]})" if detail else "")


def check_redis(redis_url: str) -> str:
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_timeout=2).ping()
        return "ok"
    except redis.RedisError as exc:
        return f"unreachable: {type(exc).__name__}"


def check_url(url: str) -> str:
    try:
        response = httpx.get(url, timeout=3)
        return "ok" if response.status_code == 200 else f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        return f"unreachable: {type(exc).__name__}"


def _checked(name: str) -> str:
    return {"database": "cơ sở dữ liệu", "redis": "Redis"}.get(name, name)


def summary_line(report: HealthReport) -> str:
    """The report in one line: ``OK: …`` or ``LỖI: <what> <why>; …`` (what ``dvc health`` prints)."""
    if report.healthy:
        return "OK: " + ", ".join(_checked(name) for name in report.checks)
    wrong = [f"{_checked(name)} {state}" for name, state in report.checks.items() if state != "ok"]
    return "LỖI: " + "; ".join(wrong)


def run_checks(database_url: str | None = None, redis_url: str | None = None, urls: tuple[str, ...] = ()) -> HealthReport:
    """Check the database, Redis when configured, and each service URL."""
    report = HealthReport()
    report.checks["database"] = check_database(database_url)
    if redis_url:
        report.checks["redis"] = check_redis(redis_url)
    for url in urls:
        report.checks[url] = check_url(url)
    return report
