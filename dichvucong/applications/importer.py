"""Import applications from a CSV export of the one-stop system, idempotently.

Columns: ``code``, ``procedure_code``, ``applicant_name``, ``phone``, ``status``,
``received_at``, ``due_at``, ``completed_at``, ``agency``, ``current_step``,
``missing_documents`` (separated by ``|``), ``note``; optional ``new_due_at``, ``fees_due``
(đồng), ``pickup_place`` and ``procedure_name`` (used when the catalogue lacks the code).
``status`` is an English key or a Vietnamese label ("đang xử lý", "yêu cầu bổ sung"...);
dates are ISO or ``dd/mm/yyyy [HH:MM]`` in Vietnam time.

A row whose content did not change is left alone. A change of status, step, agency or note
adds a history event; a change of status also queues a notification for every subscriber,
in the same transaction as the update.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from dichvucong.applications.codes import normalize_code
from dichvucong.applications.dates import parse_datetime
from dichvucong.applications.masking import mask_sensitive
from dichvucong.applications.statuses import parse_status
from dichvucong.db.base import utcnow
from dichvucong.db.models import Application, ApplicationStatusEvent, Procedure
from dichvucong.importing import (
    ImportReport,
    ProgressCallback,
    SkippedRecord,
    content_hash,
    describe_validation_error,
    storage_failure,
)
from dichvucong.notifications.outbox import enqueue_status_change
from dichvucong.text.normalize import collapse_spaces

REQUIRED_COLUMNS = {"code", "procedure_code", "applicant_name", "phone", "status", "received_at", "due_at"}
MAX_TEXT = 5_000


class ApplicationFileError(ValueError):
    """The file as a whole cannot be read as applications."""


@dataclass
class ApplicationImportReport(ImportReport):
    """Import counts plus the notifications queued for subscribers."""

    notifications: int = 0

    def summary(self) -> str:
        return super().summary() + f" Thông báo chờ gửi: {self.notifications}."


def normalize_phone(value: str) -> str:
    """``+84 912 345 678`` → ``0912345678``; raises ValueError for anything not a VN number."""
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not re.fullmatch(r"0\d{9,10}", digits):
        raise ValueError("số điện thoại phải có 10–11 chữ số, bắt đầu bằng 0 hoặc +84")
    return digits


def _parse_fee(value: Any) -> int | None:
    text = str(value or "").strip().lower().replace("đồng", "").replace("vnđ", "").replace("đ", "").strip()
    if not text:
        return None
    digits = text.replace(".", "").replace(",", "").replace(" ", "")
    if not digits.isdigit():
        raise ValueError("phí còn phải nộp phải là số tiền (đồng), ví dụ 50000 hoặc 50.000")
    return int(digits)


class ApplicationRow(BaseModel):
    """One application row as read from the file, validated and normalised."""

    model_config = ConfigDict(extra="ignore")

    code: str
    procedure_code: str = Field(default="", max_length=32)
    procedure_name: str = Field(default="", max_length=MAX_TEXT)
    applicant_name: str = Field(min_length=1, max_length=300)
    phone: str
    status: str
    received_at: datetime
    due_at: datetime
    completed_at: datetime | None = None
    new_due_at: datetime | None = None
    agency: str = Field(default="", max_length=MAX_TEXT)
    current_step: str = Field(default="", max_length=MAX_TEXT)
    missing_documents: list[str] = []
    note: str = Field(default="", max_length=MAX_TEXT)
    fees_due: int | None = None
    pickup_place: str = Field(default="", max_length=MAX_TEXT)

    @field_validator("procedure_code", "procedure_name", "applicant_name", "agency", "current_step", "note",
                     "pickup_place", mode="before")
    @classmethod
    def _clean(cls, value: Any) -> str:
        return collapse_spaces(str(value)) if value is not None else ""

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, value: Any) -> str:
        code = normalize_code(str(value or ""))
        if code is None:
            raise ValueError(f"mã hồ sơ “{value}” không đúng dạng 000.00.04.H51-261120-0007")
        return code

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: Any) -> str:
        return normalize_phone(str(value or ""))

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> str:
        return parse_status(str(value or ""))

    @field_validator("received_at", "due_at", mode="before")
    @classmethod
    def _date(cls, value: Any) -> datetime:
        return parse_datetime(str(value or ""))

    @field_validator("completed_at", "new_due_at", mode="before")
    @classmethod
    def _optional_date(cls, value: Any) -> datetime | None:
        return parse_datetime(str(value)) if value not in (None, "") and str(value).strip() else None

    @field_validator("missing_documents", mode="before")
    @classmethod
    def _documents(cls, value: Any) -> list[str]:
        parts = value if isinstance(value, list) else str(value or "").split("|")
        return [collapse_spaces(str(p)) for p in parts if collapse_spaces(str(p))]

    @field_validator("fees_due", mode="before")
    @classmethod
    def _fees(cls, value: Any) -> int | None:
        return _parse_fee(value)

    @model_validator(mode="after")
    def _dates_in_order(self) -> ApplicationRow:
        if self.due_at < self.received_at:
            raise ValueError("ngày hẹn trả (due_at) trước ngày tiếp nhận (received_at)")
        if self.completed_at and self.completed_at < self.received_at:
            raise ValueError("ngày trả kết quả (completed_at) trước ngày tiếp nhận (received_at)")
        return self


def read_rows(path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Yield ``(label, row)`` for each data line of the CSV (comma, semicolon or tab separated)."""
    if path.suffix.lower() != ".csv":
        raise ApplicationFileError("Chỉ nhận tệp .csv.")
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError as exc:
        raise ApplicationFileError(f"Không tìm thấy tệp {path}.") from exc
    with handle:
        header = handle.readline()
        delimiter = max(",;\t", key=header.count)
        handle.seek(0)
        reader = csv.DictReader(handle, delimiter=delimiter)
        columns = {(f or "").strip() for f in reader.fieldnames or []}
        missing = REQUIRED_COLUMNS - columns
        if missing:
            raise ApplicationFileError(f"Tệp CSV thiếu cột: {', '.join(sorted(missing))}.")
        for row in reader:
            yield f"dòng {reader.line_num}", {k.strip(): v for k, v in row.items() if k}


