"""The summary of the REAL tracker store (conversations through the REST channel), read-only.

Also: the high-water mark with late ids (gaps), a replaced tracker store, URL handling, and
the same summary from a PostgreSQL tracker store when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.exc import OperationalError

from dichvucong.db.admin import create_database, drop_database, unique_name
from dichvucong.db.models import ReviewConversation, ReviewMessage, ReviewSyncState
from dichvucong.db.session import get_sessionmaker
from dichvucong.review.services.sync import sync
from dichvucong.review.tracker import EVENTS, dispose_engines, normalize_url, public_source, readonly_engine
from tests.review.conftest import CODE, PHONE, Chats


def _sync(database_url: str, tracker_url: str) -> None:
    with get_sessionmaker(database_url)() as session:
        report = sync(session, readonly_engine(tracker_url), public_source(tracker_url))
        assert not report.skipped


def _messages(database_url: str, sender: str) -> list[ReviewMessage]:
    with get_sessionmaker(database_url)() as session:
        return list(session.scalars(select(ReviewMessage).where(ReviewMessage.sender_id == sender).order_by(ReviewMessage.event_id)))


def test_summary_of_real_conversations(review_db: str, live_tracker: str, chats: Chats) -> None:
    _sync(review_db, live_tracker)
    fee, rating = _messages(review_db, chats.procedure)
    assert (fee.intent, fee.procedure_code, fee.answer_kind, fee.channel) == ("ask_fee", "1.012354", "answer", "rest")
    assert fee.confidence is not None and fee.confidence > 0.6 and not fee.fallback and fee.bot_replies == 1
    assert fee.response_seconds is not None and 0 < fee.response_seconds < 30
    assert rating.is_payload and rating.intent == "feedback_negative"
    (unclear,) = _messages(review_db, chats.fallback)
    assert unclear.intent == "nlu_fallback" and unclear.fallback and unclear.top_intent and unclear.confidence < 0.45
    assert _messages(review_db, chats.human)[0].asked_human
    (personal,) = _messages(review_db, chats.personal)
    assert PHONE not in personal.text_masked and "091****678" in personal.text_masked
    assert CODE not in personal.text_masked and "000.00.04.H51-******-**07" in personal.text_masked
    assert _messages(review_db, chats.positive)[0].procedure_code == "1.000894"
    with get_sessionmaker(review_db)() as session:
        conversation = session.scalars(select(ReviewConversation).where(ReviewConversation.sender_id == chats.procedure)).one()
        assert conversation.messages == 2 and conversation.fallbacks == 0 and conversation.channel == "rest"
        assert conversation.preview == "làm lại căn cước mất bao nhiêu tiền"


def test_sync_is_incremental_and_idempotent(review_db: str, live_tracker: str) -> None:
    _sync(review_db, live_tracker)
    with get_sessionmaker(review_db)() as session:
        before = session.scalar(select(text("count(*)")).select_from(ReviewMessage))
        high = session.get(ReviewSyncState, 1).high_event_id
        report = sync(session, readonly_engine(live_tracker), public_source(live_tracker))
        assert report.events == 0 and report.high_event_id >= high
        assert session.scalar(select(text("count(*)")).select_from(ReviewMessage)) >= before


def test_the_tracker_store_is_opened_read_only(live_tracker: str, chats: Chats) -> None:
    engine = readonly_engine(live_tracker)
    assert engine is not None
    with engine.connect() as connection, pytest.raises(OperationalError, match="readonly"):
        connection.execute(text("DELETE FROM events WHERE sender_id = :s"), {"s": chats.procedure})
    with engine.connect() as connection:
        assert connection.scalar(select(text("count(*)")).select_from(EVENTS).where(EVENTS.c.sender_id == chats.procedure)) > 0


def test_missing_tracker_store_is_empty_not_an_error(tmp_path: Path) -> None:
    assert readonly_engine(f"sqlite:///{tmp_path / 'nothing.db'}") is None
    assert not (tmp_path / "nothing.db").exists()


def test_urls_from_rasa_settings() -> None:
    from dichvucong.config import PROJECT_ROOT

    assert normalize_url("sqlite:///var/tracker.db") == f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"
    assert normalize_url("postgresql://rasa:secret@db:5432/rasa") == "postgresql+psycopg://rasa:secret@db:5432/rasa"
    assert normalize_url("postgres://rasa@db/rasa").startswith("postgresql+psycopg://")
    assert public_source("postgresql://rasa:secret@db/rasa") == "postgresql+psycopg://rasa:***@db/rasa"


def _tracker(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    EVENTS.metadata.create_all(engine)
    engine.dispose()
    return url


def _user_row(event_id: int, sender: str, ts: float, text_: str) -> dict:
    import json

    data = {"event": "user", "timestamp": ts, "text": text_, "input_channel": "telegram",
            "parse_data": {"intent": {"name": "ask_fee", "confidence": 0.9}, "entities": []}}
    return {"id": event_id, "sender_id": sender, "type_name": "user", "timestamp": ts, "intent_name": "ask_fee", "data": json.dumps(data)}


def test_a_late_committed_event_is_still_summarised(review_db: str, tmp_path: Path) -> None:
    """Ids are taken before commit: id 2 may appear after id 3 (two Rasa servers, PostgreSQL)."""
    url = _tracker(tmp_path / "tracker.db")
    now = time.time()
    with sqlite3.connect(tmp_path / "tracker.db") as connection:
        connection.execute("INSERT INTO events (id, sender_id, type_name, timestamp, intent_name, data) VALUES (:id, :sender_id, :type_name, :timestamp, :intent_name, :data)", _user_row(1, "a", now, "một"))
        connection.execute("INSERT INTO events (id, sender_id, type_name, timestamp, intent_name, data) VALUES (:id, :sender_id, :type_name, :timestamp, :intent_name, :data)", _user_row(3, "b", now, "ba"))
    _sync(review_db, url)
    with get_sessionmaker(review_db)() as session:
        state = session.get(ReviewSyncState, 1)
        assert state.high_event_id == 3 and list(state.gaps) == ["2"]
    with sqlite3.connect(tmp_path / "tracker.db") as connection:
        connection.execute("INSERT INTO events (id, sender_id, type_name, timestamp, intent_name, data) VALUES (:id, :sender_id, :type_name, :timestamp, :intent_name, :data)", _user_row(2, "c", now, "hai"))
    _sync(review_db, url)
    assert [m.text_masked for m in _messages(review_db, "c")] == ["hai"]
    with get_sessionmaker(review_db)() as session:
        assert session.get(ReviewSyncState, 1).gaps == {}
    dispose_engines()


def test_a_gap_is_given_up_after_the_settle_time(review_db: str, tmp_path: Path) -> None:
    url = _tracker(tmp_path / "tracker.db")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(insert(EVENTS), [_user_row(1, "a", time.time(), "x"), _user_row(5, "a", time.time(), "y")])
    engine.dispose()
    with get_sessionmaker(review_db)() as session:
        sync(session, readonly_engine(url), public_source(url), settle_seconds=10)
        assert sorted(session.get(ReviewSyncState, 1).gaps) == ["2", "3", "4"]
        sync(session, readonly_engine(url), public_source(url), settle_seconds=0)
        assert session.get(ReviewSyncState, 1).gaps == {}
    dispose_engines()


def test_another_tracker_store_rebuilds_the_summary(review_db: str, live_tracker: str, tmp_path: Path, chats: Chats) -> None:
    _sync(review_db, live_tracker)
    url = _tracker(tmp_path / "other.db")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(insert(EVENTS), [_user_row(1, "khac", time.time(), "câu khác")])
    engine.dispose()
    _sync(review_db, url)
    with get_sessionmaker(review_db)() as session:
        assert list(session.scalars(select(ReviewConversation.sender_id))) == ["khac"]
        assert session.get(ReviewSyncState, 1).source == public_source(url)
    dispose_engines()


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL is not set")
def test_postgresql_tracker_store_gives_the_same_summary(review_db: str, live_tracker: str, chats: Chats) -> None:
    """The real events copied into a PostgreSQL database, named with Rasa's postgresql:// URL."""
    from sqlalchemy.engine import make_url

    admin_url = os.environ["TEST_DATABASE_URL"]
    name = unique_name("rasa_test")
    create_database(admin_url, name)
    try:
        rasa_url = make_url(admin_url).set(drivername="postgresql", database=name).render_as_string(hide_password=False)
        target = create_engine(normalize_url(rasa_url))
        EVENTS.metadata.create_all(target)
        source = readonly_engine(live_tracker)
        with source.connect() as read, target.begin() as write:
            rows = [dict(r._mapping) for r in read.execute(select(EVENTS).where(EVENTS.c.sender_id.in_(chats.senders)))]
            write.execute(insert(EVENTS), rows)
        target.dispose()
        _sync(review_db, rasa_url)
        (personal,) = _messages(review_db, chats.personal)
        assert "091****678" in personal.text_masked
        assert [m.intent for m in _messages(review_db, chats.procedure)] == ["ask_fee", "feedback_negative"]
        with readonly_engine(rasa_url).connect() as connection, pytest.raises(Exception, match="read-only"):
            connection.execute(text("DELETE FROM events"))
    finally:
        dispose_engines()
        drop_database(admin_url, name)
