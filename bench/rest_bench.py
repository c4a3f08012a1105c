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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--url", action="append", help="Rasa server(s) to target; default: start the stack")
    args = parser.parse_args()
    if args.url:
        report(f"{len(args.url)} Rasa server(s), {args.users} users", asyncio.run(run(args.url, args.users, args.rounds)))
        return 0

    from dichvucong.db.migrate import upgrade
    from dichvucong.db.session import get_sessionmaker
    from dichvucong.devstack import StackConfig, running_stack
    from dichvucong.seed import seed_demo_data

    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(database_url)
        seed_demo_data(database_url)
        config = StackConfig(
            rasa_port=25005, action_port=25055, console_port=28000, database_url=database_url,
            tracker_db=Path(tmp) / "tracker.db", log_dir=Path(tmp) / "log",
        )
        get_sessionmaker.cache_clear()
        with running_stack(config):
            url = f"http://127.0.0.1:{config.rasa_port}"
            report(f"1 Rasa server (SQLite tracker store), {args.users} users", asyncio.run(run([url], args.users, args.rounds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
