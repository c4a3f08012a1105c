"""``make bench``: this assistant against a bare ``rasa init`` bot, in one run, on this machine.

Every row gets the same load through the REST channel: the 200 citizen questions of
``bench/questions.txt`` split among 20 concurrent citizens (10 questions each, a fresh
conversation per round), then the same questions one at a time (sequential p50), then one
long conversation (median latency of turns 1–10 against 91–100), then the resident memory
of each server process. Rows: the bare bot (made once with our Rasa environment and cached
under ``var/bench/``), this assistant on the embedded defaults of ``make run`` and, when
PostgreSQL and Redis answer, the production stores with one and two Rasa servers.

    python bench/rest_bench.py                        # every row
    python bench/rest_bench.py --topology bare --topology embedded --rounds 3
    python bench/rest_bench.py --url http://127.0.0.1:5005   # a running server, load only
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bare_bot import ensure_bare_bot, running_bare_bot  # noqa: E402

try:
    from dichvucong.devstack import rasa_workers  # noqa: E402
except ImportError:  # an older tree measured with this script (make run had one Rasa worker)
    def rasa_workers() -> int:  # type: ignore[misc]
        return 1

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
QUESTIONS_FILE = Path(__file__).resolve().parent / "questions.txt"


def load_questions(path: Path = QUESTIONS_FILE) -> list[str]:
    """The benchmark's citizen questions, one per line (``#`` lines are comments)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@dataclass
class Row:
    """What one topology measured."""

    label: str
    messages: int = 0
    failures: int = 0
    msg_per_s: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    sequential_p50_ms: float = 0.0
    early_turns_ms: float = 0.0
    late_turns_ms: float = 0.0
    memory_mb: dict[str, float] = field(default_factory=dict)
    cpu_ms_per_message: dict[str, float] = field(default_factory=dict)


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


async def ask(client: httpx.AsyncClient, url: str, sender: str, message: str) -> tuple[float, bool]:
    """One message through the REST channel: (seconds, answered without an error).

    An empty list is an answer (the bare bot has no reply for some questions); an HTTP
    error, a timeout or a body that is not a list of messages is a failure."""
    started = time.perf_counter()
    try:
        response = await client.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message})
        ok = response.status_code == 200 and isinstance(response.json(), list)
    except (httpx.HTTPError, ValueError):
        ok = False
    return time.perf_counter() - started, ok


async def concurrent_load(urls: list[str], questions: list[str], users: int, rounds: int, tag: str) -> tuple[list[float], int, float]:
    """``users`` citizens at once, each asking its share of ``questions`` per round.

    Returns the latencies, the failures and the wall time."""
    share = max(1, len(questions) // users)
    latencies: list[float] = []
    failures = 0

    async def citizen(client: httpx.AsyncClient, index: int) -> None:
        nonlocal failures
        mine = questions[index * share:(index + 1) * share] or questions[:share]
        for round_no in range(rounds):
            sender = f"bench-{tag}-u{index}-r{round_no}"
            url = urls[(index + round_no) % len(urls)]
            for question in mine:
                seconds, ok = await ask(client, url, sender, question)
                latencies.append(seconds)
                failures += not ok

    limits = httpx.Limits(max_connections=users * 2)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(citizen(client, i) for i in range(users)))
        elapsed = time.perf_counter() - started
    return latencies, failures, elapsed


async def sequential(url: str, questions: list[str], tag: str, per_conversation: int = 10) -> list[float]:
    """Every question one at a time (conversations of ``per_conversation`` questions)."""
    latencies = []
    async with httpx.AsyncClient(timeout=120) as client:
        for number, question in enumerate(questions):
            seconds, _ = await ask(client, url, f"bench-{tag}-seq{number // per_conversation}", question)
            latencies.append(seconds)
    return latencies


async def long_conversation(url: str, questions: list[str], tag: str, turns: int) -> list[float]:
    """One citizen asking ``turns`` questions in a single conversation."""
    latencies = []
    async with httpx.AsyncClient(timeout=120) as client:
        for turn in range(turns):
            seconds, _ = await ask(client, url, f"bench-{tag}-long", questions[turn % len(questions)])
            latencies.append(seconds)
    return latencies


