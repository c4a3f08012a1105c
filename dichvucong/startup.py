"""Fail at start-up, not at the first citizen: settings, database and Redis checked before serving.

Each service (``actions``, ``worker``, ``console``) calls :func:`validate_startup` before it
listens. Every problem is reported in one line naming the setting or the service that is
wrong (the database URL with its password masked), so an operator sees it in
``docker compose ps``/the log instead of a citizen getting an error later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import make_url

from dichvucong.config import Settings, get_settings

logger = logging.getLogger(__name__)


class StartupError(RuntimeError):
    """A service must not start; the message is one line for the operator."""


def masked_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (safe to log)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL SQLAlchemy knows: say only its scheme
        return url.split(":", 1)[0] + ":…"


def settings_problems(exc: ValidationError) -> str:
    """A pydantic error as one line: ``NAME: message; NAME: message``."""
    parts = []
    for error in exc.errors():
        name = "_".join(str(part) for part in error.get("loc", ())).upper()
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        parts.append(f"{name}: {message}" if name else message)
    return "; ".join(parts)


def load_settings() -> Settings:
    """The settings, or a :class:`StartupError` naming every wrong variable."""
    try:
        return get_settings()
    except ValidationError as exc:
        raise StartupError(f"Cấu hình sai — {settings_problems(exc)}") from None


def _reason(exc: BaseException) -> str:
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"{type(exc).__name__}: {detail[0][:200]}" if detail and detail[0] else type(exc).__name__


def check_database(url: str) -> None:
    """The database answers and its schema is the latest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from dichvucong.db.migrate import alembic_config
    from dichvucong.db.session import get_engine

    try:
        with get_engine(url).connect() as connection:
            connection.execute(text("SELECT 1"))
            current = MigrationContext.configure(connection).get_current_revision()
    except Exception as exc:  # noqa: BLE001 - any failure: name the database and why
        raise StartupError(f"Không kết nối được cơ sở dữ liệu {masked_url(url)} (DATABASE_URL) — {_reason(exc)}") from None
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    if current != head:
        raise StartupError(
            f"Cơ sở dữ liệu {masked_url(url)} ở phiên bản {current or 'trống'}, cần {head}: chạy `dvc db upgrade`."
        )


def check_redis(url: str) -> None:
    """Redis at ``url`` answers PING."""
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        raise StartupError(f"Không kết nối được Redis {masked_url(url)} — {_reason(exc)}") from None


def production_problems(settings: Settings, service: str) -> list[str]:
    """Values production cannot do without (``CONSOLE_ENV=production``)."""
    if settings.console_env != "production":
        return []
    problems = []
    if service == "console" and not settings.console_secret_key:
        problems.append("CONSOLE_SECRET_KEY chưa đặt")
    if settings.application_source == "http" and not settings.onestop_token:
        problems.append("APPLICATION_SOURCE=http cần ONESTOP_TOKEN")
    if service == "console" and settings.handoff_enabled and not settings.rasa_auth_token:
        problems.append("HANDOFF_ENABLED cần RASA_AUTH_TOKEN (bảng điều khiển gửi trả lời của cán bộ qua Rasa)")
    return problems


def validate_startup(service: str, redis_urls: Iterable[str] = (), settings: Settings | None = None) -> Settings:
    """Check everything ``service`` needs before it serves; raises :class:`StartupError`."""
    settings = settings or load_settings()
    problems = production_problems(settings, service)
    if problems:
        raise StartupError(f"Cấu hình thiếu cho môi trường production ({service}) — {'; '.join(problems)}")
    check_database(settings.database_url)
    for url in redis_urls:
        check_redis(url)
    logger.info("%s: cấu hình và cơ sở dữ liệu %s đã kiểm tra", service, masked_url(settings.database_url))
    return settings
