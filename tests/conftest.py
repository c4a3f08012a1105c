"""Shared fixtures: real databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
from collections.abc import Iterator
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


def _create_postgres_database() -> tuple[str, str]:
    """A new, empty PostgreSQL database for one test; returns (url, name)."""
    name = unique_name("dvc_test")
    return create_database(os.environ["TEST_DATABASE_URL"], name), name


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
        upgrade(url)
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
