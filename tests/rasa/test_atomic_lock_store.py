"""The atomic Redis lock store on the machine's real Redis: unique tickets under contention."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import uuid

import pytest
import redis
from rasa.utils.endpoints import EndpointConfig
from stores.atomic_redis_lock_store import AtomicRedisLockStore

REDIS_HOST = os.environ.get("TEST_REDIS_HOST", "127.0.0.1")


@pytest.fixture
def store() -> AtomicRedisLockStore:
    try:
        redis.Redis(host=REDIS_HOST, socket_timeout=2).ping()
    except redis.RedisError:
        pytest.skip(f"needs Redis at {REDIS_HOST}:6379")
    config = EndpointConfig(url=REDIS_HOST, port=6379, db=4, type="stores.atomic_redis_lock_store.AtomicRedisLockStore")
    return AtomicRedisLockStore(config)


def test_concurrent_ticket_requests_get_distinct_tickets(store: AtomicRedisLockStore) -> None:
    conversation = f"test-{uuid.uuid4().hex}"
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        tickets = list(pool.map(lambda _: store.issue_ticket(conversation), range(40)))
    assert sorted(tickets) == list(range(40))
    store.delete_lock(conversation)


def test_lock_serialises_holders_and_cleans_up(store: AtomicRedisLockStore) -> None:
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
