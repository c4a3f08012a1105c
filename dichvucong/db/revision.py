"""Bump the content revision whenever catalogue, FAQ or thesaurus rows change in a session."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dichvucong.db.base import utcnow
from dichvucong.db.models import (
    ContentRevision,
    Faq,
    FilingChannel,
    LegalBasis,
    Procedure,
    ProcedureResult,
    ProcedureStep,
    RequiredDocument,
    SynonymGroup,
)

CONTENT_MODELS = (
    Procedure, FilingChannel, ProcedureStep, RequiredDocument, ProcedureResult, LegalBasis, Faq,
    SynonymGroup,  # the thesaurus changes how questions are read
)


def touches_content(session: Session) -> bool:
    """True when the pending flush adds, changes or deletes searchable content."""
    pending = list(session.new) + list(session.dirty) + list(session.deleted)
    return any(isinstance(obj, CONTENT_MODELS) for obj in pending)


def bump_revision(session: Session) -> None:
    """Increase the shared revision counter inside the caller's transaction."""
    table = ContentRevision.__table__
    result = session.execute(
        update(table).where(table.c.id == 1).values(revision=table.c.revision + 1, changed_at=utcnow())
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        session.add(ContentRevision(id=1, revision=1))


def current_revision(session: Session) -> int:
    """The revision the stored content is at (0 before anything was imported)."""
    value = session.scalar(select(ContentRevision.revision).where(ContentRevision.id == 1))
    return int(value or 0)


def _before_flush(session: Session, _context, _instances) -> None:  # type: ignore[no-untyped-def]
    if touches_content(session):
        with session.no_autoflush:
            bump_revision(session)


def install_revision_tracking() -> None:
    """Register the session hooks once per process."""
    from sqlalchemy import event

    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
