"""The windowed SQL tracker store: long conversations load a bounded window with the same state.

Real SQLite files (and the machine's PostgreSQL when it answers), Rasa's own event classes
and our domain's slots. The reference for "the same state" is Rasa's own SQLTrackerStore
reading the same database.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from stores.windowed_sql_tracker_store import WindowedSQLTrackerStore, window_plan

DOMAIN = Domain.load(str(Path(__file__).resolve().parents[2] / "rasa_project" / "domain.yml"))
POSTGRES_ADMIN = os.environ.get("TEST_RASA_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def run(coroutine):
    return asyncio.run(coroutine)


def session_start(tracker: DialogueStateTracker) -> None:
    for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
        tracker.update(event)


def answer_turn(tracker: DialogueStateTracker, number: int) -> None:
    """One citizen question answered by the bot, setting the slots our actions set."""
    tracker.update(UserUttered(f"câu hỏi số {number}", {"name": "ask_fee", "confidence": 0.9}))
    tracker.update(ActionExecuted("action_answer_procedure"))
    tracker.update(BotUttered(f"trả lời số {number}"))
    tracker.update(SlotSet("procedure_code", f"1.00{number % 7}"))
    tracker.update(SlotSet("last_answer_kind", "answer" if number % 3 else "not_found"))
    tracker.update(ActionExecuted("action_listen"))


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    try:
        admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
        name = f"rasa_window_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError:
        pytest.skip("needs PostgreSQL at 127.0.0.1:5432")
    url = POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def stores(url: str, window: int = 40) -> tuple[WindowedSQLTrackerStore, SQLTrackerStore]:
    return WindowedSQLTrackerStore(domain=DOMAIN, host=url, window_events=window), SQLTrackerStore(domain=DOMAIN, host=url)


def test_long_conversation_loads_a_window_with_the_same_state(database_url: str) -> None:
    windowed, rasa_store = stores(database_url)
    tracker = DialogueStateTracker("citizen-long", DOMAIN.slots)
    session_start(tracker)
    tracker.update(SlotSet("faq_id", "42"))  # set once, early, and never again
    for number in range(40):
        answer_turn(tracker, number)
    run(rasa_store.save(tracker))

    loaded = run(windowed.retrieve("citizen-long"))
    full = run(rasa_store.retrieve("citizen-long"))

    assert len(full.events) > 200
    assert len(loaded.events) < 60
    assert loaded.current_slot_values() == full.current_slot_values()
    assert loaded.latest_message.text == full.latest_message.text == "câu hỏi số 39"
    assert loaded.latest_action_name == full.latest_action_name
    assert [e.text for e in loaded.events if isinstance(e, BotUttered)][-1] == "trả lời số 39"


def test_saving_a_windowed_tracker_appends_only_the_new_events(database_url: str) -> None:
    windowed, rasa_store = stores(database_url)
    tracker = DialogueStateTracker("citizen-save", DOMAIN.slots)
    session_start(tracker)
    for number in range(30):
        answer_turn(tracker, number)
    run(rasa_store.save(tracker))
    stored_before = len(run(rasa_store.retrieve("citizen-save")).events)

    for number in (30, 31):  # two more messages, each loaded, answered and saved
        loaded = run(windowed.retrieve("citizen-save"))
        answer_turn(loaded, number)
        run(windowed.save(loaded))

    full = run(rasa_store.retrieve("citizen-save"))
    assert len(full.events) == stored_before + 12
    texts = [e.text for e in full.events if isinstance(e, UserUttered)]
    assert texts == [f"câu hỏi số {n}" for n in range(32)]
    assert full.get_slot("procedure_code") == "1.003"


def test_a_new_conversation_is_stored_once_through_rasas_own_wrapper(database_url: str) -> None:
    """Rasa wraps the store (FailSafeTrackerStore) and creates a new citizen's tracker itself:
    each of its events is stored exactly once, whatever the number of saves."""
    from rasa.core.tracker_store import FailSafeTrackerStore

    windowed, rasa_store = stores(database_url)
    wrapped = FailSafeTrackerStore(windowed)

    async def first_two_messages() -> None:
        for number in (0, 1):
            tracker = await wrapped.get_or_create_tracker("citizen-new")
            if number == 0:
                session_start(tracker)
            answer_turn(tracker, number)
            await wrapped.save(tracker)

    run(first_two_messages())
    full = run(rasa_store.retrieve_full_tracker("citizen-new"))
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == ["câu hỏi số 0", "câu hỏi số 1"]
    assert [e.action_name for e in full.events if isinstance(e, ActionExecuted)] == [
        "action_listen", "action_session_start", "action_listen",
        "action_answer_procedure", "action_listen", "action_answer_procedure", "action_listen",
    ]


def test_two_servers_taking_turns_each_see_the_others_messages(database_url: str) -> None:
    """Each server keeps the tracker it saved; the other's write makes it read the database."""
    first, rasa_store = stores(database_url)
    second = WindowedSQLTrackerStore(domain=DOMAIN, host=database_url, window_events=40)
    tracker = DialogueStateTracker("citizen-two-servers", DOMAIN.slots)
    session_start(tracker)
    run(rasa_store.save(tracker))

    for number in range(6):
        server = (first, second)[number % 2]
        loaded = run(server.retrieve("citizen-two-servers"))
        assert loaded.get_slot("procedure_code") == (None if number == 0 else f"1.00{(number - 1) % 7}")
        answer_turn(loaded, number)
        run(server.save(loaded))
    # the same server twice in a row: its kept tracker, still what the database holds
    again = run(second.retrieve("citizen-two-servers"))
    assert again.get_slot("procedure_code") == "1.005"
    answer_turn(again, 6)
    run(second.save(again))

    full = run(rasa_store.retrieve("citizen-two-servers"))
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == [f"câu hỏi số {n}" for n in range(7)]
    assert run(first.retrieve("citizen-two-servers")).get_slot("procedure_code") == "1.006"


