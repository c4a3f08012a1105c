"""Remembering delivered message ids, so a webhook delivery that arrives twice is handled once.

With several Rasa servers behind a load balancer a redelivery can reach another server, so
when Redis is configured (the lock store's ``LOCK_STORE_TYPE`` names a Redis store) the ids
are kept there with ``SET key 1 NX EX ttl``: the first server to set the key handles the
message, every later delivery sees the key. Without Redis a bounded in-process memory does.
If Redis does not answer, the in-process memory takes over for that call (a duplicate is
better than a lost message) and a warning is logged.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any, Protocol

from connectors.text import RecentIds

logger = logging.getLogger(__name__)
KEY_PREFIX = "dvc:seen:"


class SeenIds(Protocol):
    def seen_before(self, key: str) -> bool:
        """Record ``key``; True when it had been recorded already."""
        ...


class MemorySeenIds:
    """Per-process memory of the last ids (one Rasa server)."""

    def __init__(self, max_size: int = 4096) -> None:
        self._recent = RecentIds(max_size)

    def seen_before(self, key: str) -> bool:
        return self._recent.seen_before(key)


class RedisSeenIds:
    """Ids shared by every Rasa server through Redis, each kept ``ttl_seconds``."""

    def __init__(self, client: Any, namespace: str, ttl_seconds: int) -> None:
        self.client = client
        self.namespace = namespace
        self.ttl_seconds = max(1, int(ttl_seconds))
        self._fallback = MemorySeenIds()

    def seen_before(self, key: str) -> bool:
        try:
            created = self.client.set(f"{KEY_PREFIX}{self.namespace}:{key}", b"1", nx=True, ex=self.ttl_seconds)
        except Exception as exc:  # noqa: BLE001 - Redis down: fall back rather than drop the message
            logger.warning("Redis unreachable for duplicate detection (%s); using this server's memory", type(exc).__name__)
            return self._fallback.seen_before(key)
        return not created


def redis_configured(environ: Mapping[str, str] | None = None) -> bool:
    """True when the lock store is a Redis store (so Redis is part of this deployment)."""
    env = os.environ if environ is None else environ
    return "redis" in (env.get("LOCK_STORE_TYPE") or "").lower()


def seen_ids(namespace: str, ttl_seconds: int, environ: Mapping[str, str] | None = None) -> SeenIds:
    """Redis-backed ids when Redis is configured (same host, port, db and password as the lock
    store), else per-process memory."""
    env = os.environ if environ is None else environ
    if not redis_configured(env):
        return MemorySeenIds()
    import redis  # part of the Rasa environment (its Redis lock store)

    client = redis.StrictRedis(
        host=env.get("LOCK_STORE_HOST") or "localhost",
        port=int(env.get("LOCK_STORE_PORT") or 6379),
        db=int(env.get("LOCK_STORE_DB") or 1),
        password=env.get("LOCK_STORE_PASSWORD") or None,
        socket_timeout=2,
        socket_connect_timeout=2,
    )
    logger.info("Duplicate %s deliveries are detected through Redis at %s", namespace, env.get("LOCK_STORE_HOST") or "localhost")
    return RedisSeenIds(client, namespace, ttl_seconds)
