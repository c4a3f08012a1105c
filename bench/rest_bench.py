"""Benchmark: concurrent simulated citizens talking to the assistant through the REST channel.

Starts the whole stack on embedded defaults (or targets running Rasa servers given with
``--url``), sends the same scripted conversation from N concurrent citizens, and prints
messages per second and p50/p95 latency. Requests are bounded in count and time and only
go to this machine.

    python bench/rest_bench.py --users 20 --rounds 3
    python bench/rest_bench.py --url http://127.0.0.1:5005 --url http://127.0.0.1:5006
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from itertools import cycle
from pathlib import Path

import httpx

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

CONVERSATION = [
    "xin chào",
    "làm lại căn cước mất bao nhiêu tiền",
    "còn giấy tờ thì cần những gì?",
    "dang ky ket hon nop o dau, mat may ngay?",
    "khai sinh cho con can giay to gi",
    "cảm ơn",
]


async def citizen(client: httpx.AsyncClient, urls: list[str], name: str, rounds: int, latencies: list[float]) -> int:
    """One citizen: the scripted conversation ``rounds`` times; returns failures."""
    failures = 0
    targets = cycle(urls)
    for round_no in range(rounds):
        sender = f"{name}-{round_no}"
        for message in CONVERSATION:
            started = time.perf_counter()
            try:
                response = await client.post(
                    f"{next(targets)}/webhooks/rest/webhook", json={"sender": sender, "message": message}
                )
                ok = response.status_code == 200 and bool(response.json())
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - started)
            failures += not ok
    return failures


async def run(urls: list[str], users: int, rounds: int) -> dict[str, float]:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=users * 2)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        # Warm-up: first message per server loads lazy parts (search index, TF graph).
        for url in urls:
            await client.post(f"{url}/webhooks/rest/webhook", json={"sender": "warmup", "message": "đăng ký khai sinh"})
        started = time.perf_counter()
        failures = await asyncio.gather(*(citizen(client, urls, f"u{i}", rounds, latencies) for i in range(users)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "messages": len(latencies),
        "failures": sum(failures),
        "seconds": elapsed,
        "msg_per_s": len(latencies) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[int(len(ordered) * 0.95) - 1] * 1000,
    }


def report(label: str, result: dict[str, float]) -> None:
    print(
        f"{label}: {result['messages']:.0f} messages in {result['seconds']:.1f} s — "
        f"{result['msg_per_s']:.1f} msg/s, p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms, "
        f"failures {result['failures']:.0f}"
    )


def _postgres_admin_url() -> str | None:
    """An admin URL of a reachable PostgreSQL, or None (then only the embedded set-up runs)."""
    import os

    from sqlalchemy import create_engine, text

    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG
    try:
        engine = create_engine(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return url
    except Exception:  # noqa: BLE001 - unreachable means "skip this topology"
        return None


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def bench_topology(label: str, servers: int, users: int, rounds: int, admin_url: str | None) -> None:
    """Start a stack (embedded SQLite, or PostgreSQL + Redis with ``servers`` Rasa servers) and measure."""
    from dichvucong.db import admin
    from dichvucong.db.migrate import upgrade
    from dichvucong.db.session import get_engine
    from dichvucong.devstack import StackConfig, free_port, running_stack
    from dichvucong.seed import seed_demo_data

    created: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        extra_env: dict[str, str] = {}
        if admin_url:
            app_db, tracker_db = admin.unique_name("dvc_bench"), admin.unique_name("dvc_bench_rasa")
            database_url = admin.create_database(admin_url, app_db)
            admin.create_database(admin_url, tracker_db)
            created = [app_db, tracker_db]
            extra_env = {
                "TRACKER_STORE_URL": admin.database_url(admin_url, tracker_db, drivername="postgresql"),
                "LOCK_STORE_TYPE": "stores.atomic_redis_lock_store.AtomicRedisLockStore",
                "LOCK_STORE_HOST": "127.0.0.1",
                "LOCK_STORE_PORT": "6379",
                "LOCK_STORE_DB": "6",
            }
        else:
            database_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        try:
            upgrade(database_url)
            seed_demo_data(database_url)
            config = StackConfig(
                rasa_port=free_port(),
                extra_rasa_ports=tuple(free_port() for _ in range(servers - 1)),
                action_port=free_port(),
                console_port=free_port(),
                database_url=database_url,
                tracker_db=Path(tmp) / "tracker.db",
                log_dir=Path(tmp) / "log",
                extra_env=extra_env,
            )
            with running_stack(config):
                urls = [f"http://127.0.0.1:{port}" for port in config.rasa_ports]
                report(label, asyncio.run(run(urls, users, rounds)))
        finally:
            get_engine(database_url).dispose()
            for name in created:
                admin.drop_database(admin_url or "", name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--url", action="append", help="Rasa server(s) to target; default: start the stacks")
    parser.add_argument(
        "--topology", action="append", choices=["embedded", "pg1", "pg2"],
        help="default: all three when PostgreSQL and Redis answer, else embedded",
    )
    args = parser.parse_args()
    if args.url:
        report(f"{len(args.url)} Rasa server(s), {args.users} users", asyncio.run(run(args.url, args.users, args.rounds)))
        return 0
    admin_url = _postgres_admin_url() if _redis_reachable() else None
    topologies = args.topology or (["embedded", "pg1", "pg2"] if admin_url else ["embedded"])
    print(f"{args.users} concurrent citizens, {args.rounds} rounds of {len(CONVERSATION)} messages each")
    for topology in topologies:
        if topology == "embedded":
            bench_topology("1 Rasa server, SQLite + in-memory lock ", 1, args.users, args.rounds, None)
        elif admin_url is None:
            print(f"{topology}: skipped (PostgreSQL or Redis not reachable)")
        else:
            servers = 2 if topology == "pg2" else 1
            bench_topology(f"{servers} Rasa server(s), PostgreSQL + Redis", servers, args.users, args.rounds, admin_url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
