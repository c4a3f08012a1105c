"""An SQL tracker store that loads a bounded window of a long conversation.

Rasa 3.6's ``SQLTrackerStore`` turns every event of the current session back into objects
on every message, and the policies then walk all of them: the cost of a message grows with
the length of the conversation (docs/performance.md). Our dialogue needs only the last few
turns (``max_history: 3``; the actions read slots and the last two answers), so for a session
longer than ``window_events`` this store loads:

- the session's first events up to its first ``action_listen`` (the session start);
- the latest stored value of every slot, the latest active loop and the latest pause or
  resume from before the window (the state those events leave, event by event as stored);
- the last ``window_events`` events, starting at a citizen's message.

All events stay in the database (review, exports and ``GET /conversations/<id>/tracker``
read them all). A session whose earlier part holds an event that rewrites history (restart,
rewind, undo, slot reset, or anything unknown) is loaded whole, exactly as Rasa does.
``save`` appends only the events added since the tracker was loaded (or, for a conversation
just found empty, all of them), so the window is never written twice; the Rasa lock store
keeps one message of a conversation at a time.

The tracker just saved is kept in memory (the last ``kept_trackers`` conversations) and
handed to the conversation's next message instead of being read back, when the database
still holds exactly what was saved (same number of events, same newest id: one small
indexed query); any write or deletion by another server, the API or retention means a
normal load. A kept tracker is handed out once, grows to at most twice the window, and is
never one that spans two sessions, so it holds the state a load would give.

Use it in endpoints.yml with ``tracker_store: type: stores.windowed_sql_tracker_store.WindowedSQLTrackerStore``
and the same ``url`` as Rasa's SQL tracker store. On SQLite it also turns on write-ahead
logging, so the console can read the tracker database while Rasa writes it.
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

DEFAULT_WINDOW_EVENTS = 120
# Trackers kept in memory between a conversation's messages (the most recently saved ones).
DEFAULT_KEPT_TRACKERS = 256
LOADED_EVENTS_ATTRIBUTE = "_events_loaded_from_store"

# Events whose effect on the tracker is only history: dropping them before the window
# leaves the state of the conversation unchanged.
HISTORY_ONLY_EVENTS = frozenset(
    {
        "user", "bot", "action", "entities", "user_featurization", "loop_interrupted",
        "action_execution_rejected", "followup", "reminder", "cancel_reminder", "agent", "export",
    }
)
# Events whose latest value is the state they leave.
LATEST_WINS_EVENTS = frozenset({"slot", "active_loop", "pause", "resume"})

# The conversation this task just looked up and found no event for: the tracker Rasa then
# creates for it (``get_or_create_tracker``, in the same task) has nothing stored yet. Per
# task, so a lookup elsewhere never vouches for another task's tracker.
_FOUND_EMPTY: contextvars.ContextVar[str | None] = contextvars.ContextVar("found_empty", default=None)

Row = tuple[int, str, str | None]  # id, type_name, action_name (the slot's name for "slot")


def window_plan(rows: Sequence[Row], window_events: int) -> tuple[list[int], int] | None:
    """Which stored events to load for a session of ``rows`` (in order).

    Returns the ids to load before the window and the id where the window starts, or None
    when the whole session must be loaded (short, or with history-rewriting events)."""
    if len(rows) <= window_events:
        return None
    start = len(rows) - window_events
    while start < len(rows) and rows[start][1] != "user":
        start += 1
    header_end = next(
        (index for index, (_, kind, name) in enumerate(rows) if kind == "action" and name == "action_listen"), None
    )
    if start >= len(rows) or header_end is None or header_end + 1 >= start:
        return None
    latest: dict[tuple[str, str | None], int] = {}
    for event_id, kind, name in rows[header_end + 1:start]:
        if kind in LATEST_WINS_EVENTS:
            key = (kind, name) if kind == "slot" else ("pause" if kind in ("pause", "resume") else kind, None)
            latest[key] = event_id
        elif kind not in HISTORY_ONLY_EVENTS:
            return None
    before = [event_id for event_id, _, _ in rows[: header_end + 1]] + sorted(latest.values())
    return before, rows[start][0]


class WindowedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that loads the start, the state and the last events of a long session."""

    def __init__(
        self, *args: Any, window_events: int = DEFAULT_WINDOW_EVENTS, kept_trackers: int = DEFAULT_KEPT_TRACKERS,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.window_events = max(20, int(window_events))
        self.kept_trackers = max(0, int(kept_trackers))
        # sender id -> (what the database held for it when it was saved, the tracker saved)
        self._kept: OrderedDict[str, tuple[tuple[int, int | None], DialogueStateTracker]] = OrderedDict()
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens a new SQLite connection per session (NullPool); keep a
            # few open instead, each in write-ahead-log mode.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, connect_args={"check_same_thread": False})
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        if fetch_events_from_all_sessions or self.domain is None:
            tracker = await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        else:
            tracker = self._take_kept(sender_id) or self._retrieve_window(sender_id)
        if tracker is not None and not fetch_events_from_all_sessions:
            setattr(tracker, LOADED_EVENTS_ATTRIBUTE, len(tracker.events))
        _FOUND_EMPTY.set(sender_id if tracker is None else None)
        return tracker

    def _stored_mark(self, connection: Any, sender_id: str) -> tuple[int, int | None]:
        """How many events the database holds for the conversation, and the newest one's id."""
        columns = self.SQLEvent.__table__.c
        count, newest = connection.execute(
            sa.select(sa.func.count(), sa.func.max(columns.id)).where(columns.sender_id == sender_id)
        ).one()
        return int(count), newest

    def _take_kept(self, sender_id: str) -> DialogueStateTracker | None:
        """The tracker this server saved last for the conversation, if the database still
        holds exactly what it saved (no other server or tool wrote or deleted since).

        It is handed out once: whoever takes it owns it, and it comes back when saved."""
        kept = self._kept.pop(sender_id, None)
        if kept is None:
            return None
        with self.engine.connect() as connection:
            return kept[1] if self._stored_mark(connection, sender_id) == kept[0] else None

    def _keep(self, tracker: DialogueStateTracker, mark: tuple[int, int | None]) -> None:
        """Keep a just-saved tracker for the conversation's next message; a tracker grown well
        past the window is let go, so the next load cuts the window again."""
        if self.kept_trackers == 0 or len(tracker.events) > 2 * self.window_events or _spans_sessions(tracker):
            return
        self._kept[tracker.sender_id] = (mark, tracker)
        self._kept.move_to_end(tracker.sender_id)
        while len(self._kept) > self.kept_trackers:
            self._kept.popitem(last=False)

    def _retrieve_window(self, sender_id: str) -> DialogueStateTracker | None:
        events_table = self.SQLEvent.__table__
        columns = events_table.c
        session_start = (
            sa.select(sa.func.max(columns.timestamp))
            .where(columns.sender_id == sender_id, columns.type_name == "session_started")
            .scalar_subquery()
        )
        in_session = sa.and_(
            columns.sender_id == sender_id, sa.or_(columns.timestamp >= session_start, session_start.is_(None))
        )
        with self.engine.connect() as connection:
            rows = [
                (row.id, row.type_name, row.action_name)
                for row in connection.execute(
                    sa.select(columns.id, columns.type_name, columns.action_name).where(in_session).order_by(columns.id)
                )
            ]
            if not rows:
                return None
            plan = window_plan(rows, self.window_events)
            query = sa.select(columns.data).where(in_session)
            if plan is not None:
                before, window_start = plan
                query = query.where(sa.or_(columns.id >= window_start, columns.id.in_(before)))
            events = [json.loads(data) for (data,) in connection.execute(query.order_by(columns.id))]
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the events added since ``tracker`` was loaded (Rasa's rule for other trackers)."""
        self._kept.pop(tracker.sender_id, None)
        loaded = getattr(tracker, LOADED_EVENTS_ATTRIBUTE, None)
        if loaded is None and _FOUND_EMPTY.get() == tracker.sender_id:
            loaded = 0  # a new conversation: every event is new
        _FOUND_EMPTY.set(None)
        if loaded is None:  # a tracker built elsewhere: Rasa's rule finds what is new
            await super().save(tracker)
            setattr(tracker, LOADED_EVENTS_ATTRIBUTE, len(tracker.events))
            return
        await self.stream_events(tracker)
        new_events = list(tracker.events)[loaded:]
        with self.engine.begin() as connection:
            if new_events:
                connection.execute(self.SQLEvent.__table__.insert(), self._rows(tracker.sender_id, new_events))
            mark = self._stored_mark(connection, tracker.sender_id)
        setattr(tracker, LOADED_EVENTS_ATTRIBUTE, len(tracker.events))
        self._keep(tracker, mark)

    @staticmethod
    def _rows(sender_id: str, new_events: list[Any]) -> list[dict[str, Any]]:
        """The events table's rows for ``new_events``, as Rasa's SQL store writes them."""
        rows = []
        for event in new_events:
            data = event.as_dict()
            rows.append(
                {
                    "sender_id": sender_id,
                    "type_name": event.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                }
            )
        return rows


def _spans_sessions(tracker: DialogueStateTracker) -> bool:
    """More than one session start: a load would begin at the last one."""
    return sum(1 for event in tracker.events if isinstance(event, SessionStarted)) > 1


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """Write-ahead log, and fsync at checkpoints rather than at every commit."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
