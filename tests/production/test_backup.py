"""Backup and restore of our PostgreSQL database, as documented in docs/operations.md."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from dichvucong.backup import BackupError, backup, restore
from dichvucong.db import admin
from dichvucong.db.migrate import upgrade
from dichvucong.db.models import Faq, Procedure
from dichvucong.db.session import get_engine, get_sessionmaker
from dichvucong.seed import seed_demo_data

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_url() -> Iterator[str]:
    admin_url = os.environ.get("TEST_DATABASE_URL", "")
    if not admin_url.startswith("postgresql"):
        pytest.skip("needs TEST_DATABASE_URL pointing at PostgreSQL")
    name = admin.unique_name("dvc_backup")
    url = admin.create_database(admin_url, name)
    yield url
    get_engine(url).dispose()
    admin.drop_database(admin_url, name)


def _counts(url: str) -> tuple[int, int]:
    with get_sessionmaker(url)() as session:
        return (
            session.scalar(select(func.count()).select_from(Procedure)) or 0,
            session.scalar(select(func.count()).select_from(Faq)) or 0,
        )


def test_backup_then_restore_brings_the_data_back(postgres_url: str, tmp_path: Path) -> None:
    upgrade(postgres_url)
    seed_demo_data(postgres_url)
    before = _counts(postgres_url)
    dump = backup(postgres_url, tmp_path / "dichvucong.dump")
    assert dump.stat().st_size > 0
    with get_sessionmaker(postgres_url)() as session:  # an accident: the FAQs are gone
        session.execute(delete(Faq))
        session.commit()
    assert _counts(postgres_url)[1] == 0
    get_engine(postgres_url).dispose()
    restore(postgres_url, dump)
    assert _counts(postgres_url) == before


def test_sqlite_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="PostgreSQL"):
        backup(f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "x.dump")
