"""Shared fixtures: real databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dichvucong.config import Settings
from dichvucong.db.admin import create_database, drop_database, unique_name
from dichvucong.db.migrate import upgrade
from dichvucong.db.session import get_engine, get_sessionmaker
from dichvucong.seed import seed_demo_data

FIXTURES = Path(__file__).parent / "fixtures"

# The trained model and running-stack fixtures, shared by e2e, production, console, browser tests.
pytest_plugins = ["tests.stack"]

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


#: Template databases of this test run, by what they were filled with (dropped at the end).
_POSTGRES_TEMPLATES: dict[str, str] = {}


def _create_postgres_database(
    fill: Callable[[str], None] = upgrade, key: str = "migrated"
) -> tuple[str, str]:
    """A new PostgreSQL database for one test holding what ``fill`` writes into an empty one
    (by default: migrated, no rows); returns (url, name).

    ``fill`` runs once per ``key`` and run, into a template database; each test gets a copy
    of it (``CREATE DATABASE … TEMPLATE``), which takes a fraction of migrating and importing
    the demo data again."""
    admin_url = os.environ["TEST_DATABASE_URL"]
    template = _POSTGRES_TEMPLATES.get(key)
    if template is None:
        template = unique_name("dvc_template")
        template_url = create_database(admin_url, template)
        try:
            fill(template_url)
        except BaseException:
            _drop_postgres_database(template)  # a half-filled template is copied by no test
            raise
        get_engine(template_url).dispose()  # a template may have no open connection
        get_engine.cache_clear()
        get_sessionmaker.cache_clear()
        _POSTGRES_TEMPLATES[key] = template
    name = unique_name("dvc_test")
    return create_database(admin_url, name, template=template), name


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_templates() -> Iterator[None]:
    """Drop the run's template databases when the run ends."""
    yield
    for template in _POSTGRES_TEMPLATES.values():
        drop_database(os.environ["TEST_DATABASE_URL"], template)
    _POSTGRES_TEMPLATES.clear()


def _drop_postgres_database(name: str) -> None:
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
    drop_database(os.environ["TEST_DATABASE_URL"], name)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database of each configured backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        upgrade(url)
        yield url
        get_engine(url).dispose()
    else:
        url, name = _create_postgres_database()
        yield url
        get_engine(url).dispose()
        _drop_postgres_database(name)


@pytest.fixture
def session_factory(database_url: str) -> sessionmaker[Session]:
    return get_sessionmaker(database_url)


@pytest.fixture
def db_session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


def seed_database(url: str) -> None:
    """Import the demo data the way `dvc seed` does."""
    seed_demo_data(url)


@pytest.fixture(scope="session")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One SQLite database with the demo data, shared read-only by many tests."""
    url = f"sqlite:///{tmp_path_factory.mktemp('seeded') / 'seeded.db'}"
    upgrade(url)
    seed_database(url)
    return url


@pytest.fixture
def settings(seeded_url: str) -> Settings:
    return Settings(database_url=seeded_url, search_refresh_seconds=0)
