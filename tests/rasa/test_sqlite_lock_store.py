"""The SQLite lock store: unique tickets under contention from threads and from processes.

The same checks as the Redis lock store's, on a real SQLite file; the process test is what
lets Rasa run several Sanic workers on the embedded defaults.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import uuid
from pathlib import Path

from rasa.utils.endpoints import EndpointConfig
from stores.sqlite_lock_store import SQLiteLockStore


def store_at(path: Path) -> SQLiteLockStore:
    return SQLiteLockStore(EndpointConfig(url=str(path), type="stores.sqlite_lock_store.SQLiteLockStore"))


def _tickets_in_process(path: str, conversation: str, count: int) -> list[int]:
    store = SQLiteLockStore(path=path)
    return [store.issue_ticket(conversation) for _ in range(count)]


def test_concurrent_ticket_requests_from_threads_get_distinct_tickets(tmp_path: Path) -> None:
    store = store_at(tmp_path / "locks.db")
    conversation = f"test-{uuid.uuid4().hex}"
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        tickets = list(pool.map(lambda _: store.issue_ticket(conversation), range(40)))
    assert sorted(tickets) == list(range(40))


def test_concurrent_ticket_requests_from_processes_get_distinct_tickets(tmp_path: Path) -> None:
    path = str(tmp_path / "locks.db")
    store_at(Path(path))
    conversation = f"test-{uuid.uuid4().hex}"
    with concurrent.futures.ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        batches = list(pool.map(_tickets_in_process, [path] * 4, [conversation] * 4, [15] * 4))
    tickets = [ticket for batch in batches for ticket in batch]
    assert sorted(tickets) == list(range(60))


def test_lock_serialises_holders_and_cleans_up(tmp_path: Path) -> None:
    store = store_at(tmp_path / "locks.db")
    conversation = f"test-{uuid.uuid4().hex}"
    order: list[str] = []

    async def holder(name: str) -> None:
        async with store.lock(conversation, wait_time_in_seconds=0.01):
            order.append(f"{name}-in")
            await asyncio.sleep(0.05)
            order.append(f"{name}-out")

    async def main() -> None:
        await asyncio.gather(holder("a"), holder("b"), holder("c"))

    asyncio.run(main())
    pairs = [order[i : i + 2] for i in range(0, len(order), 2)]
    assert all(p[0].endswith("-in") and p[1].endswith("-out") and p[0][0] == p[1][0] for p in pairs)
    assert store.get_lock(conversation) is None, "the lock is removed when nobody waits"


def test_a_second_store_on_the_same_file_sees_the_waiting_ticket(tmp_path: Path) -> None:
    first, second = store_at(tmp_path / "locks.db"), store_at(tmp_path / "locks.db")
    conversation = f"test-{uuid.uuid4().hex}"
    ticket = first.issue_ticket(conversation)
    assert second.is_someone_waiting(conversation)
    assert second.issue_ticket(conversation) == ticket + 1
    first.cleanup(conversation, ticket)
    lock = second.get_lock(conversation)
    assert lock is not None and lock.now_serving == ticket + 1
