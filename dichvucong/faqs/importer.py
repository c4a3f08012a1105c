"""Import FAQs from CSV or JSONL, idempotently (re-import updates, never duplicates).

Columns/keys: ``question``, ``answer``, optional ``id``, ``alt_questions`` (``|``-separated
in CSV, a list or ``|``-string in JSONL), ``procedure_codes``, ``tags`` (same), ``published``.
Without an ``id``, the question itself (accent- and case-insensitive) identifies the FAQ.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from dichvucong.db.models import Faq
from dichvucong.importing import (
    ImportReport,
    ProgressCallback,
    SkippedRecord,
    content_hash,
    describe_validation_error,
    read_table_rows,
    storage_failure,
)
from dichvucong.text.normalize import collapse_spaces, fold

MAX_TEXT = 10_000


class FaqFileError(ValueError):
    """The file as a whole cannot be read as FAQs."""


def _split_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        parts = value.split("|")
    elif isinstance(value, list):
        parts = [str(v) for v in value]
    else:
        raise ValueError("phải là danh sách hoặc chuỗi ngăn cách bởi |")
    return [collapse_spaces(p) for p in parts if collapse_spaces(p)]


class FaqRecord(BaseModel):
    """One FAQ row as read from a file."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    id: str = ""
    question: str = Field(min_length=1, max_length=MAX_TEXT)
    answer: str = Field(min_length=1, max_length=MAX_TEXT)
    alt_questions: list[str] = []
    procedure_codes: list[str] = []
    tags: list[str] = []
    published: bool = True

    @field_validator("question", "answer", "id", mode="before")
    @classmethod
    def _clean(cls, value: Any) -> Any:
        return "" if value is None else (value.strip() if isinstance(value, str) else value)

    @field_validator("alt_questions", "procedure_codes", "tags", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> list[str]:
        return _split_list(value)

    @field_validator("published", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        if value in (None, ""):
            return True
        if isinstance(value, str):
            return value.strip().lower() not in {"0", "false", "không", "khong", "no", "nháp", "nhap"}
        return value

    def key(self) -> str:
        """The stable identifier: the given id, or one derived from the folded question."""
        if self.id:
            return self.id
        digest = hashlib.sha1(fold(self.question).encode("utf-8")).hexdigest()[:12]
        return f"q-{digest}"


def read_rows(path: Path) -> Iterator[tuple[str, Any]]:
    """Yield ``(label, row)`` from a .csv or .jsonl file; a bad JSON line yields an error row."""
    return read_table_rows(path, ("question", "answer"), FaqFileError)


def apply_faq(session: Session, record: FaqRecord, source_hash: str) -> str:
    """Insert or update one FAQ; returns ``"created"``, ``"updated"`` or ``"unchanged"``."""
    faq = session.scalar(select(Faq).where(Faq.external_id == record.key()))
    if faq is not None and faq.source_hash == source_hash:
        return "unchanged"
    outcome = "updated" if faq is not None else "created"
    if faq is None:
        faq = Faq(external_id=record.key())
        session.add(faq)
    else:
        faq.version += 1
    faq.question = record.question
    faq.answer = record.answer
    faq.alt_questions = record.alt_questions
    faq.procedure_codes = record.procedure_codes
    faq.tags = record.tags
    faq.published = record.published
    faq.source_hash = source_hash
    faq.updated_by = "import"
    return outcome


def import_faqs(session: Session, path: Path, on_progress: ProgressCallback | None = None) -> ImportReport:
    """Import every valid FAQ row of ``path``; malformed rows are skipped and reported."""
    rows = list(read_rows(path))
    report = ImportReport()
    seen: set[str] = set()
    for index, (label, raw) in enumerate(rows):
        try:
            if isinstance(raw, Exception):
                raise raw
            if not isinstance(raw, dict):
                raise ValueError("không phải một đối tượng JSON")
            record = FaqRecord.model_validate(raw)
            if record.key() in seen:
                raise ValueError(f"trùng mã câu hỏi {record.key()} trong tệp")
            seen.add(record.key())
        except (ValidationError, ValueError) as exc:
            report.skipped.append(SkippedRecord(label, describe_validation_error(exc)))
        else:
            try:
                with session.begin_nested():
                    outcome = apply_faq(session, record, content_hash(record.model_dump()))
            except Exception as exc:  # noqa: BLE001 - a bad record is reported, the import goes on
                if (storage := storage_failure(exc)) is not None:
                    raise storage from exc  # disk full, read-only: roll everything back
                report.skipped.append(SkippedRecord(label, f"lỗi khi lưu: {exc}"))
            else:
                setattr(report, outcome, getattr(report, outcome) + 1)
        if on_progress:
            on_progress(index + 1, len(rows))
    session.commit()
    return report
