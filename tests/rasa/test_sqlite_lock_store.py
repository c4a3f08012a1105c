"""The SQLite lock store: unique tickets under contention from threads and from processes.

The same checks as the Redis lock store's, on a real SQLite file; the process test is what
lets Rasa run several Sanic workers on the embedded defaults.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import uuid
from pathlib import Path

from rasa.utils.endpoints import EndpointConfig
from stores.sqlite_lock_store import SQLiteLockStore

from tests.rasa.lock_store_checks import (
    assert_a_waiter_whose_ticket_expired_behind_a_dead_one_goes_on,
    assert_holders_are_serialised_and_cleaned_up,
    assert_threads_get_distinct_tickets,
)


def store_at(path: Path) -> SQLiteLockStore:
    return SQLiteLockStore(EndpointConfig(url=str(path), type="stores.sqlite_lock_store.SQLiteLockStore"))


def _tickets_in_process(path: str, conversation: str, count: int) -> list[int]:
    store = SQLiteLockStore(path=path)
    return [store.issue_ticket(conversation) for _ in range(count)]


def test_concurrent_ticket_requests_from_threads_get_distinct_tickets(tmp_path: Path) -> None:
    assert_threads_get_distinct_tickets(store_at(tmp_path / "locks.db"))


def test_concurrent_ticket_requests_from_processes_get_distinct_tickets(tmp_path: Path) -> None:
    path = str(tmp_path / "locks.db")
    store_at(Path(path))
    conversation = f"test-{uuid.uuid4().hex}"
    with concurrent.futures.ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        batches = list(pool.map(_tickets_in_process, [path] * 4, [conversation] * 4, [15] * 4))
    tickets = [ticket for batch in batches for ticket in batch]
    assert sorted(tickets) == list(range(60))


def test_lock_serialises_holders_and_cleans_up(tmp_path: Path) -> None:
    assert_holders_are_serialised_and_cleaned_up(store_at(tmp_path / "locks.db"))


def test_a_second_store_on_the_same_file_sees_the_waiting_ticket(tmp_path: Path) -> None:
    first, second = store_at(tmp_path / "locks.db"), store_at(tmp_path / "locks.db")
    conversation = f"test-{uuid.uuid4().hex}"
    ticket = first.issue_ticket(conversation)
    assert second.is_someone_waiting(conversation)
    assert second.issue_ticket(conversation) == ticket + 1
    first.cleanup(conversation, ticket)
    lock = second.get_lock(conversation)
    assert lock is not None and lock.now_serving == ticket + 1


def test_a_waiter_whose_ticket_expired_behind_a_dead_one_goes_on(tmp_path: Path) -> None:
    assert_a_waiter_whose_ticket_expired_behind_a_dead_one_goes_on(store_at(tmp_path / "locks.db"))