def test_a_new_session_is_read_back_without_the_previous_one(database_url: str) -> None:
    """A tracker in which a second session started is not kept: the next message sees the
    new session only, as a load from the database gives it."""
    windowed, rasa_store = stores(database_url)
    tracker = DialogueStateTracker("citizen-two-sessions", DOMAIN.slots)
    session_start(tracker)
    answer_turn(tracker, 1)
    run(rasa_store.save(tracker))
    loaded = run(windowed.retrieve("citizen-two-sessions"))
    session_start(loaded)  # the session expired: Rasa starts a new one in the same tracker
    answer_turn(loaded, 2)
    run(windowed.save(loaded))

    again = run(windowed.retrieve("citizen-two-sessions"))
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["câu hỏi số 2"]


def test_a_kept_tracker_is_not_used_after_its_events_were_deleted(tmp_path: Path) -> None:
    """Retention (or an official's erasure) deletes events: the next message reads the database."""
    windowed, rasa_store = stores(sqlite_url(tmp_path))
    tracker = DialogueStateTracker("citizen-erased", DOMAIN.slots)
    session_start(tracker)
    run(rasa_store.save(tracker))
    loaded = run(windowed.retrieve("citizen-erased"))
    answer_turn(loaded, 1)
    run(windowed.save(loaded))
    with sa.create_engine(sqlite_url(tmp_path)).begin() as connection:
        connection.execute(sa.text("DELETE FROM events WHERE sender_id = 'citizen-erased'"))
    assert run(windowed.retrieve("citizen-erased")) is None


def test_active_form_and_pause_before_the_window_are_kept(tmp_path: Path) -> None:
    windowed, rasa_store = stores(sqlite_url(tmp_path))
    tracker = DialogueStateTracker("citizen-paused", DOMAIN.slots)
    session_start(tracker)
    tracker.update(ActiveLoop("status_lookup_form"))
    tracker.update(ConversationResumed())
    tracker.update(ConversationPaused())
    for number in range(30):
        answer_turn(tracker, number)
    run(rasa_store.save(tracker))

    loaded = run(windowed.retrieve("citizen-paused"))
    assert len(loaded.events) < len(tracker.events)
    assert loaded.active_loop_name == "status_lookup_form"
    assert loaded.is_paused()


def test_history_rewriting_events_load_the_whole_session(tmp_path: Path) -> None:
    windowed, rasa_store = stores(sqlite_url(tmp_path))
    tracker = DialogueStateTracker("citizen-restarted", DOMAIN.slots)
    session_start(tracker)
    answer_turn(tracker, 0)
    tracker.update(Restarted())
    for number in range(1, 30):
        answer_turn(tracker, number)
    run(rasa_store.save(tracker))

    loaded = run(windowed.retrieve("citizen-restarted"))
    assert len(loaded.events) == len(run(rasa_store.retrieve("citizen-restarted")).events)


def test_short_sessions_are_loaded_whole() -> None:
    rows = [(1, "action", "action_session_start"), (2, "session_started", None), (3, "action", "action_listen")]
    rows += [(4 + i, "user", None) for i in range(10)]
    assert window_plan(rows, window_events=40) is None
