"""Citizens' 👍/👎 on answers: offered after each answer, stored with what they rate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from dichvucong.db.models import AnswerFeedback

POSITIVE_PAYLOAD = "/feedback_positive"
NEGATIVE_PAYLOAD = "/feedback_negative"
RATEABLE_KINDS = frozenset({"answer", "faq", "status"})


@dataclass(frozen=True)
class RatedTurn:
    """The question and the bot answer a rating refers to."""

    question: str
    answer: str
    answer_timestamp: float | None
    procedure_code: str | None = None
    faq_id: str | None = None


def last_rated_turn(events: list[dict]) -> RatedTurn | None:
    """From tracker events (oldest first), the last bot answer before the rating and its question.

    The rating message itself is the last user event; the answer is the last bot event before
    it, and the question the last user event before that answer (button presses included).
    """
    rating_index = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=None)
    if rating_index is None:
        return None
    answer_index = max((i for i, e in enumerate(events[:rating_index]) if e.get("event") == "bot"), default=None)
    if answer_index is None:
        return None
    question_index = max((i for i, e in enumerate(events[:answer_index]) if e.get("event") == "user"), default=None)
    question = (events[question_index].get("text") or "") if question_index is not None else ""
    answer = events[answer_index]
    return RatedTurn(question=question, answer=answer.get("text") or "", answer_timestamp=answer.get("timestamp"))


def record_feedback(
    session_factory: Callable[[], Session],
    sender_id: str,
    channel: str,
    positive: bool,
    turn: RatedTurn | None,
    procedure_code: str | None = None,
    faq_id: str | None = None,
) -> None:
    """Store one rating (an empty turn when the citizen rated before any answer)."""
    turn = turn or RatedTurn(question="", answer="", answer_timestamp=None)
    with session_factory() as session:
        session.add(
            AnswerFeedback(
                sender_id=sender_id,
                channel=channel,
                rating=1 if positive else -1,
                question=turn.question[:2000],
                answer=turn.answer[:4000],
                answer_timestamp=turn.answer_timestamp,
                procedure_code=procedure_code,
                faq_id=faq_id,
            )
        )
        session.commit()
