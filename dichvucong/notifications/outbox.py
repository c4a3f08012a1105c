"""Queue status-change messages for an application's subscribers, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dichvucong.applications.dates import format_date
from dichvucong.applications.formatting import format_status_change
from dichvucong.db.base import utcnow
from dichvucong.db.models import Application, Notification, StatusSubscription


def enqueue_status_change(session: Session, application: Application, now: datetime | None = None) -> int:
    """Add one outbox row per active subscription; returns how many were queued."""
    subscriptions = session.scalars(
        select(StatusSubscription).where(
            StatusSubscription.application_id == application.id, StatusSubscription.active.is_(True)
        )
    ).all()
    if not subscriptions:
        return 0
    new_due = format_date(application.new_due_at) if application.new_due_at else ""
    text = format_status_change(application.code, application.procedure_name, application.status, new_due)
    for subscription in subscriptions:
        session.add(
            Notification(
                subscription_id=subscription.id,
                application_id=application.id,
                status=application.status,
                text=text,
                created_at=now or utcnow(),
            )
        )
    return len(subscriptions)
