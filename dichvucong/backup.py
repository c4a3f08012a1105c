"""Back up and restore our PostgreSQL database with pg_dump / pg_restore (custom format)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """pg_dump or pg_restore failed, or the database is not PostgreSQL."""


def libpq_url(database_url: str) -> str:
    """The URL without SQLAlchemy's driver suffix, as pg_dump expects it."""
    url = make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        raise BackupError("Sao lưu bằng pg_dump chỉ áp dụng cho PostgreSQL (SQLite: sao chép tệp .db khi dừng dịch vụ).")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"Không tìm thấy {command[0]} (cài gói postgresql-client).")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or f"{command[0]} thất bại")


def backup(database_url: str, target: Path) -> Path:
    """Dump the whole database to ``target`` (pg_dump custom format, compressed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), libpq_url(database_url)])
    return target


def restore(database_url: str, source: Path) -> None:
    """Restore ``source`` into the database, replacing the objects it contains."""
    if not source.exists():
        raise BackupError(f"Không tìm thấy tệp sao lưu {source}.")
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname", libpq_url(database_url), str(source)])
