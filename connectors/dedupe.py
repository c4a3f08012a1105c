"""Remembering delivered message ids, so a webhook delivery that arrives twice is handled once.

With several Rasa servers behind a load balancer a redelivery can reach another server, so
the ids live in the connectors' shared state (``connectors/state.py``): in Redis when it is
configured, where ``SET dvc:seen:<channel>:<id> 1 NX PX ttl`` lets only the first server
handle the message, else in this process. If Redis does not answer, this server's memory
takes over for that call (a duplicate is better than a lost message) and a warning is logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from connectors.state import MemoryState, RedisState, SharedState, build_state, shared_state, state_choice


class SeenIds(Protocol):
    def seen_before(self, key: str) -> bool:
        """Record ``key``; True when it had been recorded already."""
        ...


class StateSeenIds:
    """Ids kept ``ttl_seconds`` in a :class:`~connectors.state.SharedState`."""

    def __init__(self, state: SharedState, namespace: str, ttl_seconds: float | None) -> None:
        self.state = state
        self.namespace = f"seen:{namespace}"
        self.ttl_seconds = None if ttl_seconds is None else max(1.0, float(ttl_seconds))

    def seen_before(self, key: str) -> bool:
        return not self.state.add(self.namespace, key, "1", self.ttl_seconds)


class MemorySeenIds(StateSeenIds):
    """Per-process memory of the last ids (one Rasa server)."""

    def __init__(
        self, max_size: int = 4096, namespace: str = "ids", ttl_seconds: float | None = None, state: SharedState | None = None
    ) -> None:
        super().__init__(state or MemoryState(max_size), namespace, ttl_seconds)


class RedisSeenIds(StateSeenIds):
    """Ids shared by every Rasa server through Redis, each kept ``ttl_seconds``."""

    def __init__(self, client: Any, namespace: str, ttl_seconds: float, state: SharedState | None = None) -> None:
        super().__init__(state or RedisState(client), namespace, ttl_seconds)


def redis_configured(environ: Mapping[str, str] | None = None) -> bool:
    """True when the connector state is Redis (by default: when the lock store is a Redis store)."""
    return state_choice(environ) == "redis"


def seen_ids(namespace: str, ttl_seconds: int, environ: Mapping[str, str] | None = None) -> SeenIds:
    """Ids in the process's shared state (``environ`` given: a store built from it)."""
    state = shared_state() if environ is None else build_state(environ)
    if state.shared:
        return RedisSeenIds(None, namespace, ttl_seconds, state=state)
    return MemorySeenIds(namespace=namespace, ttl_seconds=ttl_seconds, state=state)