def _tracked(application: Application) -> tuple[str, str, str, str]:
    return (application.status, application.current_step, application.agency, application.note)


def apply_application(
    session: Session, row: ApplicationRow, procedure_name: str, source_hash: str, now: datetime
) -> tuple[str, int]:
    """Insert or update one application; returns the outcome and the notifications queued."""
    application = session.scalar(select(Application).where(Application.code == row.code))
    if application is not None and application.source_hash == source_hash:
        return "unchanged", 0
    created = application is None
    if application is None:
        application = Application(code=row.code, created_at=now)
        session.add(application)
        before = None
    else:
        before = _tracked(application)
    application.procedure_code = row.procedure_code
    application.procedure_name = procedure_name
    application.applicant_name = row.applicant_name
    application.phone = row.phone
    application.status = row.status
    application.received_at = row.received_at
    application.due_at = row.due_at
    application.new_due_at = row.new_due_at
    application.completed_at = row.completed_at
    application.agency = row.agency
    application.current_step = row.current_step
    application.missing_documents = row.missing_documents
    application.note = row.note
    application.fees_due = row.fees_due
    application.pickup_place = row.pickup_place
    application.source_hash = source_hash
    application.updated_at = now
    if before != _tracked(application):
        application.history.append(
            ApplicationStatusEvent(
                status=row.status,
                current_step=row.current_step,
                agency=row.agency,
                note=row.note,
                recorded_at=now,
                source="import",
            )
        )
    queued = 0
    if before is not None and before[0] != row.status:
        session.flush()
        queued = enqueue_status_change(session, application, now)
    return ("created" if created else "updated"), queued


def import_applications(
    session: Session,
    path: Path,
    on_progress: ProgressCallback | None = None,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> ApplicationImportReport:
    """Import every valid row of ``path``; malformed rows are skipped and reported by line."""
    rows = list(read_rows(path))
    report = ApplicationImportReport()
    names = {code: name for code, name in session.execute(select(Procedure.code, Procedure.name))}
    seen: set[str] = set()
    now = clock()
    for index, (label, raw) in enumerate(rows):
        try:
            row = ApplicationRow.model_validate(raw)
            if row.code in seen:
                raise ValueError(f"trùng mã hồ sơ {row.code} trong tệp")
            seen.add(row.code)
        except (ValidationError, ValueError) as exc:
            report.skipped.append(SkippedRecord(label, describe_validation_error(exc)))
        else:
            procedure_name = names.get(row.procedure_code) or row.procedure_name
            fingerprint = content_hash({**row.model_dump(), "procedure_name": procedure_name})
            try:
                with session.begin_nested():
                    outcome, queued = apply_application(session, row, procedure_name, fingerprint, now)
            except Exception as exc:  # noqa: BLE001 - a bad record is reported, the import goes on
                if (storage := storage_failure(exc)) is not None:
                    raise storage from exc  # disk full, read-only: roll everything back
                report.skipped.append(SkippedRecord(label, f"lỗi khi lưu: {mask_sensitive(str(exc))[:300]}"))
            else:
                setattr(report, outcome, getattr(report, outcome) + 1)
                report.notifications += queued
        if on_progress:
            on_progress(index + 1, len(rows))
    session.commit()
    return report
