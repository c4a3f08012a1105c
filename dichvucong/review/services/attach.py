"""Attach a citizen's unanswered question, in one action, to what should have answered it.

A question the bot could not answer ("không tìm thấy", a fallback or "hỏi lại", or one the
citizen rated 👎) becomes: another phrasing of an FAQ (``alt_questions``), a keyword of a
procedure (``Procedure.keywords``), or a variant of a thesaurus group (an existing one or a
new one). Every change goes through the content's own rules (history versions, thesaurus
conflicts) and bumps the content revision, so running servers answer the next identical or
similar question within seconds, with no retraining.

Only masked text is ever stored, and a phrasing that still holds a phone number, an ID
number or an application code (even masked) is refused. Who attached what is recorded in
``review_audit`` (``attach_faq`` / ``attach_procedure`` / ``attach_thesaurus``); that row is
also the message's "reviewed" mark (its question leaves the unanswered list).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from dichvucong.console.errors import ConsoleError
from dichvucong.console.services import faqs as faq_service
from dichvucong.console.services import history
from dichvucong.console.services import thesaurus as thesaurus_service
from dichvucong.db.models import AnswerFeedback, Faq, Procedure, ReviewAudit, ReviewMessage, SynonymGroup
from dichvucong.review import events as ev
from dichvucong.text.normalize import collapse_spaces, fold

Target = Literal["faq", "procedure", "thesaurus"]
TARGET_LABELS = {"faq": "câu hỏi thường gặp", "procedure": "thủ tục", "thesaurus": "từ đồng nghĩa"}
ACTIONS: dict[str, str] = {"faq": "attach_faq", "procedure": "attach_procedure", "thesaurus": "attach_thesaurus"}
MAX_MESSAGES = 20  # messages attached in one action (a group of similar questions)
MAX_PHRASES = 10
MAX_PHRASE = 1000  # an FAQ phrasing; keywords and variants have their own limits
MAX_KEYWORD = 200
_MASKED_TOKEN = re.compile(r"\S*\*\S*")  # what masking left: 091****678, 000.00.04.H51-******-**07
_LONG_NUMBER = re.compile(r"\d[\d .\-]{4,}\d")  # six or more digits in a row, spaces and dots allowed


class AttachError(ConsoleError):
    """Why the question cannot be attached (Vietnamese, shown to the official)."""


@dataclass
class Candidate:
    """A citizen message that may be attached, and why it counts as unanswered."""

    message: ReviewMessage
    reason: str


@dataclass
class AttachResult:
    target: Target
    title: str
    url: str
    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class Attachment:
    """One recorded attach, as the transcript shows it."""

    target: str
    title: str
    url: str
    phrases: list[str]
    username: str
    created_at: object


# -- which messages ---------------------------------------------------------------------------
def negatively_rated(session: Session, message: ReviewMessage) -> bool:
    """True when the citizen pressed 👎 on an answer to this message (before asking again)."""
    ratings = session.scalars(
        select(AnswerFeedback.answer_timestamp).where(
            AnswerFeedback.sender_id == message.sender_id, AnswerFeedback.rating < 0,
            AnswerFeedback.answer_timestamp >= message.timestamp,
        )
    ).all()
    for answered_at in ratings:
        asked = session.scalar(
            select(ReviewMessage.event_id)
            .where(
                ReviewMessage.sender_id == message.sender_id, ReviewMessage.is_payload.is_(False),
                ReviewMessage.timestamp <= answered_at,
            )
            .order_by(ReviewMessage.timestamp.desc(), ReviewMessage.event_id.desc())
            .limit(1)
        )
        if asked == message.event_id:
            return True
    return False


def unanswered_reason(session: Session, message: ReviewMessage) -> str | None:
    """Why this message counts as unanswered (Vietnamese), or ``None`` when it was answered."""
    if message.is_payload:
        return None
    if message.answer_kind == "not_found":
        return "Trợ lý trả lời “không tìm thấy”"
    if message.answer_kind == "clarify" or message.fallback:
        return "Trợ lý không hiểu, phải hỏi lại"
    if message.answer_kind == "out_of_scope":
        return "Trợ lý coi là ngoài phạm vi hỗ trợ"
    if negatively_rated(session, message):
        return "Người dân bấm 👎 “chưa đúng”"
    return None


def load_candidates(session: Session, event_ids: list[int]) -> list[Candidate]:
    """The messages named by their Rasa event ids; each must be an unanswered question."""
    ids = list(dict.fromkeys(event_ids))[:MAX_MESSAGES]
    if not ids:
        raise AttachError("Chưa chọn câu hỏi nào để gắn.")
    rows = {m.event_id: m for m in session.scalars(select(ReviewMessage).where(ReviewMessage.event_id.in_(ids)))}
    found: list[Candidate] = []
    for event_id in ids:
        message = rows.get(event_id)
        if message is None:
            raise AttachError("Không tìm thấy tin nhắn này (có thể đã bị xóa theo thời hạn lưu).")
        reason = unanswered_reason(session, message)
        if reason is None:
            raise AttachError(
                "Chỉ gắn được câu hỏi trợ lý chưa trả lời được (không tìm thấy, không hiểu, hoặc bị bấm 👎): "
                f"“{message.text_masked[:80]}” đã được trả lời."
            )
        found.append(Candidate(message, reason))
    return found


def load_candidates_quiet(session: Session, event_ids: list[int]) -> list[Candidate]:
    """The messages named, whatever their state (after an attach they may count as answered)."""
    rows = session.scalars(select(ReviewMessage).where(ReviewMessage.event_id.in_(event_ids[:MAX_MESSAGES])))
    return [Candidate(m, "") for m in rows]


# -- which words ------------------------------------------------------------------------------
def suggested_phrase(masked: str) -> str:
    """The masked question without what masking left of personal numbers."""
    return collapse_spaces(_MASKED_TOKEN.sub(" ", masked)).strip(" ,.;:-")


def clean_phrase(text: str, limit: int = MAX_PHRASE) -> str:
    """A phrasing safe to store, or :class:`AttachError` (personal numbers, empty, too long)."""
    phrase = collapse_spaces(text)
    if not phrase or not fold(phrase):
        raise AttachError("Hãy nhập cách hỏi (có chữ) để gắn.")
    if ev.mask(phrase) != phrase or "*" in phrase or _LONG_NUMBER.search(phrase):
        raise AttachError(
            f"“{phrase[:60]}” có số điện thoại, số định danh hoặc mã hồ sơ (kể cả phần đã che): "
            "không lưu dữ liệu cá nhân vào nội dung trả lời. Hãy bỏ phần số đó rồi gắn lại."
        )
    if len(phrase) > limit:
        raise AttachError(f"Mỗi cách hỏi tối đa {limit} ký tự.")
    return phrase


def parse_phrases(text: str, limit: int = MAX_PHRASE) -> list[str]:
    """One phrasing per line, checked and de-duplicated (accent- and case-insensitive)."""
    phrases: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        if not collapse_spaces(line):
            continue
        phrase = clean_phrase(line, limit)
        if fold(phrase) not in seen:
            seen.add(fold(phrase))
            phrases.append(phrase)
    if not phrases:
        raise AttachError("Hãy nhập ít nhất một cách hỏi để gắn.")
    if len(phrases) > MAX_PHRASES:
        raise AttachError(f"Tối đa {MAX_PHRASES} cách hỏi trong một lần gắn.")
    return phrases


# -- attaching --------------------------------------------------------------------------------
def _audit(session: Session, candidates: list[Candidate], username: str, result: AttachResult, ref: str) -> None:
    for candidate in candidates:
        detail = {"target": result.target, "ref": ref, "title": result.title[:300], "url": result.url,
                  "phrases": result.added + result.already, "text_key": candidate.message.text_key}
        session.add(ReviewAudit(
            username=username, action=ACTIONS[result.target], sender_id=candidate.message.sender_id,
            event_id=candidate.message.event_id, detail=json.dumps(detail, ensure_ascii=False)[:2000],
        ))
    session.flush()


def _split(existing: list[str], phrases: list[str]) -> tuple[list[str], list[str]]:
    known = {fold(p) for p in existing}
    added = [p for p in phrases if fold(p) not in known]
    return added, [p for p in phrases if fold(p) in known]


def _to_faq(session: Session, ref: str, phrases: list[str], username: str, candidates: list[Candidate]) -> AttachResult:
    query = select(Faq).where(Faq.deleted_at.is_(None))
    faq = session.scalar(query.where(Faq.id == int(ref))) if ref.isdigit() else None
    faq = faq or session.scalar(query.where(Faq.external_id == ref))
    if faq is None:
        raise AttachError(f"Không có câu hỏi thường gặp “{ref}” (hoặc nó đang ở thùng rác).")
    added, already = _split([faq.question, *(faq.alt_questions or [])], phrases)
    result = AttachResult("faq", faq.question, f"/console/faqs/{faq.id}", added, already)
    if not faq.published:
        result.note = "Câu hỏi này đang là nháp: trợ lý chỉ dùng sau khi xuất bản."
    _audit(session, candidates, username, result, faq.external_id)
    if added:
        data = faq_service.FaqInput(
            question=faq.question, alt_questions=[*(faq.alt_questions or []), *added], answer=faq.answer,
            procedure_codes=list(faq.procedure_codes or []), tags=list(faq.tags or []), published=faq.published,
        )
        faq_service.update_faq(session, faq, faq.version, data, username)  # history version + commit
    session.commit()
    return result


def keyword_parts(keywords: str) -> list[str]:
    """A procedure's keyword phrases (comma or semicolon separated)."""
    return [p.strip() for p in (keywords or "").replace(";", ",").split(",") if p.strip()]


