"""``dvc``: the command line for officials and operators (import, migrate, seed, search)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from dichvucong.db.session import session_scope
from dichvucong.importing import ImportReport, StorageError, storage_failure
from dichvucong.seed import APPLICATIONS_FILE, CATALOG_FILE, FAQ_FILES, SERVICE_POINTS_FILE, THESAURUS_FILE

app = typer.Typer(help="Trợ lý dịch vụ công: nhập dữ liệu, cập nhật CSDL, tra cứu thử.", no_args_is_help=True)
db_app = typer.Typer(help="Cơ sở dữ liệu.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console()
err_console = Console(stderr=True)

DatabaseOption = Annotated[str | None, typer.Option("--database-url", help="Mặc định: biến DATABASE_URL.")]


def _run_import(
    label: str, path: Path, database_url: str | None, importer: Callable[..., ImportReport], file_error: type[Exception]
) -> ImportReport:
    """Run one importer with a progress bar and print its report; exit 1 on a bad file."""
    columns = (TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns, console=err_console, transient=True) as progress, session_scope(database_url) as session:
            task = progress.add_task(label, total=None)

            def on_progress(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            report = importer(session, path, on_progress=on_progress)
    except file_error as exc:
        err_console.print(f"[red]Lỗi:[/red] {exc}")
        raise typer.Exit(code=1) from exc
    except Exception as exc:  # disk full, read-only database: the transaction was rolled back
        storage = exc if isinstance(exc, StorageError) else storage_failure(exc)
        if storage is None:
            raise
        err_console.print(f"[red]Lỗi:[/red] {label}: {storage}", soft_wrap=True)
        raise typer.Exit(code=1) from None
    console.print(f"{label}: {report.summary()}")
    for skipped in report.skipped:
        console.print(f"  [yellow]Bỏ qua[/yellow] {skipped.where}: {skipped.reason}")
    return report


@app.command("import-catalog")
def import_catalog_command(
    file: Annotated[Path, typer.Argument(help="Tệp JSON xuất từ CSDL quốc gia về TTHC.")],
    database_url: DatabaseOption = None,
) -> None:
    """Nhập danh mục thủ tục (định dạng xuất của CSDL quốc gia). Chạy lại chỉ cập nhật."""
    from dichvucong.catalog.importer import CatalogFileError, import_catalog

    _run_import("Thủ tục", file, database_url, import_catalog, CatalogFileError)


@app.command("import-faqs")
def import_faqs_command(
    file: Annotated[Path, typer.Argument(help="Tệp .csv hoặc .jsonl (question, answer, ...).")],
    database_url: DatabaseOption = None,
) -> None:
    """Nhập câu hỏi thường gặp từ CSV/JSONL. Chạy lại chỉ cập nhật."""
    from dichvucong.faqs.importer import FaqFileError, import_faqs

    _run_import("Câu hỏi thường gặp", file, database_url, import_faqs, FaqFileError)


@app.command("import-service-points")
def import_service_points_command(
    file: Annotated[Path, typer.Argument(help="Tệp JSON các điểm tiếp nhận hồ sơ cấp xã.")],
    database_url: DatabaseOption = None,
) -> None:
    """Nhập điểm tiếp nhận hồ sơ của các xã/phường (sau sắp xếp 2025)."""
    from dichvucong.addresses.importer import ServicePointFileError, import_service_points

    _run_import("Điểm tiếp nhận", file, database_url, import_service_points, ServicePointFileError)


@app.command("import-thesaurus")
def import_thesaurus_command(
    file: Annotated[Path, typer.Argument(help="Tệp .csv hoặc .jsonl (canonical, variants, note, enabled).")],
    database_url: DatabaseOption = None,
) -> None:
    """Nhập từ điển đồng nghĩa (tên gọi thông dụng của thuật ngữ). Chạy lại chỉ cập nhật."""
    from dichvucong.thesaurus.importer import ThesaurusFileError, import_thesaurus

    _run_import("Từ điển đồng nghĩa", file, database_url, import_thesaurus, ThesaurusFileError)


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseOption = None) -> None:
    """Tạo/cập nhật bảng theo migration mới nhất."""
    from dichvucong.db.migrate import upgrade

    upgrade(database_url)
    console.print("Cơ sở dữ liệu đã ở phiên bản mới nhất.")


@app.command("seed")
def seed(
    database_url: DatabaseOption = None,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Chỉ nạp khi chưa có thủ tục nào.")] = False,
) -> None:
    """Cập nhật CSDL rồi nạp dữ liệu mẫu trong data/ (thủ tục, câu hỏi, từ điển, điểm tiếp nhận, hồ sơ)."""
    from sqlalchemy import func, select

    from dichvucong.db.migrate import upgrade
    from dichvucong.db.models import Application, Procedure, SynonymGroup

    upgrade(database_url)
    if if_empty:
        with session_scope(database_url) as session:
            has_procedures = bool(session.scalar(select(func.count()).select_from(Procedure)))
            has_applications = bool(session.scalar(select(func.count()).select_from(Application)))
            has_thesaurus = bool(session.scalar(select(func.count()).select_from(SynonymGroup)))
        if has_procedures:
            if not has_applications:  # a database seeded before applications existed
                import_applications_command(APPLICATIONS_FILE, database_url, notify=False)
            if not has_thesaurus:  # a database seeded before the thesaurus existed
                import_thesaurus_command(THESAURUS_FILE, database_url)
            console.print("Đã có dữ liệu, bỏ qua nạp dữ liệu mẫu.")
            return
    import_catalog_command(CATALOG_FILE, database_url)
    for faq_file in FAQ_FILES:
        import_faqs_command(faq_file, database_url)
    import_thesaurus_command(THESAURUS_FILE, database_url)
    import_service_points_command(SERVICE_POINTS_FILE, database_url)
    import_applications_command(APPLICATIONS_FILE, database_url, notify=False)


@app.command("import-applications")
def import_applications_command(
    file: Annotated[Path, typer.Argument(help="Tệp CSV tình trạng hồ sơ xuất từ hệ thống một cửa.")],
    database_url: DatabaseOption = None,
    notify: Annotated[
        bool, typer.Option("--notify/--no-notify", help="Gửi ngay thông báo cho người theo dõi (nếu có kênh gửi).")
    ] = True,
) -> None:
    """Nhập/cập nhật tình trạng hồ sơ từ CSV. Chạy lại chỉ cập nhật; báo cho người theo dõi."""
    from dichvucong.applications.importer import ApplicationFileError, import_applications

    _run_import("Hồ sơ", file, database_url, import_applications, ApplicationFileError)
    if notify:
        _dispatch_notifications(database_url, explain_missing_sender=False)


@app.command("notify")
def notify_command(database_url: DatabaseOption = None) -> None:
    """Gửi một lượt các thông báo thay đổi tình trạng hồ sơ đang chờ trong hàng đợi."""
    _dispatch_notifications(database_url, explain_missing_sender=True)


def _dispatch_notifications(database_url: str | None, *, explain_missing_sender: bool) -> None:
    """Send pending notifications through every configured channel sender."""
    from dichvucong.config import get_settings
    from dichvucong.db.session import get_sessionmaker
    from dichvucong.notifications import build_senders, dispatch_pending

    settings = get_settings()
    senders = build_senders(settings)
    if not senders:
        if explain_missing_sender:
            console.print("Chưa cấu hình kênh gửi nào (TELEGRAM_BOT_TOKEN); thông báo vẫn nằm trong hàng đợi.")
        return
    report = dispatch_pending(
        get_sessionmaker(database_url), senders, claim_timeout_seconds=settings.notification_claim_timeout_seconds
    )
    console.print(f"Thông báo: {report.summary()}")


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="Tệp sao lưu sẽ tạo (.dump).")],
    database_url: DatabaseOption = None,
) -> None:
    """Sao lưu CSDL PostgreSQL (pg_dump, định dạng custom)."""
    from dichvucong.backup import BackupError, backup
    from dichvucong.config import get_settings

    try:
        backup(database_url or get_settings().database_url, file)
    except BackupError as exc:
        err_console.print(f"[red]Lỗi:[/red] {exc}")
        raise typer.Exit(code=1) from exc
    console.print(f"Đã sao lưu vào {file}.")


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="Tệp sao lưu (.dump) cần khôi phục.")],
    database_url: DatabaseOption = None,
) -> None:
    """Khôi phục CSDL PostgreSQL từ tệp sao lưu (ghi đè dữ liệu hiện có)."""
    from dichvucong.backup import BackupError, restore
    from dichvucong.config import get_settings

    try:
        restore(database_url or get_settings().database_url, file)
    except BackupError as exc:
        err_console.print(f"[red]Lỗi:[/red] {exc}")
        raise typer.Exit(code=1) from exc
    console.print(f"Đã khôi phục từ {file}.")


@app.command("health")
def health_command(
    url: Annotated[list[str] | None, typer.Option("--url", help="Địa chỉ dịch vụ cần trả lời 200.")] = None,
    redis_url: Annotated[str | None, typer.Option("--redis-url", help="Kiểm tra cả Redis.")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Kiểm tra cấu hình, cơ sở dữ liệu, Redis và dịch vụ; in một dòng, mã thoát 1 nếu có lỗi (healthcheck)."""
    from dichvucong.health import run_checks, summary_line
    from dichvucong.startup import StartupError, load_settings

    try:
        load_settings()
    except StartupError as exc:
        console.print(f"LỖI: {exc}", soft_wrap=True)
        raise typer.Exit(code=1) from None
    report = run_checks(database_url, redis_url, tuple(url or ()))
    console.print(summary_line(report), soft_wrap=True, markup=False)
    if not report.healthy:
        raise typer.Exit(code=1)


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="Câu hỏi của người dân.")],
    k: Annotated[int, typer.Option(help="Số kết quả.")] = 5,
    database_url: DatabaseOption = None,
) -> None:
    """Tra cứu thử: thủ tục/câu hỏi nào khớp với câu hỏi."""
    from dichvucong.db.session import get_sessionmaker
    from dichvucong.search import SearchService

    service = SearchService(get_sessionmaker(database_url))
    for hit in service.search(query, k=k):
        console.print(f"{hit.score:.2f}  {hit.rank_score:6.2f}  {hit.type:9}  {hit.code:12}  {hit.title}")



def _register_console_commands() -> None:
    from dichvucong.console.cli import create_admin

    app.command("create-admin")(create_admin)


_register_console_commands()


def _register_review_commands() -> None:
    from dichvucong.review.cli import retention, review_sync

    app.command("retention")(retention)
    app.command("review-sync")(review_sync)


_register_review_commands()


def _register_worker_commands() -> None:
    from dichvucong.worker.cli import worker

    app.command("worker")(worker)


_register_worker_commands()

if __name__ == "__main__":
    app()
