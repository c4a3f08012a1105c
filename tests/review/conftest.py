"""Review fixtures: real conversations through the REST channel of the run's one stack, then
the review service pointed at that stack's tracker store (read-only) or at copies of it.

Citizens (unique sender ids per run, so other tests' conversations in the same tracker store
never matter) ask a procedure question and press 👎, say something the bot does not
understand, ask for a person, send a phone number and an application code, ask and press 👍,
and ask something the bot has no answer for.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from dichvucong.catalog.importer import import_catalog
from dichvucong.config import Settings
from dichvucong.console.services.accounts import create_user
from dichvucong.db.migrate import upgrade
from dichvucong.db.models import AnswerFeedback
from dichvucong.db.session import get_engine, get_sessionmaker
from dichvucong.devstack import StackConfig
from dichvucong.faqs.importer import import_faqs
from dichvucong.review.tracker import EVENTS, dispose_engines, readonly_engine
from dichvucong.seed import CATALOG_FILE, FAQ_FILE
from tests.conftest import BACKENDS, _create_postgres_database, _drop_postgres_database
from tests.console.conftest import PASSWORD, SECRET, ConsoleClient, fast_password_hashing, signed_in  # noqa: F401
from tests.stack import Citizen

PHONE = "0912345678"
CODE = "000.00.04.H51-251120-0007"
PERSONAL_TEXT = f"số điện thoại của tôi là {PHONE}, hồ sơ {CODE} sao rồi"
UNCLEAR_CANDIDATES = ["cho hỏi", "blah blah", "ừm cái đó đó", "??"]  # the first the model does not understand is used


@dataclass
class Chats:
    """Sender ids of the conversations, by what happened in them."""

    procedure: str  # "làm lại căn cước mất bao nhiêu tiền" (ask_fee, 1.012354), then 👎
    fallback: str  # nlu_fallback → action_clarify
    human: str  # "gặp cán bộ" (ask_human)
    personal: str  # a phone number and an application code
    positive: str  # "đăng ký kết hôn cần giấy tờ gì" (ask_documents, 1.000894), then 👍
    unanswered: str  # something no procedure or FAQ answers
    unclear_text: str
    tracker_db: Path
    database_url: str

    @property
    def senders(self) -> list[str]:
        return [self.procedure, self.fallback, self.human, self.personal, self.positive, self.unanswered]


def _intent_of_first_message(tracker_db: Path, sender: str) -> str | None:
    engine = readonly_engine(f"sqlite:///{tracker_db}")
    assert engine is not None
    with engine.connect() as connection:
        return connection.scalar(
            select(EVENTS.c.intent_name).where(EVENTS.c.sender_id == sender, EVENTS.c.type_name == "user").order_by(EVENTS.c.id)
        )


@pytest.fixture(scope="session")
def chats(stack: StackConfig) -> Chats:
    """The conversations, each through the REST channel of the running stack."""
    run = uuid.uuid4().hex[:6]

    def sender(name: str) -> str:
        return f"rv-{run}-{name}"

    procedure = Citizen(stack, sender("thu-tuc"))
    messages = procedure.say("làm lại căn cước mất bao nhiêu tiền")
    assert "/feedback_negative" in [b["payload"] for m in messages for b in m.get("buttons", [])]
    assert "Xin lỗi" in procedure.text("/feedback_negative")

    unclear_sender, unclear_text = "", ""
    for index, candidate in enumerate(UNCLEAR_CANDIDATES):
        unclear_sender = sender(f"khong-hieu-{index}")
        Citizen(stack, unclear_sender).say(candidate)
        if _intent_of_first_message(stack.tracker_db, unclear_sender) == "nlu_fallback":
            unclear_text = candidate
            break
    assert unclear_text, "the model understood every 'unclear' candidate"

    Citizen(stack, sender("can-bo")).say("gặp cán bộ")
    Citizen(stack, sender("ca-nhan")).say(PERSONAL_TEXT)
    positive = Citizen(stack, sender("hai-long"))
    positive.say("đăng ký kết hôn cần giấy tờ gì")
    positive.say("/feedback_positive")
    Citizen(stack, sender("khong-thay")).say("xyz abc qwerty trời mưa")
    return Chats(
        procedure=sender("thu-tuc"), fallback=unclear_sender, human=sender("can-bo"), personal=sender("ca-nhan"),
        positive=sender("hai-long"), unanswered=sender("khong-thay"), unclear_text=unclear_text,
        tracker_db=stack.tracker_db, database_url=stack.database_url or "",
    )


def sqlite_copy(source: Path, target: Path) -> Path:
    """A consistent copy of a live SQLite file (the backup API; the running one is only read)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one file: later edits never sit in a -wal beside it
    finally:
        dst.close()
        src.close()
    return target