def _to_procedure(session: Session, ref: str, phrases: list[str], username: str, candidates: list[Candidate]) -> AttachResult:
    procedure = session.scalar(select(Procedure).where(Procedure.code == ref.strip()))
    if procedure is None:
        raise AttachError(f"Không có thủ tục mang mã “{ref}”.")
    keywords = [collapse_spaces(p.replace(",", " ").replace(";", " ")) for p in phrases]
    if any(len(k) > MAX_KEYWORD for k in keywords):
        raise AttachError(f"Từ khóa của thủ tục tối đa {MAX_KEYWORD} ký tự: hãy rút gọn câu hỏi.")
    added, already = _split(keyword_parts(procedure.keywords), keywords)
    result = AttachResult("procedure", procedure.name, f"/console/procedures/{procedure.id}", added, already)
    if not procedure.enabled:
        result.note = "Thủ tục này đang tắt: trợ lý chỉ dùng sau khi bật lại."
    _audit(session, candidates, username, result, procedure.code)
    if added:
        before = history.procedure_snapshot(procedure)
        history.ensure_baseline(session, procedure, before)
        history.claim_version(session, procedure, procedure.version)
        procedure.keywords = ", ".join([*keyword_parts(procedure.keywords), *added])
        procedure.updated_by = username
        history.record_version(session, procedure, "update", username, before, "Sửa: Từ khóa (gắn câu hỏi của người dân)")
    session.commit()
    return result


