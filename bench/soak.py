"""``make soak``: 10,000 messages from 50 simulated citizens, then every tracker checked.

Runs the production shape without nginx — two Rasa servers on PostgreSQL + Redis, each
message of a conversation sent to one or the other in turn (so the lock store and the shared
tracker store are exercised on every message) — or, when PostgreSQL or Redis does not
answer, the embedded single server. Prints throughput, p50/p95/p99, errors, the resident
memory of every server at intervals (growth over the run), and, from the tracker store
itself, whether any conversation lost, duplicated or reordered a citizen's message or
misses the bot's reply to one.

    python bench/soak.py                     # 10,000 messages, 50 citizens
    python bench/soak.py --messages 2000 --citizens 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rest_bench import (  # noqa: E402
    _postgres_admin_url,
    _redis_reachable,
    assistant_stack,
    load_questions,
    percentile,
    resident_mb,
)

QUESTIONS_PER_CONVERSATION = 10


@dataclass
class Soak:
    """What the citizens sent and saw."""

    sent: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    memory: list[tuple[int, dict[str, float]]] = field(default_factory=list)


async def run_citizens(urls: list[str], questions: list[str], citizens: int, messages: int, processes: dict[str, int]) -> tuple[Soak, float]:
    soak = Soak()
    per_citizen = messages // citizens
    done = 0
    sample_every = max(1, messages // 10)

    async def citizen(client: httpx.AsyncClient, number: int) -> None:
        nonlocal done
        for turn in range(per_citizen):
            sender = f"soak-c{number}-s{turn // QUESTIONS_PER_CONVERSATION}"
            question = questions[(number * 7 + turn) % len(questions)]
            url = urls[(number + turn) % len(urls)]
            soak.sent[sender].append(question)
            started = time.perf_counter()
            try:
                response = await client.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": question})
                ok = response.status_code == 200 and bool(response.json())
            except (httpx.HTTPError, ValueError):
                ok = False
            soak.latencies.append(time.perf_counter() - started)
            soak.errors += not ok
            done += 1
            if done % sample_every == 0:
                soak.memory.append((done, {name: resident_mb(pid) for name, pid in processes.items()}))

    soak.memory.append((0, {name: resident_mb(pid) for name, pid in processes.items()}))
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=citizens * 2)) as client:
        started = time.perf_counter()
        await asyncio.gather(*(citizen(client, n) for n in range(citizens)))
        elapsed = time.perf_counter() - started
    return soak, elapsed


def check_trackers(tracker_url: str, sent: dict[str, list[str]]) -> dict[str, int]:
    """Compare every conversation in the tracker store with what its citizen sent."""
    engine = create_engine(tracker_url)
    problems = {"conversations": len(sent), "lost": 0, "duplicated": 0, "reordered": 0, "unanswered": 0}
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT sender_id, type_name, data FROM events WHERE sender_id LIKE 'soak-%' ORDER BY id")
        ).all()
    stored: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for sender, kind, data in rows:
        if kind in ("user", "bot"):
            stored[sender].append((kind, json.loads(data).get("text") or ""))
    for sender, questions in sent.items():
        events = stored.get(sender, [])
        texts = [value for kind, value in events if kind == "user"]
        if len(texts) < len(questions):
            problems["lost"] += len(questions) - len(texts)
        if len(texts) > len(questions):
            problems["duplicated"] += len(texts) - len(questions)
        if len(texts) == len(questions) and texts != questions:
            problems["reordered"] += 1
        kinds = [kind for kind, _ in events]
        problems["unanswered"] += sum(
            1 for i, kind in enumerate(kinds) if kind == "user" and (i + 1 == len(kinds) or kinds[i + 1] != "bot")
        )
    engine.dispose()
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--citizens", type=int, default=50)
    args = parser.parse_args()
    questions = load_questions()
    admin_url = _postgres_admin_url() if _redis_reachable() else None
    servers = 2 if admin_url else 1
    shape = "two Rasa servers on PostgreSQL + Redis" if admin_url else "one Rasa server on embedded SQLite"
    print(f"Soak: {args.messages} messages from {args.citizens} citizens, {shape}", flush=True)
    details: dict[str, str] = {}
    with assistant_stack(servers, admin_url, details) as (urls, processes):
        soak, elapsed = asyncio.run(run_citizens(urls, questions, args.citizens, args.messages, processes))
        problems = check_trackers(details["tracker_url"], soak.sent)
    count = len(soak.latencies)
    print(f"\n{count} messages in {elapsed:.0f} s: {count / elapsed:.1f} msg/s")
    print(
        f"latency p50 {statistics.median(soak.latencies) * 1000:.0f} ms, p95 {percentile(soak.latencies, 0.95) * 1000:.0f} ms, "
        f"p99 {percentile(soak.latencies, 0.99) * 1000:.0f} ms; errors {soak.errors}"
    )
    print(
        f"trackers: {problems['conversations']} conversations; lost {problems['lost']}, duplicated {problems['duplicated']}, "
        f"reordered {problems['reordered']}, citizen messages without a reply {problems['unanswered']}"
    )
    print("\nresident memory (MB, proportional set size, workers included) after N messages:")
    names = list(processes)
    print("| messages | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for done, memory in soak.memory:
        print(f"| {done} | " + " | ".join(f"{memory.get(name, 0):.0f}" for name in names) + " |")
    failed = soak.errors or problems["lost"] or problems["duplicated"] or problems["reordered"] or problems["unanswered"]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