def resident_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (Linux /proc).

    Counted as the proportional set size: a page shared by a Rasa server and its forked
    workers (libraries loaded before the fork) counts once in all, not once per process."""
    total_kb = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            total_kb += next(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (OSError, StopIteration, ValueError):
            continue
        pids.extend(int(child) for child in children)
    return total_kb / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children so far, in seconds (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (OSError, IndexError, ValueError):
            continue
        pids.extend(int(child) for child in children)
    return total


def measure(label: str, urls: list[str], processes: dict[str, int], args: argparse.Namespace, questions: list[str]) -> Row:
    """Warm up, then the concurrent, sequential and long-conversation runs, then memory."""
    tag = label.split()[0].lower().replace(",", "")
    row = Row(label)

    async def warm_up() -> None:
        async with httpx.AsyncClient(timeout=120) as client:
            for url in urls:
                for question in questions[:5]:
                    await ask(client, url, f"bench-{tag}-warmup", question)

    asyncio.run(warm_up())
    cpu_before = {name: cpu_seconds(pid) for name, pid in processes.items()}
    latencies, failures, elapsed = asyncio.run(concurrent_load(urls, questions, args.users, args.rounds, tag))
    row.cpu_ms_per_message = {
        name: (cpu_seconds(pid) - cpu_before[name]) * 1000 / max(1, len(latencies)) for name, pid in processes.items()
    }
    row.messages, row.failures = len(latencies), failures
    row.msg_per_s = len(latencies) / elapsed
    row.p50_ms = statistics.median(latencies) * 1000
    row.p95_ms = percentile(latencies, 0.95) * 1000
    row.sequential_p50_ms = statistics.median(asyncio.run(sequential(urls[0], questions, tag))) * 1000
    long = asyncio.run(long_conversation(urls[0], questions, tag, args.long_turns))
    row.early_turns_ms = statistics.median(long[:10]) * 1000
    row.late_turns_ms = statistics.median(long[-10:]) * 1000
    row.memory_mb = {name: resident_mb(pid) for name, pid in processes.items()}
    return row


def _postgres_admin_url() -> str | None:
    """An admin URL of a reachable PostgreSQL, or None (then the PostgreSQL rows are skipped)."""
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


@contextmanager
def assistant_stack(
    servers: int, admin_url: str | None, details: dict[str, str] | None = None, rasa_workers: int = 1
) -> Iterator[tuple[list[str], dict[str, int]]]:
    """Our stack on embedded SQLite (``admin_url`` None) or on PostgreSQL + Redis.

    Yields the Rasa URLs and the process id of every server; ``details`` (if given) gets the
    ``tracker_url`` our own environment can read the tracker store with."""
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
        if details is not None:
            details["tracker_url"] = (
                admin.database_url(admin_url, created[1], drivername="postgresql+psycopg")
                if admin_url else f"sqlite:///{Path(tmp) / 'tracker.db'}"
            )
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
                **({"rasa_workers": rasa_workers} if rasa_workers != 1 else {}),  # older trees lack it
            )
            with running_stack(config) as running:
                urls = [f"http://127.0.0.1:{port}" for port in config.rasa_ports]
                yield urls, {s.name: s.process.pid for s in running if s.process is not None}
        finally:
            get_engine(database_url).dispose()
            for name in created:
                admin.drop_database(admin_url or "", name)


def print_table(rows: list[Row]) -> None:
    """The rows as a Markdown table, the ratio to the bare bot, and memory per process."""
    print()
    print("| | msg/s | p50 | p95 | sequential p50 | turns 1–10 | turns 91–100 | failures |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row.label} | {row.msg_per_s:.1f} | {row.p50_ms:.0f} ms | {row.p95_ms:.0f} ms | "
            f"{row.sequential_p50_ms:.0f} ms | {row.early_turns_ms:.0f} ms | {row.late_turns_ms:.0f} ms | "
            f"{row.failures}/{row.messages} |"
        )
    bare = next((row for row in rows if row.label.startswith("bare")), None)
    if bare and bare.msg_per_s:
        print()
        for row in rows:
            if row is not bare:
                print(f"{row.label}: {row.msg_per_s / bare.msg_per_s:.2f}× the bare bot's throughput")
    print()
    print("CPU per message during the concurrent run (ms; robust to other load on the machine):")
    for row in rows:
        total = sum(row.cpu_ms_per_message.values())
        print(f"- {row.label}: total {total:.1f} — " + ", ".join(f"{n} {ms:.1f}" for n, ms in row.cpu_ms_per_message.items()))
    print()
    print("Resident memory at the end of each row (MB, proportional set size, workers included):")
    for row in rows:
        print(f"- {row.label}: " + ", ".join(f"{name} {mb:.0f}" for name, mb in row.memory_mb.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2, help="conversations per citizen in the concurrent run")
    parser.add_argument("--long-turns", type=int, default=100)
    parser.add_argument("--url", action="append", help="Rasa server(s) to load; default: start the stacks")
    parser.add_argument(
        "--topology", action="append", choices=["bare", "embedded", "embedded2", "pg1", "pg2"],
        help="default: all four when PostgreSQL and Redis answer, else bare and embedded",
    )
    args = parser.parse_args()
    questions = load_questions()
    if args.url:
        latencies, failures, elapsed = asyncio.run(concurrent_load(args.url, questions, args.users, args.rounds, "url"))
        print(
            f"{len(latencies)} messages in {elapsed:.1f} s — {len(latencies) / elapsed:.1f} msg/s, "
            f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
            f"failures {failures}"
        )
        return 0
    admin_url = _postgres_admin_url() if _redis_reachable() else None
    topologies = args.topology or (["bare", "embedded", "pg1", "pg2"] if admin_url else ["bare", "embedded"])
    print(
        f"{len(questions)} questions; {args.users} concurrent citizens × {len(questions) // args.users} questions "
        f"× {args.rounds} rounds; then sequential; then one {args.long_turns}-turn conversation"
    )
    rows: list[Row] = []
    for topology in topologies:
        if topology == "bare":
            with running_bare_bot(ensure_bare_bot()) as (url, pid):
                rows.append(measure("bare `rasa init` bot", [url], {"rasa": pid}, args, questions))
        elif topology == "embedded":
            with assistant_stack(1, None, rasa_workers=rasa_workers()) as (urls, processes):
                rows.append(measure("assistant, embedded (make run)", urls, processes, args, questions))
        elif topology == "embedded2":
            with assistant_stack(1, None, rasa_workers=2) as (urls, processes):
                rows.append(measure("assistant, embedded, RASA_WORKERS=2", urls, processes, args, questions))
        elif admin_url is None:
            print(f"{topology}: skipped (PostgreSQL or Redis not reachable)")
        else:
            servers = 2 if topology == "pg2" else 1
            with assistant_stack(servers, admin_url) as (urls, processes):
                rows.append(measure(f"assistant, PostgreSQL + Redis, {servers} Rasa", urls, processes, args, questions))
        print(f"… {rows[-1].label if rows else topology} done", flush=True)
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
