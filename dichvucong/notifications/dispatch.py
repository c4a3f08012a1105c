"""Send what the outbox holds, at most once per row.

Each row is first **claimed** (its own committed ``UPDATE … WHERE state = 'pending'``: two
dispatchers never both get it, on SQLite or PostgreSQL), then sent, then its outcome is
committed: ``sent``, or back to ``pending`` with the error and a later ``next_attempt_at``
(waits that double from ``retry_seconds``), or ``failed`` after ``max_attempts``. A dispatcher
that dies between sending and recording leaves the row ``claimed``; once the claim is older
than ``claim_timeout_seconds`` it is marked ``uncertain`` — the citizen may have got it, so it
is never sent again, and it is counted and shown to officials instead ("at most once,
reported").
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, true, update
from sqlalchemy.orm import Session, sessionmaker

from dichvucong.applications.masking import mask_sensitive
from dichvucong.db.base import utcnow
from dichvucong.db.models import Notification, StatusSubscription
from dichvucong.notifications.senders import ChannelSender

MAX_ATTEMPTS = 5
MAX_RETRY_SECONDS = 6 * 3600.0
logger = logging.getLogger(__name__)


def dispatcher_id() -> str:
    """Who claims rows: host and process (kept on the row, for the operators)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


@dataclass
class DispatchReport:
    """Counts of one dispatch run."""

    sent: int = 0
    failed: int = 0  # this try failed; retried on a later run until MAX_ATTEMPTS
    gave_up: int = 0  # failed for the last allowed time
    waiting: int = 0  # no sender configured for the channel yet
    dropped: int = 0  # the citizen unsubscribed before it was sent
    uncertain: int = 0  # found claimed by a dispatcher that stopped before recording the outcome

    def summary(self) -> str:
        """One line in Vietnamese for the command line."""
        line = (
            f"Đã gửi {self.sent}, lỗi {self.failed} (ngừng thử {self.gave_up}), "
            f"chờ kênh gửi {self.waiting}, bỏ {self.dropped}."
        )
        if self.uncertain:
            line += f" {self.uncertain} thông báo không rõ đã tới người nhận chưa (không gửi lại)."
        return line


def mark_uncertain(session_factory: sessionmaker[Session], older_than: datetime) -> int:
    """Claims older than ``older_than`` with no outcome become ``uncertain``; how many."""
    with session_factory() as session, session.begin():
        result = session.execute(
            update(Notification)
            .where(Notification.state == "claimed", Notification.claimed_at < older_than)
            .values(state="uncertain", last_error="Tiến trình gửi dừng giữa chừng: có thể đã gửi, không gửi lại.")
        )
    count = int(result.rowcount or 0)
    if count:
        logger.error("%d thông báo bị bỏ dở giữa lúc gửi: đánh dấu 'uncertain', không gửi lại", count)
    return count


def _due(now: datetime) -> ColumnElement[bool]:
    return (Notification.state == "pending") & (
        Notification.next_attempt_at.is_(None) | (Notification.next_attempt_at <= now)
    )


def _claim_next(
    session_factory: sessionmaker[Session], channels: set[str], after_id: int, now: datetime, who: str
) -> tuple[int, str, str, str, bool, int] | None:
    """Claim the next due row of a channel we can send on (or of an unsubscribed citizen)."""
    while True:
        with session_factory() as session, session.begin():
            row = session.execute(
                select(Notification.id, StatusSubscription.channel, StatusSubscription.recipient_id, Notification.text,
                       StatusSubscription.active, Notification.attempts)
                .join(StatusSubscription, StatusSubscription.id == Notification.subscription_id)
                .where(Notification.id > after_id, _due(now))
                .where(StatusSubscription.channel.in_(channels) | StatusSubscription.active.is_(False))
                .order_by(Notification.id)
                .limit(1)
            ).first()
            if row is None:
                return None
            claimed = session.execute(
                update(Notification)
                .where(Notification.id == row.id, Notification.state == "pending")
                .values(state="claimed", claimed_at=now, claimed_by=who)
            ).rowcount
        if claimed:
            return row.id, row.channel, row.recipient_id, row.text, bool(row.active), int(row.attempts)
        after_id = row.id  # another dispatcher took it: look further


def _record(session_factory: sessionmaker[Session], notification_id: int, **values: object) -> None:
    with session_factory() as session, session.begin():
        session.execute(update(Notification).where(Notification.id == notification_id).values(**values))


def _waiting(session_factory: sessionmaker[Session], channels: set[str]) -> int:
    with session_factory() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Notification)
                .join(StatusSubscription, StatusSubscription.id == Notification.subscription_id)
                .where(Notification.state == "pending", StatusSubscription.active.is_(True))
                .where(StatusSubscription.channel.not_in(channels) if channels else true())
            )
            or 0
        )


def dispatch_pending(
    session_factory: sessionmaker[Session],
    senders: Mapping[str, ChannelSender],
    *,
    max_attempts: int = MAX_ATTEMPTS,
    limit: int = 500,
    clock: Callable[[], datetime] = utcnow,
    retry_seconds: float = 0.0,
    claim_timeout_seconds: float = 120.0,
    dispatcher: str | None = None,
) -> DispatchReport:
    """Try every due notification once (claimed, sent, recorded: at most once per row)."""
    report = DispatchReport()
    now = clock()
    report.uncertain = mark_uncertain(session_factory, now - timedelta(seconds=claim_timeout_seconds))
    who = dispatcher or dispatcher_id()
    channels = set(senders)
    last_id = 0
    for _ in range(limit):
        claimed = _claim_next(session_factory, channels, last_id, now, who)
        if claimed is None:
            break
        notification_id, channel, recipient, text, active, attempts = claimed
        last_id = notification_id
        if not active:
            _record(session_factory, notification_id, state="dropped", attempts=max_attempts,
                    last_error="Người nhận đã hủy theo dõi.")
            report.dropped += 1
            continue
        attempts += 1
        try:
            senders[channel].send(recipient, text)
        except Exception as exc:  # noqa: BLE001 - recorded on the row, retried later
            error = mask_sensitive(str(exc))[:500]
            report.failed += 1
            gave_up = attempts >= max_attempts
            report.gave_up += gave_up
            wait = min(retry_seconds * 2 ** (attempts - 1), MAX_RETRY_SECONDS)
            _record(session_factory, notification_id, state="failed" if gave_up else "pending", attempts=attempts,
                    last_error=error, claimed_at=None, next_attempt_at=clock() + timedelta(seconds=wait))
            logger.warning("Gửi thông báo #%s qua %s lỗi (lần %d): %s", notification_id, channel, attempts, error)
        else:
            _record(session_factory, notification_id, state="sent", sent_at=clock(), attempts=attempts, last_error="")
            report.sent += 1
    report.waiting = _waiting(session_factory, channels)
    return report


def outbox_counts(session: Session) -> dict[str, int]:
    """How many notifications are in each state (for /health and the console)."""
    rows = session.execute(select(Notification.state, func.count()).group_by(Notification.state)).all()
    return {state: int(count) for state, count in rows}
