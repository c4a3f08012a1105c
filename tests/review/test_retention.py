"""``dvc retention`` on COPIES of the tracker store (never the running one): whole old
conversations go, a conversation still going keeps its current session, our notes and
ratings of what went go too, and --dry-run only counts."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select
from typer.testing import CliRunner

from dichvucong.cli import app as cli
from dichvucong.db.models import (
    AnswerFeedback,
    ReviewAnnotation,
    ReviewAudit,
    ReviewConversation,
    ReviewedConversation,
    ReviewMessage,
)
from dichvucong.db.session import get_sessionmaker
from dichvucong.review.services.retention import run_retention
from dichvucong.review.services.sync import sync
from dichvucong.review.tracker import EVENTS, dispose_engines, public_source, readonly_engine
from tests.review.conftest import Chats

DAY = 86400.0


def _events(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(EVENTS)) or 0)
    finally:
        engine.dispose()


def _count(database_url: str, model: type) -> int:
    with get_sessionmaker(database_url)() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _prepare(review_db: str, tracker: str, chats: Chats) -> None:
    """Summary, a note and a reviewed mark, as officials would leave them."""
    with get_sessionmaker(review_db)() as session:
        sync(session, readonly_engine(tracker), public_source(tracker))
        message = session.scalars(select(ReviewMessage).where(ReviewMessage.sender_id == chats.personal)).first()
        session.add(ReviewAnnotation(sender_id=chats.personal, event_id=message.event_id, event_timestamp=message.timestamp,
                                     text_masked=message.text_masked, corrected_intent="check_status"))
        session.add(ReviewedConversation(sender_id=chats.human, reviewed_by="reviewer1"))
        session.commit()


def test_nothing_recent_is_deleted(review_db: str, own_tracker: str, chats: Chats) -> None:
    _prepare(review_db, own_tracker, chats)
    before = _events(own_tracker)
    with get_sessionmaker(review_db)() as session:
        report = run_retention(session, own_tracker, days=365)
    assert (report.events, report.conversations_deleted, report.messages) == (0, 0, 0)
    assert _events(own_tracker) == before and _count(review_db, ReviewAnnotation) == 1


def test_dry_run_counts_and_deletes_nothing(review_db: str, own_tracker: str, chats: Chats) -> None:
    _prepare(review_db, own_tracker, chats)
    before = _events(own_tracker)
    later = time.time() + 400 * DAY
    with get_sessionmaker(review_db)() as session:
        report = run_retention(session, own_tracker, days=365, dry_run=True, now=later)
    assert report.dry_run and report.events == before and report.conversations_deleted == len(chats.senders)
    assert report.annotations == 1 and report.reviewed_marks == 1 and report.ratings >= 2 and report.messages == 8
    assert _events(own_tracker) == before
    assert _count(review_db, ReviewAnnotation) == 1 and _count(review_db, ReviewMessage) == 8
    assert _count(review_db, ReviewAudit) == 0


def test_old_conversations_go_with_our_records(review_db: str, own_tracker: str, chats: Chats) -> None:
    _prepare(review_db, own_tracker, chats)
    before = _events(own_tracker)
    with get_sessionmaker(review_db)() as session:
        report = run_retention(session, own_tracker, days=365, now=time.time() + 400 * DAY)
    assert report.events == before and _events(own_tracker) == 0
    for model in (ReviewMessage, ReviewConversation, ReviewAnnotation, ReviewedConversation):
        assert _count(review_db, model) == 0, model
    with get_sessionmaker(review_db)() as session:
        assert session.scalar(select(func.count()).select_from(AnswerFeedback).where(AnswerFeedback.sender_id.in_(chats.senders))) == 0
        entry = session.scalars(select(ReviewAudit)).one()
        assert entry.action == "retention" and entry.username == "dvc retention" and "Đã xóa" in entry.detail
        # The emptied SQLite store starts its ids again at 1: the summary reads from the start.
        assert sync(session, readonly_engine(own_tracker), public_source(own_tracker)).high_event_id == 0


def _event(sender: str, kind: str, ts: float, **data: object) -> dict:
    payload = {"event": kind, "timestamp": ts, **data}
    return {"sender_id": sender, "type_name": kind, "timestamp": ts, "intent_name": None, "action_name": data.get("name"),
            "data": json.dumps(payload)}


def _session(sender: str, ts: float, text: str) -> list[dict]:
    return [
        _event(sender, "action", ts, name="action_session_start"), _event(sender, "session_started", ts + 0.001),
        _event(sender, "user", ts + 1, text=text, input_channel="zalo", parse_data={"intent": {"name": "ask_fee", "confidence": 0.9}}),
        _event(sender, "bot", ts + 2, text="trả lời"),
    ]


def test_a_conversation_still_going_keeps_its_current_session(review_db: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = create_engine(url)
    EVENTS.metadata.create_all(engine)
    now = time.time()
    with engine.begin() as connection:
        connection.execute(insert(EVENTS), [
            *_session("cu", now - 500 * DAY, "chuyện cũ"),
            *_session("dang-noi", now - 500 * DAY, "phiên cũ"), *_session("dang-noi", now - 2 * DAY, "phiên mới"),
            *_session("moi", now - DAY, "hôm qua"),
        ])
    engine.dispose()
    with get_sessionmaker(review_db)() as session:
        sync(session, readonly_engine(url), public_source(url))
        report = run_retention(session, url, days=365, now=now)
        assert (report.conversations_deleted, report.conversations_trimmed, report.events, report.messages) == (1, 1, 8, 2)
        remaining = session.execute(select(ReviewMessage.sender_id, ReviewMessage.text_masked).order_by(ReviewMessage.id)).all()
        assert [tuple(r) for r in remaining] == [("dang-noi", "phiên mới"), ("moi", "hôm qua")]
        trimmed = session.scalars(select(ReviewConversation).where(ReviewConversation.sender_id == "dang-noi")).one()
        assert trimmed.messages == 1 and trimmed.preview == "phiên mới"
    with sqlite3.connect(tmp_path / "tracker.db") as connection:
        rows = connection.execute("SELECT sender_id, type_name FROM events ORDER BY id").fetchall()
    assert [r for r in rows if r[0] == "dang-noi"] == [
        ("dang-noi", "action"), ("dang-noi", "session_started"), ("dang-noi", "user"), ("dang-noi", "bot"),
    ]
    assert not any(r[0] == "cu" for r in rows) and sum(1 for r in rows if r[0] == "moi") == 4
    dispose_engines()


def test_the_command(review_db: str, own_tracker: str, chats: Chats, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _prepare(review_db, own_tracker, chats)
    runner = CliRunner()
    args = ["retention", "--database-url", review_db, "--tracker-store-url", own_tracker]
    result = runner.invoke(cli, [*args, "--days", "1", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Sẽ xóa 0 hội thoại" in result.output and "chưa xóa gì" in result.output
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "30")
    from dichvucong.config import get_settings

    get_settings.cache_clear()
    try:
        result = runner.invoke(cli, args)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "Thời hạn lưu: 30 ngày" in result.output and "Đã xóa 0 hội thoại" in result.output
    assert runner.invoke(cli, [*args, "--days", "0"]).exit_code != 0
    sync_result = runner.invoke(cli, ["review-sync", "--rebuild", "--database-url", review_db, "--tracker-store-url", own_tracker])
    assert sync_result.exit_code == 0 and "tin nhắn mới" in sync_result.output


def test_the_running_tracker_store_was_never_written(chats: Chats) -> None:
    """Everything above worked on copies: the live store still has every event of this run."""
    with sqlite3.connect(f"file:{chats.tracker_db}?mode=ro", uri=True) as connection:
        marks = ",".join("?" for _ in chats.senders)
        senders = {r[0] for r in connection.execute(f"SELECT DISTINCT sender_id FROM events WHERE sender_id IN ({marks})", chats.senders)}
    assert senders == set(chats.senders)