def _to_thesaurus(
    session: Session, ref: str, phrases: list[str], username: str, candidates: list[Candidate], canonical: str = ""
) -> AttachResult:
    if ref == "new":
        data = thesaurus_service.SynonymInput(canonical=collapse_spaces(canonical), variants=phrases)
        errors = thesaurus_service.validate(session, data)
        if errors:
            raise AttachError(" ".join(errors.values()))
        group = thesaurus_service.create_group(session, data, username, commit=False)
        result = AttachResult("thesaurus", group.canonical, f"/console/thesaurus/{group.id}", list(group.variants))
    else:
        group = session.get(SynonymGroup, int(ref)) if ref.isdigit() else None
        if group is None or group.deleted_at is not None:
            raise AttachError("Không có nhóm từ đồng nghĩa này (hoặc nó đang ở thùng rác).")
        result = AttachResult("thesaurus", group.canonical, f"/console/thesaurus/{group.id}")
        for phrase in phrases:
            if len(phrase) > 200:
                raise AttachError("Cách gọi trong từ điển tối đa 200 ký tự: hãy chỉ giữ cụm từ người dân dùng.")
            changed = thesaurus_service.add_variant(session, group, phrase, username, commit=False)
            (result.added if changed else result.already).append(phrase)
        if not group.enabled:
            result.note = "Nhóm này đang tắt: trợ lý chỉ dùng sau khi bật lại."
    _audit(session, candidates, username, result, str(group.id))
    session.commit()
    return result


def attach(
    session: Session, event_ids: list[int], target: str, ref: str, phrases_text: str, username: str, canonical: str = ""
) -> AttachResult:
    """Attach the messages' question(s) to the target in one transaction (see module doc)."""
    if target not in ACTIONS:
        raise AttachError("Hãy chọn gắn vào câu hỏi thường gặp, thủ tục hoặc từ đồng nghĩa.")
    ref = (ref or "").strip()
    if not ref:
        raise AttachError(f"Hãy chọn {TARGET_LABELS[target]} cần gắn vào.")
    candidates = load_candidates(session, event_ids)
    phrases = parse_phrases(phrases_text)
    try:
        if target == "faq":
            return _to_faq(session, ref, phrases, username, candidates)
        if target == "procedure":
            return _to_procedure(session, ref, phrases, username, candidates)
        return _to_thesaurus(session, ref, phrases, username, candidates, canonical)
    except ConsoleError as exc:
        session.rollback()
        if isinstance(exc, AttachError):
            raise
        raise AttachError(exc.message) from exc


# -- what was attached ------------------------------------------------------------------------
def _detail(row: ReviewAudit) -> dict:
    try:
        value = json.loads(row.detail or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def attachments_of(session: Session, sender_id: str) -> dict[int, list[Attachment]]:
    """Event id → what officials attached that message to (newest last)."""
    rows = session.scalars(
        select(ReviewAudit)
        .where(ReviewAudit.sender_id == sender_id, ReviewAudit.action.in_(tuple(ACTIONS.values())))
        .order_by(ReviewAudit.id)
    )
    found: dict[int, list[Attachment]] = {}
    for row in rows:
        detail = _detail(row)
        found.setdefault(int(row.event_id or 0), []).append(Attachment(
            str(detail.get("target", "")), str(detail.get("title", "")), str(detail.get("url", "")),
            [str(p) for p in detail.get("phrases") or []], row.username, row.created_at,
        ))
    return found


def attached_keys(session: Session) -> set[str]:
    """Folded texts of every question already attached somewhere (they are no longer open)."""
    keys: set[str] = set()
    for row in session.scalars(select(ReviewAudit).where(ReviewAudit.action.in_(tuple(ACTIONS.values())))):
        key = _detail(row).get("text_key")
        if isinstance(key, str) and key:
            keys.add(key)
    return keys
