"""The atomic Redis lock store on the machine's real Redis: unique tickets under contention."""

from __future__ import annotations

import os

import pytest
import redis
from rasa.utils.endpoints import EndpointConfig
from stores.atomic_redis_lock_store import AtomicRedisLockStore

from tests.rasa.lock_store_checks import (
    assert_a_waiter_whose_ticket_expired_behind_a_dead_one_goes_on,
    assert_holders_are_serialised_and_cleaned_up,
    assert_threads_get_distinct_tickets,
)

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
    assert_threads_get_distinct_tickets(store)


def test_lock_serialises_holders_and_cleans_up(store: AtomicRedisLockStore) -> None:
    assert_holders_are_serialised_and_cleaned_up(store)


def test_a_waiter_whose_ticket_expired_behind_a_dead_one_goes_on(store: AtomicRedisLockStore) -> None:
    assert_a_waiter_whose_ticket_expired_behind_a_dead_one_goes_on(store)
