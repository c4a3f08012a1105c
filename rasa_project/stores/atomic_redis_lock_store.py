"""A Redis lock store whose ticket operations are atomic across Rasa servers.

Rasa 3.6's ``RedisLockStore`` reads a conversation's ticket lock, changes it in Python and
writes it back. When two Rasa servers receive messages of one conversation at the same
moment, both can read "no lock", both issue ticket 0, and both process at once, so one
message's events are lost from the SQL tracker store. This store runs every
read-modify-write inside a Redis ``WATCH``/``MULTI`` transaction and retries on conflict,
so tickets are unique and messages are processed one after another.

Use it in endpoints.yml with ``lock_store: type: stores.atomic_redis_lock_store.AtomicRedisLockStore``
and the same ``url``/``port``/``db``/``password`` keys as Rasa's Redis lock store.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable, Optional, Tuple, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from stores.ticket_transactions import TransactionalTickets

logger = logging.getLogger(__name__)

T = TypeVar("T")
MAX_RETRIES = 50


class AtomicRedisLockStore(TransactionalTickets, RedisLockStore):
    """``RedisLockStore`` with transactional ticket issue, update and clean-up."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _key(self, conversation_id: str) -> str:
        return self.key_prefix + conversation_id

    def _transact(self, conversation_id: str, change: Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], T]]) -> T:
        """Apply ``change`` to the stored lock atomically; ``None`` as new lock deletes it."""
        key = self._key(conversation_id)
        for _ in range(MAX_RETRIES):
            with self.red.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    current = TicketLock.from_dict(json.loads(raw)) if raw else None
                    new_lock, result = change(current)
                    pipe.multi()
                    if new_lock is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, new_lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another server changed the lock meanwhile: read it again
        raise LockError(f"Could not update the lock of conversation '{conversation_id}' (too much contention).")
