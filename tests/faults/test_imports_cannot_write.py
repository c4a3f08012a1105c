"""(e) The disk fills up half way through a status import, or the database is read-only: the
import stops with one clear line and nothing is half-written (no status changed, nobody notified)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from dichvucong.applications.importer import import_applications
from dichvucong.db.admin import create_database, drop_database, unique_name
from dichvucong.db.migrate import upgrade
from dichvucong.db.models import Application, Notification, StatusSubscription
from dichvucong.db.session import get_engine, get_sessionmaker
from dichvucong.devstack import APP_BIN
from dichvucong.seed import APPLICATIONS_FILE
from tests.faults.conftest import require_postgres_and_redis

pytestmark = pytest.mark.postgres
# The trigger PostgreSQL runs for the third application of the file: "could not extend file".
DISK_FULL = """
CREATE FUNCTION dvc_test_disk_full() RETURNS trigger AS $$
BEGIN
  IF NEW.code = '000.22.05.H51-261124-0003' THEN
    RAISE EXCEPTION 'could not extend file "base/16384/24576": No space left on device' USING ERRCODE = 'disk_full';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER dvc_test_disk_full BEFORE UPDATE ON applications FOR EACH ROW EXECUTE FUNCTION dvc_test_disk_full();
"""


@pytest.fixture
def loaded_database() -> Iterator[tuple[str, str, str]]:
    admin_url = require_postgres_and_redis()
    name = unique_name("dvc_fault_import")
    url = create_database(admin_url, name)
    upgrade(url)
    with get_sessionmaker(url)() as session:
        import_applications(session, APPLICATIONS_FILE)
        session.add_all(StatusSubscription(application_id=app.id, channel="telegram", recipient_id=f"telegram:{7400000 + app.id}")
                        for app in session.scalars(select(Application)))
        session.commit()
    yield admin_url, name, url
    get_engine(url).dispose()
    drop_database(admin_url, name)


def _everything_ready(tmp_path: Path) -> Path:
    """The official's new export: every application now 'ready'."""
    lines = APPLICATIONS_FILE.read_text(encoding="utf-8").splitlines()
    rows = [lines[0]] + [",".join([*line.split(",")[:4], "ready", *line.split(",")[5:]]) for line in lines[1:] if line.strip()]
    path = tmp_path / "applications.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _state(url: str) -> tuple[dict[str, str], int]:
    with get_sessionmaker(url)() as session:
        statuses = dict(session.execute(select(Application.code, Application.status)).all())
        return statuses, int(session.scalar(select(func.count()).select_from(Notification)) or 0)


@pytest.mark.parametrize("fault", ["disk full half way", "read-only database"])
def test_an_import_that_cannot_be_stored_changes_nothing(loaded_database: tuple[str, str, str], tmp_path: Path, fault: str) -> None:
    admin_url, name, url = loaded_database
    before = _state(url)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    if fault == "disk full half way":
        with create_engine(url).connect() as connection:
            connection.execute(text(DISK_FULL))
            connection.commit()
    else:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    result = subprocess.run(
        [str(APP_BIN / "dvc"), "import-applications", str(_everything_ready(tmp_path)), "--database-url", url],
        capture_output=True, text=True, timeout=120, env={**os.environ, "DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": ""},
    )
    if fault == "read-only database":
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = off'))
    admin.dispose()
    said = " ".join((result.stdout + result.stderr).split())
    print(f"\n{fault}: the official saw (exit {result.returncode}): {said}")
    assert result.returncode == 1 and "không ghi được" in said and "không có gì được thay đổi" in said
    assert "Traceback" not in said
    assert _state(url) == before  # no status changed, no notification queued
