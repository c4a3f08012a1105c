"""Survive a PostgreSQL restart in the Rasa process: every pooled connection is pinged first.

Rasa 3.6's SQL tracker store creates its engine without ``pool_pre_ping``. After PostgreSQL
restarts (or drops connections), the first message that takes a dead pooled connection
fails, and Rasa's ``FailSafeTrackerStore`` then answers it from an **empty** tracker: the
citizen's context is lost for that message ("Bạn muốn hỏi về thủ tục nào?" instead of the
answer; found by ``tests/faults/test_postgres_dropped.py``). SQLAlchemy's pessimistic
disconnect recipe — a ``SELECT 1`` when a connection is taken from the pool, retried once on
a fresh connection when the old one was dead — closes that gap for every engine of the Rasa
process. It is installed by the health channel, which every Rasa server enables.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)
_installed = False


def _ping(connection: Any, branch: bool) -> None:
    from sqlalchemy import exc, select

    if branch:  # a sub-connection of one already checked
        return
    keep = connection.should_close_with_result
    connection.should_close_with_result = False
    try:
        connection.scalar(select(1))
    except exc.DBAPIError as error:
        if not error.connection_invalidated:
            raise
        logger.warning("A pooled database connection was dead (database restarted?); reconnected")
        connection.scalar(select(1))  # the pool was invalidated: this opens a new connection
    finally:
        connection.should_close_with_result = keep
        if getattr(connection, "_is_future", False) and connection.in_transaction():
            connection.rollback()  # 2.0-style connections autobegin: leave none open behind the ping


def install() -> None:
    """Ping pooled connections of every SQLAlchemy engine in this process (idempotent)."""
    global _installed
    if _installed:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    event.listen(Engine, "engine_connect", _ping)
    _installed = True
