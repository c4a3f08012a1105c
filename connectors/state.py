"""State the channel connectors share between Rasa servers, behind one small interface.

Behind a load balancer a citizen's next message can reach another Rasa server than the one
that answered the last, so what a connector remembers between two messages must be seen by
every server: Zalo's numbered menus, the ids of Zalo deliveries already handled, Zalo's
access and refresh tokens, and Telegram's long button payloads. Like Rasa's lock store, the
store is chosen by configuration:

- :class:`MemoryState` keeps everything in this process (one Rasa process);
- :class:`SqliteState` keeps it in an SQLite file, shared by the Rasa processes of one
  machine (``make run``'s Sanic workers, with the SQLite lock store; ``CONNECTOR_STATE_PATH``,
  by default the lock store's file);
- :class:`RedisState` keeps it in Redis (several servers). It is used when
  ``CONNECTOR_STATE_STORE=redis``, or with the default ``auto`` whenever the lock store is a
  Redis store (``LOCK_STORE_TYPE``); it connects with ``LOCK_STORE_HOST/PORT/DB`` and
  ``LOCK_STORE_PASSWORD``. Keys are ``<CONNECTOR_STATE_PREFIX><namespace>:<key>``, the
  prefix ``dvc:`` by default (set another one to share a Redis between deployments).

Degraded mode: when Redis does not answer, each call falls back to this server's memory and
a warning is logged (at most once a minute). A duplicate Zalo answer or an expired button is
better than a lost message; the conversation itself stops anyway, since the lock store is
Redis too, and the connectors then tell the citizen so (docs/channels.md).

Nothing here imports Rasa: both environments can use it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from connectors.text import BoundedDict

logger = logging.getLogger(__name__)

KEY_PREFIX = "dvc:"
MEMORY_ENTRIES = 10_000  # per namespace, in MemoryState
CHOICES = ("auto", "memory", "sqlite", "redis")
WARN_EVERY = 60.0  # seconds between two "Redis unreachable" warnings
# Compare-and-delete: only the holder of a lock releases it.
RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class SharedState(Protocol):
    """Small key-value store with expiry, atomic add and pop, and named locks."""

    shared: bool  # True when every Rasa server sees the same values

    def get(self, namespace: str, key: str) -> str | None:
        """The value, or None when absent or expired."""
        ...

    def put(self, namespace: str, key: str, value: str, ttl_seconds: float | None = None) -> None:
        """Store ``value``; forgotten after ``ttl_seconds`` (None: kept)."""
        ...

    def add(self, namespace: str, key: str, value: str = "1", ttl_seconds: float | None = None) -> bool:
        """Store ``value`` only if ``key`` is absent; True when this call stored it."""
        ...

    def pop(self, namespace: str, key: str) -> str | None:
        """Read and delete in one step: two servers never both get the value."""
        ...

    def acquire(self, name: str, ttl_seconds: float) -> str | None:
        """Take the lock ``name`` for at most ``ttl_seconds``; its token, or None when held."""
        ...

    def release(self, name: str, token: str) -> None:
        """Give the lock back (only if ``token`` still holds it)."""
        ...


class MemoryState:
    """Everything in this process (one Rasa server). Thread-safe."""

    shared = False

    def __init__(self, max_entries: int = MEMORY_ENTRIES, clock: Any = time.monotonic) -> None:
        self.max_entries = max_entries
        self.clock = clock
        self._spaces: dict[str, BoundedDict[str, tuple[str, float | None]]] = {}
        self._mutex = threading.Lock()

    def _space(self, namespace: str) -> BoundedDict[str, tuple[str, float | None]]:
        space = self._spaces.get(namespace)
        if space is None:
            space = self._spaces[namespace] = BoundedDict(self.max_entries)
        return space

    def _live(self, namespace: str, key: str) -> str | None:
        entry = self._space(namespace).get(key)
        if entry is None:
            return None
        value, expires = entry
        if expires is not None and expires <= self.clock():
            self._space(namespace).pop(key)
            return None
        return value

    def _expiry(self, ttl_seconds: float | None) -> float | None:
        return None if ttl_seconds is None else self.clock() + ttl_seconds

    def get(self, namespace: str, key: str) -> str | None:
        with self._mutex:
            return self._live(namespace, key)

    def put(self, namespace: str, key: str, value: str, ttl_seconds: float | None = None) -> None:
        with self._mutex:
            self._space(namespace).put(key, (value, self._expiry(ttl_seconds)))

    def add(self, namespace: str, key: str, value: str = "1", ttl_seconds: float | None = None) -> bool:
        with self._mutex:
            if self._live(namespace, key) is not None:
                return False
            self._space(namespace).put(key, (value, self._expiry(ttl_seconds)))
            return True

    def pop(self, namespace: str, key: str) -> str | None:
        with self._mutex:
            value = self._live(namespace, key)
            self._space(namespace).pop(key)
            return value

    def acquire(self, name: str, ttl_seconds: float) -> str | None:
        token = uuid.uuid4().hex
        return token if self.add("lock", name, token, ttl_seconds) else None

    def release(self, name: str, token: str) -> None:
        with self._mutex:
            if self._live("lock", name) == token:
                self._space("lock").pop(name)


class RedisState:
    """Shared by every Rasa server through Redis; this process's memory when Redis fails."""

    shared = True

    def __init__(self, client: Any, prefix: str = KEY_PREFIX) -> None:
        self.client = client
        self.prefix = prefix
        self.fallback = MemoryState()
        self._warned_at = -WARN_EVERY

    def _key(self, namespace: str, key: str) -> str:
        return f"{self.prefix}{namespace}:{key}"

    def _failed(self, what: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            logger.warning("Redis unreachable for connector state (%s: %s); using this server's memory", what, type(exc).__name__)

    @staticmethod
    def _text(raw: Any) -> str | None:
        return raw.decode("utf-8") if isinstance(raw, bytes) else raw

    @staticmethod
    def _ms(ttl_seconds: float | None) -> int | None:
        return None if ttl_seconds is None else max(1, int(ttl_seconds * 1000))

    def get(self, namespace: str, key: str) -> str | None:
        try:
            return self._text(self.client.get(self._key(namespace, key)))
        except Exception as exc:  # noqa: BLE001 - any Redis failure: degraded, never a crash
            self._failed("get", exc)
            return self.fallback.get(namespace, key)

    def put(self, namespace: str, key: str, value: str, ttl_seconds: float | None = None) -> None:
        self.fallback.put(namespace, key, value, ttl_seconds)  # so the degraded mode knows it too
        try:
            self.client.set(self._key(namespace, key), value.encode("utf-8"), px=self._ms(ttl_seconds))
        except Exception as exc:  # noqa: BLE001
            self._failed("set", exc)

    def add(self, namespace: str, key: str, value: str = "1", ttl_seconds: float | None = None) -> bool:
        try:
            return bool(self.client.set(self._key(namespace, key), value.encode("utf-8"), nx=True, px=self._ms(ttl_seconds)))
        except Exception as exc:  # noqa: BLE001
            self._failed("set nx", exc)
            return self.fallback.add(namespace, key, value, ttl_seconds)

    def pop(self, namespace: str, key: str) -> str | None:
        local = self.fallback.pop(namespace, key)
        try:
            return self._text(self.client.getdel(self._key(namespace, key)))
        except Exception as exc:  # noqa: BLE001
            self._failed("getdel", exc)
            return local

    def acquire(self, name: str, ttl_seconds: float) -> str | None:
        token = uuid.uuid4().hex
        try:
            taken = self.client.set(self._key("lock", name), token.encode(), nx=True, px=self._ms(ttl_seconds))
        except Exception as exc:  # noqa: BLE001 - no Redis: only this server can be sure of itself
            self._failed("lock", exc)
            return self.fallback.acquire(name, ttl_seconds)
        return token if taken else None

    def release(self, name: str, token: str) -> None:
        self.fallback.release(name, token)
        try:
            self.client.eval(RELEASE_SCRIPT, 1, self._key("lock", name), token)
        except Exception as exc:  # noqa: BLE001 - the lock expires by itself
            self._failed("unlock", exc)


class SqliteState:
    """Everything in one SQLite file: shared by the Rasa processes of one machine.

    For several Sanic workers on the embedded defaults (no Redis). Each change that reads
    before it writes runs in one ``BEGIN IMMEDIATE`` transaction, which SQLite grants to one
    connection at a time across processes. Expired entries are removed as they are met and,
    every ``PURGE_EVERY`` writes, all at once."""

    shared = True
    PURGE_EVERY = 500

    def __init__(self, path: str, clock: Any = time.time) -> None:
        import sqlite3

        self.path = path
        self.clock = clock
        self._sqlite3 = sqlite3
        self._local = threading.local()
        self._writes = 0
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        connection = self._connection()
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(
            "CREATE TABLE IF NOT EXISTS connector_state (namespace TEXT NOT NULL, key TEXT NOT NULL, "
            "value TEXT NOT NULL, expires_at REAL, PRIMARY KEY (namespace, key))"
        )

    def _connection(self) -> Any:
        owned = getattr(self._local, "connection", None)
        if owned is None or owned[0] != os.getpid():  # never use a connection across a fork
            connection = self._sqlite3.connect(self.path, timeout=10, isolation_level=None)
            connection.execute("PRAGMA busy_timeout=10000")
            connection.execute("PRAGMA synchronous=NORMAL")
            owned = self._local.connection = (os.getpid(), connection)
        return owned[1]

    def _expiry(self, ttl_seconds: float | None) -> float | None:
        return None if ttl_seconds is None else self.clock() + ttl_seconds

    def _live(self, connection: Any, namespace: str, key: str) -> str | None:
        row = connection.execute(
            "SELECT value, expires_at FROM connector_state WHERE namespace = ? AND key = ?", (namespace, key)
        ).fetchone()
        if row is None:
            return None
        if row[1] is not None and row[1] <= self.clock():
            connection.execute("DELETE FROM connector_state WHERE namespace = ? AND key = ?", (namespace, key))
            return None
        return str(row[0])

    def _write(self, connection: Any, namespace: str, key: str, value: str, ttl_seconds: float | None) -> None:
        connection.execute(
            "INSERT OR REPLACE INTO connector_state (namespace, key, value, expires_at) VALUES (?, ?, ?, ?)",
            (namespace, key, value, self._expiry(ttl_seconds)),
        )
        self._writes += 1
        if self._writes % self.PURGE_EVERY == 0:
            connection.execute("DELETE FROM connector_state WHERE expires_at IS NOT NULL AND expires_at <= ?", (self.clock(),))

    def _transaction(self, work: Any) -> Any:
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            result = work(connection)
            connection.execute("COMMIT")
            return result
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def get(self, namespace: str, key: str) -> str | None:
        return self._transaction(lambda c: self._live(c, namespace, key))

    def put(self, namespace: str, key: str, value: str, ttl_seconds: float | None = None) -> None:
        self._transaction(lambda c: self._write(c, namespace, key, value, ttl_seconds))

    def add(self, namespace: str, key: str, value: str = "1", ttl_seconds: float | None = None) -> bool:
        def work(connection: Any) -> bool:
            if self._live(connection, namespace, key) is not None:
                return False
            self._write(connection, namespace, key, value, ttl_seconds)
            return True

        return bool(self._transaction(work))

    def pop(self, namespace: str, key: str) -> str | None:
        def work(connection: Any) -> str | None:
            value = self._live(connection, namespace, key)
            connection.execute("DELETE FROM connector_state WHERE namespace = ? AND key = ?", (namespace, key))
            return value

        return self._transaction(work)

    def acquire(self, name: str, ttl_seconds: float) -> str | None:
        token = uuid.uuid4().hex
        return token if self.add("lock", name, token, ttl_seconds) else None

    def release(self, name: str, token: str) -> None:
        def work(connection: Any) -> None:
            if self._live(connection, "lock", name) == token:
                connection.execute("DELETE FROM connector_state WHERE namespace = 'lock' AND key = ?", (name,))

        self._transaction(work)


def sqlite_state_path(environ: Mapping[str, str]) -> str:
    """``CONNECTOR_STATE_PATH``, else the SQLite lock store's file (``LOCK_STORE_HOST``)."""
    return environ.get("CONNECTOR_STATE_PATH") or environ.get("LOCK_STORE_HOST") or "connector_state.db"


def state_choice(environ: Mapping[str, str] | None = None) -> str:
    """``memory``, ``sqlite`` or ``redis`` from ``CONNECTOR_STATE_STORE`` (ValueError on anything else).

    ``auto`` follows the lock store: Redis with a Redis lock store, SQLite with the SQLite
    lock store (several Sanic workers on one machine), else this process's memory."""
    env = os.environ if environ is None else environ
    choice = (env.get("CONNECTOR_STATE_STORE") or "auto").strip().lower()
    if choice not in CHOICES:
        raise ValueError(f"CONNECTOR_STATE_STORE must be one of {', '.join(CHOICES)}, not {choice!r}")
    if choice == "auto":
        lock_store = (env.get("LOCK_STORE_TYPE") or "").lower()
        return "redis" if "redis" in lock_store else "sqlite" if "sqlite" in lock_store else "memory"
    return choice


def redis_client(environ: Mapping[str, str] | None = None) -> Any:
    """A Redis client for the lock store's host, port, db and password (short timeouts)."""
    import redis  # part of the Rasa environment (its Redis lock store)

    env = os.environ if environ is None else environ
    return redis.StrictRedis(
        host=env.get("LOCK_STORE_HOST") or "localhost",
        port=int(env.get("LOCK_STORE_PORT") or 6379),
        db=int(env.get("LOCK_STORE_DB") or 1),
        password=env.get("LOCK_STORE_PASSWORD") or None,
        socket_timeout=2,
        socket_connect_timeout=2,
    )


def build_state(environ: Mapping[str, str] | None = None) -> SharedState:
    """The store the configuration asks for (see the module's docstring)."""
    env = os.environ if environ is None else environ
    choice = state_choice(env)
    if choice == "memory":
        return MemoryState()
    if choice == "sqlite":
        path = sqlite_state_path(env)
        logger.info("Connector state shared by this machine's Rasa processes in %s", path)
        return SqliteState(path)
    client = redis_client(env)
    where = f"{env.get('LOCK_STORE_HOST') or 'localhost'}:{env.get('LOCK_STORE_PORT') or 6379}"
    try:
        client.ping()
        logger.info("Connector state (Zalo menus, tokens, dedupe; Telegram buttons) shared through Redis at %s", where)
    except Exception as exc:  # noqa: BLE001 - start anyway; every call falls back until Redis answers
        logger.error("Redis at %s does not answer (%s): connector state stays in this server's memory until it does", where, type(exc).__name__)
    return RedisState(client, prefix=env.get("CONNECTOR_STATE_PREFIX") or KEY_PREFIX)


_process_state: SharedState | None = None
_process_mutex = threading.Lock()


def shared_state() -> SharedState:
    """The one store of this process (built on first use from the environment)."""
    global _process_state
    with _process_mutex:
        if _process_state is None:
            _process_state = build_state()
        return _process_state
