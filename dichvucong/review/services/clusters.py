"""Unanswered questions of a period, grouped by what they are about, largest group first.

So officials see which FAQ is missing first, questions the bot could not answer ("không tìm
thấy", a fallback or "hỏi lại", or rated 👎) are grouped by similarity: each distinct folded
text becomes a TF-IDF vector of its content syllables, neighbouring syllable pairs and the
thesaurus groups it names (so "sổ đỏ" and "bìa đỏ" meet); then, most frequent text first,
each text joins the group whose first text is most similar to it when the cosine reaches
:data:`SIMILARITY_THRESHOLD`, else starts a new group (greedy, one pass). An inverted index
from terms to groups keeps this at a few comparisons per text, so a period of 100,000 events
costs one grouped SQL query and well under a second of Python.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dichvucong.db.models import AnswerFeedback, ReviewMessage
from dichvucong.review import events as ev
from dichvucong.review.services.attach import MAX_MESSAGES, attached_keys
from dichvucong.review.services.period import Period
from dichvucong.search.analyzer import STOPWORDS
from dichvucong.text.normalize import fold
from dichvucong.thesaurus import Thesaurus, load_thesaurus

# Two questions belong together when the cosine of their TF-IDF vectors reaches this: about
# half of what they say (weighted by rarity) is shared. Lower merges unrelated questions
# that share one common word; higher splits paraphrases ("mất sổ đỏ" / "làm lại sổ đỏ bị mất").
SIMILARITY_THRESHOLD = 0.45
GROUP_WEIGHT = 2  # a thesaurus group named in a question weighs as two ordinary terms
MAX_DISTINCT_TEXTS = 3000  # the most frequent distinct unanswered texts that are grouped
MAX_NEGATIVE = 500  # 👎 ratings of the period looked at
MAX_GROUPS = 20
EXAMPLES = 3
M = ReviewMessage


@dataclass
class OpenQuestion:
    """One distinct unanswered text: its folded key, a masked example, how often, one message."""

    key: str
    text: str
    count: int
    event_id: int


@dataclass
class QuestionGroup:
    """Similar unanswered questions: how many messages, the most frequent texts first."""

    members: list[OpenQuestion] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(m.count for m in self.members)

    @property
    def examples(self) -> list[OpenQuestion]:
        return self.members[:EXAMPLES]

    @property
    def event_ids(self) -> list[int]:
        """Messages an attach of the whole group marks (one per distinct text, most frequent first)."""
        return [m.event_id for m in self.members[:MAX_MESSAGES]]


def _period_conditions(period: Period) -> list:
    found = []
    if period.start:
        found.append(M.day >= period.start.isoformat())
    if period.end:
        found.append(M.day <= period.end.isoformat())
    return found


def open_questions(session: Session, period: Period) -> list[OpenQuestion]:
    """Distinct unanswered texts of the period (not yet attached), most frequent first."""
    rows = session.execute(
        select(M.text_key, func.min(M.text_masked), func.count(), func.max(M.event_id))
        .where(
            *_period_conditions(period), M.is_payload.is_(False), M.text_key != "",
            or_(M.answer_kind.in_(ev.UNANSWERED_KINDS), M.fallback.is_(True)),
        )
        .group_by(M.text_key)
        .order_by(func.count().desc(), M.text_key)
        .limit(MAX_DISTINCT_TEXTS)
    ).all()
    found = {key: OpenQuestion(key, text, int(n), int(event_id)) for key, text, n, event_id in rows}
    for message in _negatively_rated(session, period):
        if message.text_key in found:
            if message.answer_kind not in ev.UNANSWERED_KINDS and not message.fallback:
                found[message.text_key].count += 1
        elif message.text_key:
            found[message.text_key] = OpenQuestion(message.text_key, message.text_masked, 1, message.event_id)
    done = attached_keys(session)
    return sorted((q for q in found.values() if q.key not in done), key=lambda q: (-q.count, q.key))


def _negatively_rated(session: Session, period: Period) -> list[ReviewMessage]:
    """The citizen messages whose answers got a 👎 in the period (the last one typed before it).

    Two queries whatever the number of ratings: the ratings, then the typed messages of their
    senders, matched in Python (a rating belongs to the latest message at or before it).
    """
    query = select(AnswerFeedback.sender_id, AnswerFeedback.answer_timestamp).where(
        AnswerFeedback.rating < 0, AnswerFeedback.answer_timestamp.is_not(None)
    )
    if period.start_ts is not None:
        query = query.where(AnswerFeedback.created_at >= datetime.fromtimestamp(period.start_ts, timezone.utc))
    if period.end_ts is not None:
        query = query.where(AnswerFeedback.created_at < datetime.fromtimestamp(period.end_ts, timezone.utc))
    ratings = session.execute(query.order_by(AnswerFeedback.id.desc()).limit(MAX_NEGATIVE)).all()
    senders = sorted({sender for sender, _ in ratings})
    by_sender: dict[str, list[ReviewMessage]] = {}
    for chunk in range(0, len(senders), 400):
        rows = session.scalars(
            select(M).where(M.sender_id.in_(senders[chunk : chunk + 400]), M.is_payload.is_(False))
            .order_by(M.sender_id, M.timestamp, M.event_id)
        )
        for message in rows:
            by_sender.setdefault(message.sender_id, []).append(message)
    found: dict[int, ReviewMessage] = {}
    for sender, answered_at in ratings:
        messages = by_sender.get(sender, [])
        position = bisect_right([m.timestamp for m in messages], answered_at)
        if position:
            message = messages[position - 1]
            found[message.event_id] = message
    return list(found.values())


def terms_of(text: str, thesaurus: Thesaurus | None = None) -> list[str]:
    """Content syllables and pairs of neighbouring ones; a thesaurus phrase counts as its group.

    A phrase of a synonym group ("bìa đỏ", "trợ cấp thai sản") becomes one term naming the
    group, counted :data:`GROUP_WEIGHT` times: two questions naming the same thing meet
    however they name it.
    """
    syllables = fold(text).split()
    content = [s if s not in STOPWORDS and len(s) > 1 else "" for s in syllables]
    groups: list[str] = []
    for start, length, group in thesaurus.spans(syllables) if thesaurus is not None else []:
        content[start : start + length] = [""] * length
        groups += [f"#{group.phrases[0]}"] * GROUP_WEIGHT
    terms = [s for s in content if s]
    terms += [f"{a}_{b}" for a, b in zip(content, content[1:], strict=False) if a and b]
    return terms + groups


def _vectors(questions: list[OpenQuestion], thesaurus: Thesaurus | None) -> list[dict[str, float]]:
    counts = [Counter(terms_of(q.text, thesaurus)) for q in questions]
    df: Counter[str] = Counter()
    for terms in counts:
        df.update(terms.keys())
    total = len(questions)
    vectors = []
    for terms in counts:
        vector = {t: n * math.log(1 + total / df[t]) for t, n in terms.items()}
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        vectors.append({t: w / norm for t, w in vector.items()})
    return vectors


def group_questions(
    questions: list[OpenQuestion], thesaurus: Thesaurus | None = None, threshold: float = SIMILARITY_THRESHOLD
) -> list[QuestionGroup]:
    """Greedy one-pass grouping (see the module doc); largest group first."""
    vectors = _vectors(questions, thesaurus)
    groups: list[QuestionGroup] = []
    leaders: list[dict[str, float]] = []
    index: dict[str, list[int]] = {}
    for question, vector in zip(questions, vectors, strict=True):
        candidates = {g for term in vector for g in index.get(term, ())}
        best, best_score = -1, threshold
        for g in candidates:
            leader = leaders[g]
            score = sum(w * leader.get(t, 0.0) for t, w in vector.items())
            if score >= best_score:
                best, best_score = g, score
        if best >= 0:
            groups[best].members.append(question)
            continue
        groups.append(QuestionGroup([question]))
        leaders.append(vector)
        for term in vector:
            index.setdefault(term, []).append(len(groups) - 1)
    return sorted(groups, key=lambda g: -g.count)


def unanswered_groups(session: Session, period: Period, limit: int = MAX_GROUPS) -> list[QuestionGroup]:
    """The dashboard's "Câu hỏi chưa trả lời được, nhóm theo nội dung"."""
    questions = open_questions(session, period)
    if not questions:
        return []
    return group_questions(questions, load_thesaurus(session))[:limit]
