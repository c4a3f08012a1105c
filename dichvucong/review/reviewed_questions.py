"""Citizens' questions already reviewed and attached, imported in bulk.

The review loop attaches one unanswered question at a time to the FAQ or procedure that
should have answered it (``review.services.attach``). A file of such questions — a review
history exported from another deployment, or the demo's ``data/reviewed_questions.jsonl``
(citizen phrasings collected for tuning, each labelled with the unit it asks about) — is
applied here the same way: the question becomes another phrasing of the FAQ
(``alt_questions``) or a keyword of the procedure (``keywords``). Applying it again changes
nothing, and a phrasing an official already has is left alone.

Each JSONL line: ``{"question": "...", "faq": "<FAQ id>"}`` or
``{"question": "...", "procedure": "<procedure code>"}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dichvucong.db.models import Faq, Procedure
from dichvucong.importing import ImportReport, SkippedRecord
from dichvucong.review.services.attach import MAX_KEYWORD, AttachError, clean_phrase, keyword_parts
from dichvucong.text.normalize import collapse_spaces, fold


@dataclass(frozen=True)
class ReviewedQuestion:
    """One question and the unit it was attached to (``target`` is "faq" or "procedure")."""

    question: str
    target: str
    ref: str


def read_reviewed_questions(path: Path) -> list[ReviewedQuestion | SkippedRecord]:
    """The file's records in order; a line that is not a record becomes a skipped entry."""
    records: list[ReviewedQuestion | SkippedRecord] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except ValueError:
            records.append(SkippedRecord(f"dòng {number}", "không phải JSON"))
            continue
        targets = [t for t in ("faq", "procedure") if isinstance(raw, dict) and str(raw.get(t) or "").strip()]
        if len(targets) != 1 or not isinstance(raw.get("question"), str):
            records.append(SkippedRecord(f"dòng {number}", "cần “question” và đúng một trong “faq”, “procedure”"))
            continue
        records.append(ReviewedQuestion(raw["question"], targets[0], str(raw[targets[0]]).strip()))
    return records


def apply_reviewed_questions(session: Session, records: Iterable[ReviewedQuestion | SkippedRecord]) -> ImportReport:
    """Attach every record's question to its unit (one transaction, committed at the end)."""
    report = ImportReport()
    faqs = {f.external_id: f for f in session.scalars(select(Faq).where(Faq.deleted_at.is_(None)))}
    procedures = {p.code: p for p in session.scalars(select(Procedure))}
    known: dict[int, set[str]] = {}
    for index, record in enumerate(records, start=1):
        if isinstance(record, SkippedRecord):
            report.skipped.append(record)
            continue
        where = f"câu {index}"
        try:
            phrase = clean_phrase(record.question)
        except AttachError as exc:
            report.skipped.append(SkippedRecord(where, exc.message))
            continue
        if record.target == "faq":
            faq = faqs.get(record.ref)
            if faq is None:
                report.skipped.append(SkippedRecord(where, f"không có câu hỏi thường gặp “{record.ref}”"))
                continue
            seen = known.setdefault(id(faq), {fold(p) for p in [faq.question, *(faq.alt_questions or [])]})
            if fold(phrase) in seen:
                report.unchanged += 1
                continue
            faq.alt_questions = [*(faq.alt_questions or []), phrase]
        else:
            procedure = procedures.get(record.ref)
            if procedure is None:
                report.skipped.append(SkippedRecord(where, f"không có thủ tục mang mã “{record.ref}”"))
                continue
            phrase = collapse_spaces(phrase.replace(",", " ").replace(";", " "))
            if len(phrase) > MAX_KEYWORD:
                report.skipped.append(SkippedRecord(where, f"từ khóa của thủ tục tối đa {MAX_KEYWORD} ký tự"))
                continue
            seen = known.setdefault(id(procedure), {fold(p) for p in keyword_parts(procedure.keywords)})
            if fold(phrase) in seen:
                report.unchanged += 1
                continue
            procedure.keywords = ", ".join([*keyword_parts(procedure.keywords), phrase])
        seen.add(fold(phrase))
        report.created += 1
    session.commit()
    return report


def import_reviewed_questions(session: Session, path: Path) -> ImportReport:
    """Apply the file at ``path`` (see the module doc)."""
    return apply_reviewed_questions(session, read_reviewed_questions(path))
