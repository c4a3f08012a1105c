"""The background jobs ``dvc worker`` runs, each a function returning a one-line summary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from dichvucong.config import Settings

LABELS = {  # what officials read in the console
    "notify": "Gửi thông báo tình trạng hồ sơ",
    "review-sync": "Cập nhật tóm tắt hội thoại (trang Xem lại)",
    "retention": "Xóa hội thoại quá thời hạn lưu",
}


class JobError(RuntimeError):
    """A run that did not do its work (retried with backoff)."""


@dataclass(frozen=True)
class Job:
    name: str
    interval_seconds: float
    run: Callable[[], str]

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)


def notify_job(settings: Settings, session_factory: sessionmaker[Session]) -> Callable[[], str]:
    from dichvucong.notifications import build_senders, dispatch_pending, mark_uncertain

    senders = build_senders(settings)

    def run() -> str:
        if not senders:  # nothing can be sent, but stale claims are still reported
            from datetime import timedelta

            from dichvucong.db.base import utcnow

            mark_uncertain(session_factory, utcnow() - timedelta(seconds=settings.notification_claim_timeout_seconds))
            return "Chưa cấu hình kênh gửi (TELEGRAM_BOT_TOKEN); thông báo chờ trong hàng đợi."
        report = dispatch_pending(
            session_factory,
            senders,
            limit=100,
            retry_seconds=settings.notification_retry_seconds,
            claim_timeout_seconds=settings.notification_claim_timeout_seconds,
        )
        return report.summary()

    return run


def review_sync_job(settings: Settings, session_factory: sessionmaker[Session]) -> Callable[[], str]:
    from dichvucong.review.services.sync import sync
    from dichvucong.review.tracker import public_source, readonly_engine

    url = settings.tracker_store_url

    def run() -> str:
        with session_factory() as session:
            report = sync(session, readonly_engine(url), public_source(url), settings.review_sync_settle_seconds)
        if report.skipped:
            raise JobError("bỏ qua: kho hội thoại hoặc CSDL không trả lời, hoặc tiến trình khác đang cập nhật")
        return f"{report.messages} tin nhắn mới, {report.conversations} hội thoại cập nhật"

    return run


def retention_job(settings: Settings, session_factory: sessionmaker[Session]) -> Callable[[], str]:
    from dichvucong.review.services.retention import run_retention

    def run() -> str:
        with session_factory() as session:
            report = run_retention(session, settings.tracker_store_url, settings.conversation_retention_days)
        return " ".join(report.lines())[:500]

    return run


def build_jobs(settings: Settings, session_factory: sessionmaker[Session]) -> list[Job]:
    """The jobs the settings schedule (retention only when WORKER_RETENTION_SECONDS > 0)."""
    jobs = [
        Job("notify", settings.worker_notify_seconds, notify_job(settings, session_factory)),
        Job("review-sync", settings.worker_review_sync_seconds, review_sync_job(settings, session_factory)),
    ]
    if settings.worker_retention_seconds > 0:
        jobs.append(Job("retention", settings.worker_retention_seconds, retention_job(settings, session_factory)))
    return jobs
