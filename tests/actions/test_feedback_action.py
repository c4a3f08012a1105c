"""👍/👎 stored with the question and the answer it rates, in the real database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import runtime
from actions.feedback_actions import ActionStoreFeedback
from dichvucong.config import get_settings
from dichvucong.db.models import AnswerFeedback
from dichvucong.db.session import get_sessionmaker


@pytest.fixture(autouse=True)
def environment(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _tracker(intent: str) -> Tracker:
    events = [
        {"event": "user", "text": "làm lại căn cước mất bao nhiêu tiền", "timestamp": 1.0},
        {"event": "bot", "text": "💰 Lệ phí — Cấp lại thẻ căn cước: 70.000 đồng", "timestamp": 2.0},
        {"event": "user", "text": f"/{intent}", "timestamp": 3.0},
    ]
    message = {"text": f"/{intent}", "intent": {"name": intent, "confidence": 1.0}, "entities": []}
    return Tracker("citizen-9", {"procedure_code": "1.012354", "faq_id": None}, message, events, False, None, {}, "action_listen")


@pytest.mark.parametrize(("intent", "rating", "reply"), [("feedback_positive", 1, "utter_feedback_thanks"), ("feedback_negative", -1, "utter_feedback_sorry")])
def test_rating_is_stored_with_the_rated_answer(database_url: str, intent: str, rating: int, reply: str) -> None:
    dispatcher = CollectingDispatcher()
    ActionStoreFeedback().run(dispatcher, _tracker(intent), {})
    assert dispatcher.messages[0]["response"] == reply
    with get_sessionmaker(database_url)() as session:
        stored = session.scalars(select(AnswerFeedback)).one()
    assert stored.rating == rating and stored.sender_id == "citizen-9"
    assert stored.question == "làm lại căn cước mất bao nhiêu tiền" and "70.000" in stored.answer
    assert stored.answer_timestamp == 2.0 and stored.procedure_code == "1.012354"


def test_answers_offer_thumbs_buttons(seeded_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from actions.procedure_actions import ActionAnswerProcedure

    monkeypatch.setenv("DATABASE_URL", seeded_url)
    get_settings.cache_clear()
    runtime.assistant.cache_clear()
    dispatcher = CollectingDispatcher()
    message = {"text": "làm lại căn cước mất bao nhiêu tiền", "intent": {"name": "ask_fee", "confidence": 1.0}, "entities": []}
    ActionAnswerProcedure().run(dispatcher, Tracker("c", {}, message, [], False, None, {}, "action_listen"), {})
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert payloads[-2:] == ["/feedback_positive", "/feedback_negative"]
    runtime.assistant.cache_clear()


def test_a_complaint_before_any_answer_is_answered_as_a_question(seeded_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """No answer to rate: the message is a question the classifier read as 👎."""
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    get_settings.cache_clear()
    runtime.assistant.cache_clear()
    text = "làm lại căn cước mất bao nhiêu tiền vậy, chán quá"
    message = {"text": text, "intent": {"name": "feedback_negative", "confidence": 0.6}, "entities": []}
    tracker = Tracker("citizen-10", {}, message, [{"event": "user", "text": text, "timestamp": 1.0}], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    ActionStoreFeedback().run(dispatcher, tracker, {})
    assert "Cấp lại thẻ căn cước" in dispatcher.messages[0]["text"]
    assert "70.000" in dispatcher.messages[0]["text"]
    with get_sessionmaker(seeded_url)() as session:
        assert session.scalars(select(AnswerFeedback)).all() == []
    runtime.assistant.cache_clear()
