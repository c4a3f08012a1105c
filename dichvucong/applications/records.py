"""Plain, immutable views of an application, independent of where it was read from.

:class:`ApplicationRecord` is what a source returns (it includes the phone number, used only
to verify the citizen); :class:`StatusView` is what a verified citizen may be shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dichvucong.applications.dates import as_utc
from dichvucong.applications.statuses import STATUS_LABELS
from dichvucong.db.models import Application


@dataclass(frozen=True)
class StatusEvent:
    """One entry of the application's history."""

    status: str
    recorded_at: datetime
    current_step: str = ""
    agency: str = ""
    note: str = ""


@dataclass(frozen=True)
class StatusView:
    """Everything a verified citizen is told about the application (no phone, no name)."""

    code: str
    procedure_code: str
    procedure_name: str
    status: str
    received_at: datetime
    due_at: datetime
    agency: str = ""
    current_step: str = ""
    missing_documents: tuple[str, ...] = ()
    note: str = ""
    new_due_at: datetime | None = None
    completed_at: datetime | None = None
    fees_due: int | None = None
    pickup_place: str = ""
    history: tuple[StatusEvent, ...] = ()

    @property
    def status_label(self) -> str:
        """The status in Vietnamese, e.g. "Đang xử lý"."""
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class ApplicationRecord:
    """An application as a source knows it; ``phone`` and the name never reach logs via repr."""

    code: str
    procedure_code: str
    procedure_name: str
    status: str
    received_at: datetime
    due_at: datetime
    applicant_name: str = field(default="", repr=False)
    phone: str = field(default="", repr=False)
    agency: str = ""
    current_step: str = ""
    missing_documents: tuple[str, ...] = ()
    note: str = ""
    new_due_at: datetime | None = None
    completed_at: datetime | None = None
    fees_due: int | None = None
    pickup_place: str = ""
    updated_at: datetime | None = None
    history: tuple[StatusEvent, ...] = ()

    def phone_last4(self) -> str:
        """The last four digits of the phone on file ("" when there is no usable number)."""
        digits = "".join(ch for ch in self.phone if ch.isdigit())
        return digits[-4:] if len(digits) >= 4 else ""

    def view(self) -> StatusView:
        """What the citizen may see once verified."""
        return StatusView(
            code=self.code,
            procedure_code=self.procedure_code,
            procedure_name=self.procedure_name,
            status=self.status,
            received_at=self.received_at,
            due_at=self.due_at,
            agency=self.agency,
            current_step=self.current_step,
            missing_documents=self.missing_documents,
            note=self.note,
            new_due_at=self.new_due_at,
            completed_at=self.completed_at,
            fees_due=self.fees_due,
            pickup_place=self.pickup_place,
            history=self.history,
        )


def _utc_or_none(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def record_from_model(application: Application) -> ApplicationRecord:
    """Copy a database row (with its history loaded) into a record."""
    return ApplicationRecord(
        code=application.code,
        procedure_code=application.procedure_code,
        procedure_name=application.procedure_name,
        status=application.status,
        received_at=as_utc(application.received_at),
        due_at=as_utc(application.due_at),
        applicant_name=application.applicant_name,
        phone=application.phone,
        agency=application.agency,
        current_step=application.current_step,
        missing_documents=tuple(application.missing_documents or ()),
        note=application.note,
        new_due_at=_utc_or_none(application.new_due_at),
        completed_at=_utc_or_none(application.completed_at),
        fees_due=application.fees_due,
        pickup_place=application.pickup_place,
        updated_at=_utc_or_none(application.updated_at),
        history=tuple(
            StatusEvent(e.status, as_utc(e.recorded_at), e.current_step, e.agency, e.note) for e in application.history
        ),
    )
