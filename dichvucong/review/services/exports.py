"""Exports: corrected messages as Rasa NLU training data, conversations as CSV. Masked."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from dichvucong.console.timeutil import VIETNAM_TZ
from dichvucong.db.base import utcnow
from dichvucong.db.models import AnswerFeedback, ReviewAnnotation, ReviewConversation
from dichvucong.formula_guard import guard_cell
from dichvucong.review import events as ev
from dichvucong.review.intents import domain_intents, example_key, known_intents, training_examples
from dichvucong.review.services.listing import ConversationFilter
from dichvucong.review.services.transcript import BotReply, SessionStart, Turn, build_items, match_ratings
from dichvucong.review.tracker import EVENTS
from dichvucong.text.normalize import collapse_spaces

CSV_CHUNK = 100  # conversations read from the tracker store at a time
CSV_HEADER = (
    "Hội thoại", "Kênh", "Thời gian", "Người gửi", "Nội dung", "Ý định", "Độ tin cậy", "Thủ tục",
    "Câu hỏi thường gặp", "Kiểu trả lời", "Đánh giá", "Ý định đúng", "Cần FAQ mới", "Nhãn", "Ghi chú",
)


@dataclass
class NluExport:
    yaml: str
    examples: dict[str, list[str]] = field(default_factory=dict)
    already_trained: int = 0  # examples skipped: already in rasa_project/data/nlu
    conflicting: int = 0  # texts skipped: annotated with different intents

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.examples.values())


def example_text(text: str) -> str:
    """One line of training data: spaces collapsed, no brackets Rasa would read as entities."""
    return collapse_spaces(text.replace("[", "(").replace("]", ")").replace("{", "(").replace("}", ")"))


def nlu_export(session: Session, known: dict[str, str] | None = None) -> NluExport:
    """Annotated messages with a corrected intent, grouped by intent, deduplicated, masked."""
    known = training_examples() if known is None else known
    intents = set(known_intents(session))
    chosen: dict[str, tuple[str, str]] = {}  # example key -> (intent, text)
    conflicts: set[str] = set()
    notes = session.scalars(
        select(ReviewAnnotation).where(ReviewAnnotation.corrected_intent.is_not(None)).order_by(ReviewAnnotation.id)
    )
    for note in notes:
        text = example_text(ev.mask(note.text_masked))
        if not text or text.startswith("/") or note.corrected_intent not in intents:
            continue
        key = example_key(text)
        previous = chosen.get(key)
        if previous is not None and previous[0] != note.corrected_intent:
            conflicts.add(key)
        chosen.setdefault(key, (note.corrected_intent, text))  # type: ignore[arg-type]
    result = NluExport(yaml="", conflicting=len(conflicts))
    for key, (intent, text) in chosen.items():
        if key in conflicts:
            continue
        if key in known:
            result.already_trained += 1
            continue
        result.examples.setdefault(intent, []).append(text)
    result.yaml = render_nlu_yaml(result.examples)
    return result


def render_nlu_yaml(examples: dict[str, list[str]]) -> str:
    """Rasa 3 NLU training data (``version: "3.1"``), intents in the domain's order."""
    stamp = utcnow().astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M")
    lines = [
        f"# Ví dụ NLU từ tin nhắn đã được cán bộ gán ý định đúng (xuất lúc {stamp}).",
        "# Số điện thoại, số định danh và mã hồ sơ đã được che. Đọc lại, chép vào rasa_project/data/nlu/",
        "# rồi huấn luyện lại (make train).",
        'version: "3.1"',
    ]
    order = {name: i for i, name in enumerate(domain_intents())}
    if not examples:
        return "\n".join([*lines, "nlu: []", ""])
    lines.append("nlu:")
    for intent in sorted(examples, key=lambda name: order.get(name, len(order))):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in examples[intent]]
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    """A CSV cell Excel will not run as a formula (citizens' text is untrusted)."""
    return guard_cell(value)


def _csv_line(values: list[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([_cell(v) for v in values])
    return buffer.getvalue()


def csv_bytes(header: tuple[str, ...], rows: list[list[object]]) -> bytes:
    """A whole CSV file: UTF-8 with BOM (Excel), formula-looking cells quoted."""
    return ("\ufeff" + _csv_line(list(header)) + "".join(_csv_line(row) for row in rows)).encode()


def _local(ts: float) -> str:
    return datetime.fromtimestamp(ts, VIETNAM_TZ).strftime("%Y-%m-%d %H:%M:%S")


def conversations_csv(factory: sessionmaker[Session], tracker: Engine | None, flt: ConversationFilter) -> Iterator[bytes]:
    """The filtered conversations, one row per message (citizen or bot), masked; streamed.

    UTF-8 with BOM so Excel shows Vietnamese; cells that look like formulas are quoted.
    """
    yield "\ufeff".encode()
    yield _csv_line(list(CSV_HEADER)).encode()
    if tracker is None:
        return
    with factory() as session:
        senders = list(
            session.scalars(
                select(ReviewConversation.sender_id)
                .where(*flt.conditions())
                .order_by(ReviewConversation.last_ts.desc(), ReviewConversation.id.desc())
            )
        )
        for start in range(0, len(senders), CSV_CHUNK):
            chunk = senders[start : start + CSV_CHUNK]
            yield "".join(_chunk_lines(session, tracker, chunk)).encode()


def _chunk_lines(session: Session, tracker: Engine, senders: list[str]) -> Iterator[str]:
    with tracker.connect() as connection:
        rows = connection.execute(
            select(EVENTS).where(EVENTS.c.sender_id.in_(senders)).order_by(EVENTS.c.sender_id, EVENTS.c.id)
        ).all()
    by_sender: dict[str, list] = {}
    for row in rows:
        by_sender.setdefault(row.sender_id, []).append(row)
    feedback: dict[str, list[AnswerFeedback]] = {}
    for item in session.scalars(select(AnswerFeedback).where(AnswerFeedback.sender_id.in_(senders)).order_by(AnswerFeedback.id)):
        feedback.setdefault(item.sender_id, []).append(item)
    notes = {(n.sender_id, n.event_id): n for n in session.scalars(select(ReviewAnnotation).where(ReviewAnnotation.sender_id.in_(senders)))}
    for sender in senders:
        items = build_items(by_sender.get(sender, []))
        match_ratings(items, feedback.get(sender, []))
        shown = ev.mask(sender)
        channel = ""
        for item in items:
            if isinstance(item, SessionStart):
                continue
            if isinstance(item, BotReply):
                yield _csv_line(_bot_row(shown, channel, item))
                continue
            channel = item.channel or channel
            yield _csv_line(_turn_row(shown, item, notes.get((sender, item.event_id))))
            for reply in item.replies:
                yield _csv_line(_bot_row(shown, channel, reply))


def _turn_row(sender: str, turn: Turn, note: ReviewAnnotation | None) -> list[object]:
    confidence = "" if turn.confidence is None else f"{turn.confidence:.3f}"
    return [
        sender, turn.channel, _local(turn.timestamp), "người dân", turn.text, turn.intent or "", confidence,
        turn.procedure_code or "", turn.faq_id or "", turn.answer_kind or "", "",
        (note.corrected_intent or "") if note else "", "có" if note and note.faq_needed else "",
        ", ".join(note.tags or []) if note else "", ev.mask(note.comment) if note else "",
    ]


def _bot_row(sender: str, channel: str, reply: BotReply) -> list[object]:
    rating = " ".join("👍" if r.positive else "👎" for r in reply.ratings)
    return [sender, channel, _local(reply.timestamp), "trợ lý", reply.text, "", "", "", "", "", rating, "", "", "", ""]
