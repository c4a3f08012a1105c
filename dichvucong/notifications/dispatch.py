"""Send what the outbox holds: one row at a time, marked sent or given its error and attempt."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dichvucong.applications.masking import mask_sensitive
from dichvucong.db.base import utcnow
from dichvucong.db.models import Notification, StatusSubscription
from dichvucong.notifications.senders import ChannelSender

MAX_ATTEMPTS = 5
logger = logging.getLogger(__name__)


@dataclass
class DispatchReport:
    """Counts of one dispatch run."""

    sent: int = 0
    failed: int = 0  # this try failed; retried on a later run until MAX_ATTEMPTS
    gave_up: int = 0  # failed for the last allowed time
    waiting: int = 0  # no sender configured for the channel yet
    dropped: int = 0  # the citizen unsubscribed before it was sent

    def summary(self) -> str:
        """One line in Vietnamese for the command line."""
        return (
            f"Đã gửi {self.sent}, lỗi {self.failed} (ngừng thử {self.gave_up}), "
            f"chờ kênh gửi {self.waiting}, bỏ {self.dropped}."
        )


def _next_pending(session: Session, after_id: int, max_attempts: int) -> tuple[Notification, StatusSubscription] | None:
    """The next unsent row after ``after_id``, locked so parallel dispatchers skip it (PostgreSQL)."""
    row = session.execute(
        select(Notification, StatusSubscription)
        .join(StatusSubscription, StatusSubscription.id == Notification.subscription_id)
        .where(Notification.id > after_id, Notification.sent_at.is_(None), Notification.attempts < max_attempts)
        .order_by(Notification.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=Notification)
    ).first()
    return (row[0], row[1]) if row is not None else None


def dispatch_pending(
    session_factory: sessionmaker[Session],
    senders: Mapping[str, ChannelSender],
    *,
    max_attempts: int = MAX_ATTEMPTS,
    limit: int = 500,
    clock: Callable[[], datetime] = utcnow,
) -> DispatchReport:
    """Try every pending notification once; each is committed on its own (at-least-once delivery)."""
    report = DispatchReport()
    last_id = 0
    for _ in range(limit):
        with session_factory() as session, session.begin():
            pending = _next_pending(session, last_id, max_attempts)
            if pending is None:
                break
            notification, subscription = pending
            last_id = notification.id
            if not subscription.active:
                notification.attempts = max_attempts
                notification.last_error = "Người nhận đã hủy theo dõi."
                report.dropped += 1
                continue
            sender = senders.get(subscription.channel)
            if sender is None:
                report.waiting += 1
                continue
            notification.attempts += 1
            try:
                sender.send(subscription.recipient_id, notification.text)
            except Exception as exc:  # noqa: BLE001 - recorded on the row, retried later
                notification.last_error = mask_sensitive(str(exc))[:500]
                report.failed += 1
                if notification.attempts >= max_attempts:
                    report.gave_up += 1
                logger.warning("Gửi thông báo #%s qua %s lỗi: %s", notification.id, subscription.channel, notification.last_error)
            else:
                notification.sent_at = clock()
                notification.last_error = ""
                report.sent += 1
    return report
