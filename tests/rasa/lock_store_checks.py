"""What every lock store we ship must do, checked the same way for each (Redis, SQLite)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
import uuid

from rasa.core.lock_store import LockStore


def assert_threads_get_distinct_tickets(store: LockStore, requests: int = 40) -> None:
    """Many tickets asked for one conversation at once are all different."""
    conversation = f"test-{uuid.uuid4().hex}"
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        tickets = list(pool.map(lambda _: store.issue_ticket(conversation), range(requests)))
    assert sorted(tickets) == list(range(requests))
    store.delete_lock(conversation)


def assert_holders_are_serialised_and_cleaned_up(store: LockStore) -> None:
    """Three holders of one conversation's lock never overlap; the lock goes when nobody waits."""
    conversation = f"test-{uuid.uuid4().hex}"
    order: list[str] = []

    async def holder(name: str) -> None:
        async with store.lock(conversation, wait_time_in_seconds=0.01):
            order.append(f"{name}-in")
            await asyncio.sleep(0.05)  # hold it while the others try
            order.append(f"{name}-out")

    async def main() -> None:
        await asyncio.gather(holder("a"), holder("b"), holder("c"))

    asyncio.run(main())
    pairs = [order[i : i + 2] for i in range(0, len(order), 2)]
    assert all(p[0].endswith("-in") and p[1].endswith("-out") and p[0][0] == p[1][0] for p in pairs)
    assert store.get_lock(conversation) is None, "the lock is removed when nobody waits"


def assert_a_waiter_whose_ticket_expired_behind_a_dead_one_goes_on(store: LockStore) -> None:
    """A server died holding ticket 0; the waiting message's own ticket 1 expired too before it
    looked again. It must go on (Rasa's own loop waits for ever there)."""
    conversation = f"test-{uuid.uuid4().hex}"
    dead = store.issue_ticket(conversation)
    waiting = store.issue_ticket(conversation)
    assert waiting == dead + 1
    lock = store.get_lock(conversation)
    assert lock is not None
    for queued in lock.tickets:  # both lifetimes ran out while the waiter's loop was busy
        queued.expires = time.time() - 1
    store.save_lock(lock)

    async def acquire() -> None:
        await asyncio.wait_for(store._acquire_lock(conversation, waiting, 0.01), timeout=10)

    asyncio.run(acquire())
    store.cleanup(conversation, waiting)
