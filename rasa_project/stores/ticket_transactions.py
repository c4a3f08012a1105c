"""Rasa's ticket-lock operations, each one atomic read-modify-write of the stored lock.

Rasa 3.6's lock stores read a conversation's ticket lock, change it in Python and write it
back; two processes doing that at once can issue the same ticket. A store that can apply a
change to one lock atomically (``_transact``: a Redis ``WATCH``/``MULTI`` transaction, an
SQLite ``BEGIN IMMEDIATE`` transaction) gets the four ticket operations from this mixin.

It also mends how a waiting message gets its turn. Rasa's loop waits until ``now_serving``
equals its ticket; when the ticket ahead belonged to a server that died, both tickets can
expire before the waiter looks again (its event loop busy with other citizens), and then
``now_serving`` is 0 for ever: the citizen's message hangs (found by
``tests/faults/test_servers_killed.py``). Here a message goes on once no live ticket is
ahead of its own, the rule the ticket queue means.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME

T = TypeVar("T")
Change = Callable[[TicketLock | None], tuple[TicketLock | None, T]]


class TransactionalTickets:
    """Ticket issue, update, finish and clean-up through the store's atomic ``_transact``.

    Put it before the ``LockStore`` base: ``class Store(TransactionalTickets, LockStore)``."""

    def _transact(self, conversation_id: str, change: Change[T]) -> T:  # pragma: no cover - the store's
        """Apply ``change`` to the stored lock atomically; ``None`` as new lock deletes it."""
        raise NotImplementedError

    async def _acquire_lock(self, conversation_id: str, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        """Wait until no live ticket is ahead of ``ticket`` (expired ones are removed while waiting)."""
        while True:
            lock = self.get_lock(conversation_id)  # type: ignore[attr-defined]  # LockStore's
            if lock is None:
                return self.create_lock(conversation_id)  # type: ignore[attr-defined]
            if not any(queued.number < ticket and not queued.has_expired() for queued in lock.tickets):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            self.update_lock(conversation_id)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)  # type: ignore[attr-defined]  # LockStore's
            return lock, lock.issue_ticket(lock_lifetime)

        return self._transact(conversation_id, change)

    def update_lock(self, conversation_id: str) -> None:
        def change(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._transact(conversation_id, change)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def change(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._transact(conversation_id, change)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the ticket, and the whole lock when nobody else waits: one transaction."""

        def change(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._transact(conversation_id, change)
