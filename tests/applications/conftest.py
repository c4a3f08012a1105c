"""Helpers for the application-status tests: CSV rows, an injectable clock, fake HTTP servers."""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dichvucong.applications.importer import import_applications
from dichvucong.applications.lookup import StatusLookupService
from dichvucong.applications.sources import DatabaseSource
from dichvucong.config import Settings
from dichvucong.db.models import Procedure

COLUMNS = [
    "code", "procedure_code", "applicant_name", "phone", "status", "received_at", "due_at", "completed_at",
    "agency", "current_step", "missing_documents", "note", "new_due_at", "fees_due", "pickup_place",
]
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=timezone.utc)  # 10:00 in Vietnam


def row(**overrides: Any) -> dict[str, Any]:
    """A valid CSV row (status processing, phone ending 5678), with ``overrides``."""
    base = {
        "code": "000.21.10.H51-261120-0007",
        "procedure_code": "1.004194",
        "applicant_name": "Nguyễn Văn Thử",
        "phone": "0900005678",
        "status": "processing",
        "received_at": "20/11/2026 08:30",
        "due_at": "01/12/2026 16:00",
        "completed_at": "",
        "agency": "Công an phường Nam Gia Nghĩa",
        "current_step": "Thẩm định hồ sơ",
        "missing_documents": "",
        "note": "",
        "new_due_at": "",
        "fees_due": "",
        "pickup_place": "",
    }
    base.update(overrides)
    return base


def write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str] | None = None, delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns or COLUMNS, delimiter=delimiter, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def add_procedures(session: Session, names: dict[str, str]) -> None:
    for code, name in names.items():
        session.add(Procedure(code=code, name=name))
    session.commit()


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings with the lookup limits spelled out, whatever the developer's .env says."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "hotline": "1022",
        "portal_url": "https://dichvucong.gov.vn",
        "application_source": "database",
        "lookup_max_failures": 3,
        "lookup_lock_minutes": 15,
        "lookup_max_codes_per_window": 5,
        "lookup_window_minutes": 10,
        "lookup_code_delay_after": 3,
        "lookup_code_delay_window_minutes": 15,
        "lookup_code_delay_seconds": 60,
        "lookup_code_lock_after": 10,
        "lookup_code_lock_window_hours": 24,
        "lookup_office_place": "tại Trung tâm Phục vụ hành chính công phường",
        "telegram_bot_token": "",
    }
    values.update(overrides)
    return Settings(**values)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@dataclass
class Loaded:
    """A database with applications imported, and a lookup service on it."""

    session_factory: sessionmaker[Session]
    settings: Settings
    service: StatusLookupService
    path: Path

    def reimport(self, rows: list[dict[str, Any]], clock: Callable[[], datetime] | None = None) -> Any:
        write_csv(self.path, rows)
        with self.session_factory() as session:
            return import_applications(session, self.path, clock=clock or (lambda: NOW))


@pytest.fixture
def load(session_factory: sessionmaker[Session], database_url: str, tmp_path: Path, clock: Clock) -> Callable[..., Loaded]:
    """Import ``rows`` and return the lookup service over them (clock injected)."""

    def _load(rows: list[dict[str, Any]], **settings_overrides: Any) -> Loaded:
        settings = make_settings(database_url, **settings_overrides)
        path = write_csv(tmp_path / "applications.csv", rows)
        with session_factory() as session:
            report = import_applications(session, path, clock=lambda: NOW)
        assert not report.skipped, report.skipped
        service = StatusLookupService(session_factory, DatabaseSource(session_factory), settings, clock=clock)
        return Loaded(session_factory, settings, service, path)

    return _load


# --- a tiny HTTP server on 127.0.0.1, answering from a Python function ---------------------------


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Response:
    status: int = 200
    body: Any = None  # dict/list → JSON; str/bytes sent as they are
    delay: float = 0.0


@dataclass
class FakeServer:
    url: str
    requests: list[Request] = field(default_factory=list)


@pytest.fixture
def fake_server() -> Iterator[Callable[[Callable[[Request], Response]], FakeServer]]:
    """Start servers with ``fake_server(respond)``; all are stopped at the end of the test."""
    started: list[tuple[ThreadingHTTPServer, threading.Event]] = []

    def start(respond: Callable[[Request], Response]) -> FakeServer:
        release = threading.Event()
        record: list[Request] = []

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self.command, self.path, dict(self.headers), self.rfile.read(length))
                record.append(request)
                response = respond(request)
                if response.delay:
                    release.wait(response.delay)  # a slow server; released early at teardown
                body = response.body
                if isinstance(body, (dict, list)):
                    payload = json.dumps(body, ensure_ascii=False).encode()
                elif isinstance(body, str):
                    payload = body.encode()
                else:
                    payload = body or b""
                try:
                    self.send_response(response.status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up waiting

            do_GET = do_POST = _handle

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        started.append((server, release))
        return FakeServer(f"http://127.0.0.1:{server.server_address[1]}", record)

    yield start
    for server, release in started:
        release.set()
        server.shutdown()
        server.server_close()
