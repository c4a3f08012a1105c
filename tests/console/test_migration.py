"""Migration 0003: console tables and faqs.deleted_at come and go cleanly."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from dichvucong.db.migrate import downgrade, upgrade
from tests.console.conftest import ConsoleClient


def test_migration_0003_down_and_up(database_url: str) -> None:
    def state() -> tuple[set[str], set[str]]:
        engine = create_engine(database_url)
        try:
            inspector = inspect(engine)
            return set(inspector.get_table_names()), {c["name"] for c in inspector.get_columns("faqs")}
        finally:
            engine.dispose()

    tables, faq_columns = state()
    assert {"console_users", "console_sessions", "content_versions"} <= tables and "deleted_at" in faq_columns
    downgrade(database_url, "0002")
    tables, faq_columns = state()
    assert not {"console_users", "console_sessions", "content_versions"} & tables and "deleted_at" not in faq_columns
    upgrade(database_url)
    assert "deleted_at" in state()[1]


def test_unknown_console_pages_and_api_404s(editor: ConsoleClient) -> None:
    page = editor.get("/console/khong-co-trang-nay")
    assert page.status_code == 404 and "Trang này không tồn tại" in page.text
    assert editor.get("/console/faqs/999999").status_code == 404
    assert editor.http.get("/api/khong-co").json() == {"detail": "Not Found"}