@pytest.fixture(scope="session")
def review_template(chats: Chats, tmp_path_factory: pytest.TempPathFactory, fast_password_hashing: None) -> Path:  # noqa: F811
    """Our database as the stack left it (catalogue, FAQs, the citizens' ratings), plus one
    account per role."""
    path = sqlite_copy(Path(chats.database_url.removeprefix("sqlite:///")), tmp_path_factory.mktemp("review") / "template.db")
    url = f"sqlite:///{path}"
    upgrade(url)
    with get_sessionmaker(url)() as session:
        for role in ("admin", "editor", "reviewer"):
            create_user(session, f"{role}1", PASSWORD, role, f"Cán bộ {role}")
        session.commit()
    get_engine(url).dispose()
    return path


def _fill_postgres(url: str, template: Path) -> None:
    """The template's content in a fresh PostgreSQL database."""
    upgrade(url)
    source = get_sessionmaker(f"sqlite:///{template}")
    with get_sessionmaker(url)() as session, source() as old:
        import_catalog(session, CATALOG_FILE)
        import_faqs(session, FAQ_FILE)
        for role in ("admin", "editor", "reviewer"):
            create_user(session, f"{role}1", PASSWORD, role, f"Cán bộ {role}")
        for row in old.scalars(select(AnswerFeedback)):
            session.add(AnswerFeedback(**{c: getattr(row, c) for c in (
                "sender_id", "channel", "rating", "question", "answer", "answer_timestamp", "procedure_code", "faq_id", "created_at")}))
        session.commit()


@pytest.fixture(params=BACKENDS)
def review_db(request: pytest.FixtureRequest, review_template: Path, tmp_path: Path) -> Iterator[str]:
    """Our database for one test: a copy of the template (SQLite), and PostgreSQL when configured."""
    if request.param == "sqlite":
        target = tmp_path / "review.db"
        shutil.copyfile(review_template, target)
        url = f"sqlite:///{target}"
        yield url
        get_engine(url).dispose()
    else:
        url, name = _create_postgres_database(lambda new: _fill_postgres(new, review_template), key="review")
        yield url
        get_engine(url).dispose()
        _drop_postgres_database(name)


@pytest.fixture
def live_tracker(chats: Chats) -> Iterator[str]:
    """The running stack's tracker store, opened read-only by the review service."""
    yield f"sqlite:///{chats.tracker_db}"
    dispose_engines()


@pytest.fixture(scope="session")
def own_tracker_template(chats: Chats, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the tracker store with only this run's conversations (figures are exact)."""
    path = sqlite_copy(chats.tracker_db, tmp_path_factory.mktemp("tracker") / "tracker.db")
    with sqlite3.connect(path) as connection:
        marks = ",".join("?" for _ in chats.senders)
        connection.execute(f"DELETE FROM events WHERE sender_id NOT IN ({marks})", chats.senders)
    return path


@pytest.fixture
def own_tracker(own_tracker_template: Path, tmp_path: Path) -> Iterator[str]:
    """A per-test copy of :func:`own_tracker_template` (retention may delete from it)."""
    target = tmp_path / "tracker.db"
    shutil.copyfile(own_tracker_template, target)
    yield f"sqlite:///{target}"
    dispose_engines()


def review_settings(database_url: str, tracker_url: str, page_size: int = 20) -> Settings:
    return Settings(
        database_url=database_url, tracker_store_url=tracker_url, search_refresh_seconds=0,
        console_secret_key=SECRET, console_page_size=page_size, review_sync_settle_seconds=10,
    )


@pytest.fixture
def settings_live(review_db: str, live_tracker: str) -> Settings:
    return review_settings(review_db, live_tracker)


@pytest.fixture
def app(settings_live: Settings) -> FastAPI:
    from dichvucong.api.app import create_app

    return create_app(settings_live)


@pytest.fixture
def client(app: FastAPI) -> Iterator[ConsoleClient]:
    with TestClient(app) as test_client:
        yield ConsoleClient(test_client)


@pytest.fixture
def reviewer(client: ConsoleClient) -> ConsoleClient:
    return signed_in(client, "reviewer1")


@pytest.fixture
def admin(app: FastAPI) -> Iterator[ConsoleClient]:
    with TestClient(app) as test_client:
        yield signed_in(ConsoleClient(test_client), "admin1")


@pytest.fixture
def editor(app: FastAPI) -> Iterator[ConsoleClient]:
    with TestClient(app) as test_client:
        yield signed_in(ConsoleClient(test_client), "editor1")


def only_ratings_of(database_url: str, senders: list[str]) -> None:
    """Drop other tests' ratings from a copy of our database (exact dashboard figures)."""
    with get_sessionmaker(database_url)() as session:
        session.execute(delete(AnswerFeedback).where(AnswerFeedback.sender_id.not_in(senders)))
        session.commit()
