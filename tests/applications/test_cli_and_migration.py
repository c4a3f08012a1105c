"""`dvc import-applications`, `dvc notify`, and the 0002 migration going down and up again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from typer.testing import CliRunner

from dichvucong.cli import app
from dichvucong.config import get_settings
from dichvucong.db.migrate import downgrade, upgrade
from dichvucong.db.models import Notification
from dichvucong.db.session import get_engine, get_sessionmaker
from tests.applications.conftest import FakeServer, Loaded, Request, Response, row, write_csv

CODE = "000.21.10.H51-261120-0007"
TABLES = {"applications", "application_status_events", "lookup_attempts", "status_subscriptions", "notifications"}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Environment changes seen by get_settings(), undone afterwards."""
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def test_migration_0002_goes_down_and_up(database_url: str) -> None:
    get_engine(database_url).dispose()
    downgrade(database_url, "0001")
    assert not TABLES & set(inspect(get_engine(database_url)).get_table_names())
    get_engine(database_url).dispose()
    upgrade(database_url)
    assert set(inspect(get_engine(database_url)).get_table_names()) >= TABLES


def test_import_command_reports_and_sends_notifications(
    load: Callable[..., Loaded], database_url: str, tmp_path: Path, fake_server: Callable[..., FakeServer],
    env: pytest.MonkeyPatch,
) -> None:
    loaded = load([row()])
    loaded.service.verify("555", "telegram", CODE, "5678")
    assert loaded.service.subscribe("555", "telegram", CODE)
    received: list[Request] = []

    def telegram(request: Request) -> Response:
        received.append(request)
        return Response(200, {"ok": True})

    server = fake_server(telegram)
    env.setenv("TELEGRAM_BOT_TOKEN", "42:abc")
    env.setenv("TELEGRAM_API_BASE_URL", server.url)
    path = write_csv(tmp_path / "update.csv", [row(status="ready"), row(code="bad-code")])
    result = CliRunner().invoke(app, ["import-applications", str(path), "--database-url", database_url])
    assert result.exit_code == 0, result.output
    assert "cập nhật 1" in result.output and "bỏ qua 1" in result.output and "dòng 3" in result.output
    assert "Đã gửi 1" in result.output
    assert [r.json()["chat_id"] for r in received] == ["555"]
    with get_sessionmaker(database_url)() as session:
        assert session.scalar(select(Notification.sent_at)) is not None

    result = CliRunner().invoke(app, ["notify", "--database-url", database_url])
    assert result.exit_code == 0 and "Đã gửi 0" in result.output


def test_notify_without_a_sender_explains(database_url: str, env: pytest.MonkeyPatch) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", "")
    result = CliRunner().invoke(app, ["notify", "--database-url", database_url])
    assert result.exit_code == 0 and "TELEGRAM_BOT_TOKEN" in result.output


def test_bad_file_exits_with_an_error(database_url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [row()], columns=["code"])
    result = CliRunner().invoke(app, ["import-applications", str(path), "--database-url", database_url])
    assert result.exit_code == 1
