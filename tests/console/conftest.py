"""Console fixtures: a seeded database per backend, the app, accounts and a signed-in client.

The running stack (`stack`) comes from tests/stack.py, loaded by tests/conftest.py for every
test, so the live test shares the one stack of the run.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from dichvucong.catalog.importer import import_catalog
from dichvucong.config import Settings
from dichvucong.console.services.accounts import create_user
from dichvucong.db.migrate import upgrade
from dichvucong.db.session import get_engine, get_sessionmaker
from dichvucong.faqs.importer import import_faqs
from dichvucong.seed import CATALOG_FILE, FAQ_FILE
from tests.conftest import BACKENDS, _create_postgres_database, _drop_postgres_database
from tests.stack import Citizen  # noqa: F401  (the `stack` fixture itself comes from the root plugin)

PASSWORD = "mat-khau-thu-nghiem-1"
SECRET = "test-console-secret-key-0123456789"
_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing() -> Iterator[None]:
    """Cheap argon2 parameters in tests (production uses argon2-cffi's defaults)."""
    from argon2 import PasswordHasher

    from dichvucong.console import security

    saved = security._hasher
    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    security._hasher = saved


def _fill(url: str) -> None:
    """Demo catalogue and FAQs, plus one account per role."""
    with get_sessionmaker(url)() as session:
        import_catalog(session, CATALOG_FILE)
        import_faqs(session, FAQ_FILE)
        for role in ("admin", "editor", "reviewer"):
            create_user(session, f"{role}1", PASSWORD, role, f"Cán bộ {role}")
        session.commit()


def _migrate_and_fill(url: str) -> None:
    upgrade(url)
    _fill(url)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory, fast_password_hashing: None) -> Path:
    """A filled SQLite file that each SQLite test copies (much faster than migrating + importing)."""
    path = tmp_path_factory.mktemp("console-template") / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    _fill(url)
    get_engine(url).dispose()  # checkpoints the WAL into the file
    return path


@pytest.fixture(params=BACKENDS)
def console_db(request: pytest.FixtureRequest, tmp_path: Path, template_db: Path) -> Iterator[str]:
    """A database with the demo catalogue, FAQs and accounts: SQLite, and PostgreSQL when configured."""
    if request.param == "sqlite":
        target = tmp_path / "console.db"
        shutil.copyfile(template_db, target)
        url = f"sqlite:///{target}"
        yield url
        get_engine(url).dispose()
    else:
        url, name = _create_postgres_database(_migrate_and_fill, key="console")
        yield url
        get_engine(url).dispose()
        _drop_postgres_database(name)


@pytest.fixture
def users(console_db: str) -> dict[str, str]:
    """Role → username of the accounts every console database has."""
    return {"admin": "admin1", "editor": "editor1", "reviewer": "reviewer1"}


@pytest.fixture
def console_settings(console_db: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=console_db,
        search_refresh_seconds=0,
        console_secret_key=SECRET,
        console_upload_dir=str(tmp_path / "uploads"),
        console_max_upload_mb=1,
        console_page_size=20,
    )


@pytest.fixture
def app(console_settings: Settings) -> FastAPI:
    from dichvucong.api.app import create_app

    return create_app(console_settings)


class ConsoleClient:
    """A browser-like client: keeps cookies, reads CSRF tokens from pages, posts forms."""

    def __init__(self, client: TestClient) -> None:
        self.http = client
        self.token = ""

    def get(self, path: str, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        response = self.http.get(path, **kwargs)
        match = _CSRF_RE.search(response.text) if response.headers.get("content-type", "").startswith("text/html") else None
        if match:
            self.token = match.group(1)
        return response

    def post(self, path: str, data: dict | None = None, files: dict | None = None, token: str | None = None, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        form = dict(data or {})
        form.setdefault("csrf_token", self.token if token is None else token)
        if token == "":
            form.pop("csrf_token")
        response = self.http.post(path, data=form, files=files, follow_redirects=False, **kwargs)
        return response

    def follow(self, response: Response) -> Response:
        assert response.status_code == 303, (response.status_code, response.text[:2000])
        return self.get(response.headers["location"])

    def login(self, username: str, password: str = PASSWORD) -> Response:
        self.get("/console/login")
        return self.post("/console/login", {"username": username, "password": password, "next": "/console"})


@pytest.fixture
def client(app: FastAPI) -> Iterator[ConsoleClient]:
    with TestClient(app) as test_client:
        yield ConsoleClient(test_client)


def signed_in(client: ConsoleClient, username: str) -> ConsoleClient:
    response = client.login(username)
    assert response.status_code == 303, response.text[:2000]
    client.get("/console")
    return client


@pytest.fixture
def editor(client: ConsoleClient, users: dict[str, str]) -> ConsoleClient:
    return signed_in(client, users["editor"])


@pytest.fixture
def admin(client: ConsoleClient, users: dict[str, str]) -> ConsoleClient:
    return signed_in(client, users["admin"])


@pytest.fixture
def reviewer(client: ConsoleClient, users: dict[str, str]) -> ConsoleClient:
    return signed_in(client, users["reviewer"])


def page_text(response: Response) -> str:
    """The visible text of an HTML page (tags removed, entities kept escaped)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))


@pytest.fixture
def admin_client(app: FastAPI, users: dict[str, str]) -> Iterator[ConsoleClient]:
    """A second browser, signed in as the admin, next to ``editor``."""
    with TestClient(app) as test_client:
        yield signed_in(ConsoleClient(test_client), users["admin"])
