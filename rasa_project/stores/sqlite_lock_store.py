"""A ticket lock store in an SQLite file: atomic across the Rasa processes of one machine.

Rasa's ``InMemoryLockStore`` serialises the messages of a conversation inside one process
only, so Rasa refuses to start more than one Sanic worker with it. On the embedded defaults
(no Redis) this store keeps the ticket locks in a small SQLite file instead; every
read-modify-write of a lock runs in one ``BEGIN IMMEDIATE`` transaction, which SQLite grants
to one connection at a time across processes, so tickets are unique and a conversation's
messages are handled one after another whichever worker receives them. Same contract as
``stores.atomic_redis_lock_store.AtomicRedisLockStore``, which is the choice for several
machines.

Use it in endpoints.yml with ``lock_store: type: stores.sqlite_lock_store.SQLiteLockStore``
and ``url:`` the path of the file (created when missing).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from stores.ticket_transactions import TransactionalTickets

T = TypeVar("T")
DEFAULT_PATH = "locks.db"
BUSY_TIMEOUT_MS = 10_000

SCHEMA = "CREATE TABLE IF NOT EXISTS ticket_locks (conversation_id TEXT PRIMARY KEY, lock TEXT NOT NULL)"


class SQLiteLockStore(TransactionalTickets, LockStore):
    """Ticket locks in one SQLite table; each change is one immediate transaction."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, path: str | None = None) -> None:
        self.path = str(Path(path or (endpoint_config.url if endpoint_config and endpoint_config.url else DEFAULT_PATH)))
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        connection = self._connection()
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(SCHEMA)
        super().__init__()

    def _connection(self) -> sqlite3.Connection:
        """One connection per thread, in autocommit mode (transactions are explicit)."""
        owned = getattr(self._local, "connection", None)
        if owned is None or owned[0] != os.getpid():  # never use a connection across a fork
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA synchronous=NORMAL")
            owned = self._local.connection = (os.getpid(), connection)
        return owned[1]

    def _transact(self, conversation_id: str, change: Callable[[TicketLock | None], tuple[TicketLock | None, T]]) -> T:
        """Apply ``change`` to the stored lock atomically; ``None`` as new lock deletes it."""
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            row = connection.execute("SELECT lock FROM ticket_locks WHERE conversation_id = ?", (conversation_id,)).fetchone()
            current = TicketLock.from_dict(json.loads(row[0])) if row else None
            new_lock, result = change(current)
            if new_lock is None:
                connection.execute("DELETE FROM ticket_locks WHERE conversation_id = ?", (conversation_id,))
            else:
                connection.execute(
                    "INSERT OR REPLACE INTO ticket_locks (conversation_id, lock) VALUES (?, ?)",
                    (conversation_id, new_lock.dumps()),
                )
            connection.execute("COMMIT")
            return result
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        row = self._connection().execute(
            "SELECT lock FROM ticket_locks WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()
        return TicketLock.from_dict(json.loads(row[0])) if row else None

    def delete_lock(self, conversation_id: str) -> None:
        self._connection().execute("DELETE FROM ticket_locks WHERE conversation_id = ?", (conversation_id,))

    def save_lock(self, lock: TicketLock) -> None:
        self._connection().execute(
            "INSERT OR REPLACE INTO ticket_locks (conversation_id, lock) VALUES (?, ?)", (lock.conversation_id, lock.dumps())
        )
