"""``dvc retention`` and ``dvc review-sync``: the review commands for operators."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from dichvucong.config import get_settings

console = Console()
err_console = Console(stderr=True)

DatabaseOption = Annotated[str | None, typer.Option("--database-url", help="Mặc định: biến DATABASE_URL.")]
TrackerOption = Annotated[str | None, typer.Option("--tracker-store-url", help="Mặc định: biến TRACKER_STORE_URL.")]


def retention(
    days: Annotated[int | None, typer.Option("--days", min=1, help="Mặc định: CONVERSATION_RETENTION_DAYS (365).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Chỉ đếm, không xóa gì.")] = False,
    database_url: DatabaseOption = None,
    tracker_store_url: TrackerOption = None,
) -> None:
    """Xóa hội thoại cũ hơn N ngày khỏi kho hội thoại của Rasa (bảng events), cùng ghi chú và đánh giá.

    Đây là lệnh DUY NHẤT xóa dữ liệu trong kho hội thoại của Rasa. Hội thoại còn đang diễn ra giữ nguyên phiên hiện tại. Chạy thử với --dry-run trước.
    """
    from dichvucong.db.migrate import upgrade
    from dichvucong.db.session import get_sessionmaker
    from dichvucong.review.services.retention import run_retention

    settings = get_settings()
    days = days or settings.conversation_retention_days
    upgrade(database_url)
    with get_sessionmaker(database_url)() as session:
        report = run_retention(session, tracker_store_url or settings.tracker_store_url, days, dry_run=dry_run)
    for line in report.lines():
        console.print(line)
    if dry_run:
        console.print("[yellow]Chạy thử (--dry-run): chưa xóa gì.[/yellow]")


def review_sync(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Đọc lại toàn bộ kho hội thoại từ đầu.")] = False,
    database_url: DatabaseOption = None,
    tracker_store_url: TrackerOption = None,
) -> None:
    """Cập nhật bảng tóm tắt hội thoại (trang /console/review tự làm; chạy lệnh này trước khi mở trang lần đầu với kho hội thoại lớn)."""
    import time

    from sqlalchemy import select

    from dichvucong.db.migrate import upgrade
    from dichvucong.db.models import ReviewSyncState
    from dichvucong.db.session import get_sessionmaker
    from dichvucong.review.services.sync import reset, sync
    from dichvucong.review.tracker import public_source, readonly_engine

    settings = get_settings()
    url = tracker_store_url or settings.tracker_store_url
    upgrade(database_url)
    started = time.perf_counter()
    with get_sessionmaker(database_url)() as session:
        if rebuild:
            state = session.scalars(select(ReviewSyncState)).first()
            if state is not None:
                reset(session, state)
                session.commit()
        report = sync(session, readonly_engine(url), public_source(url), settings.review_sync_settle_seconds)
    if report.skipped:
        err_console.print("[yellow]Một tiến trình khác đang cập nhật; thử lại sau.[/yellow]")
        raise typer.Exit(code=1)
    console.print(
        f"Đã đọc {report.events} sự kiện, {report.messages} tin nhắn mới, {report.conversations} hội thoại cập nhật "
        f"(đến sự kiện #{report.high_event_id}) trong {time.perf_counter() - started:.1f} giây."
    )
