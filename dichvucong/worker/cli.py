"""``dvc worker``: start the background jobs and their health endpoint."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Annotated

import typer
from rich.console import Console

err_console = Console(stderr=True)


def worker(
    port: Annotated[int | None, typer.Option("--port", help="Cổng GET /health (mặc định WORKER_PORT, 8010; 0 = không mở).")] = None,
    host: Annotated[str, typer.Option("--host", help="Địa chỉ nghe của /health.")] = "127.0.0.1",
) -> None:
    """Chạy các việc nền theo lịch: gửi thông báo, cập nhật tóm tắt hội thoại, xóa hội thoại quá hạn."""
    from dichvucong.db.session import get_sessionmaker
    from dichvucong.logging_setup import configure_logging
    from dichvucong.startup import StartupError, validate_startup
    from dichvucong.worker.jobs import build_jobs
    from dichvucong.worker.runner import Worker, serve_health

    try:
        settings = validate_startup("worker")
    except StartupError as exc:
        err_console.print(f"[red]Không khởi động được dvc worker:[/red] {exc}")
        raise typer.Exit(code=1) from None
    configure_logging(settings.log_level, settings.log_format)
    session_factory = get_sessionmaker(settings.database_url)
    runner = Worker(build_jobs(settings, session_factory), session_factory, retry_seconds=settings.worker_retry_seconds)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    port = settings.worker_port if port is None else port
    server = serve_health(runner, host, port) if port else None
    logging.getLogger(__name__).info(
        "dvc worker: %s; /health trên %s:%s", ", ".join(f"{j.name} mỗi {j.interval_seconds:g} giây" for j in runner.jobs), host, port
    )
    try:
        runner.run(stop)
    finally:
        if server is not None:
            server.shutdown()
