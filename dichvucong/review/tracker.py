"""Rasa's SQL tracker store, opened READ-ONLY: its ``events`` table and its URL.

Rasa owns that database. The console reads it through an engine that cannot write (SQLite
``mode=ro``; PostgreSQL ``default_transaction_read_only``). The one writer on our side is
``dvc retention`` (:func:`writable_engine`), an explicit operator command.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Column, Engine, Float, Integer, MetaData, String, Table, Text, create_engine, inspect
from sqlalchemy.engine import make_url

from dichvucong.config import PROJECT_ROOT

# The table exactly as Rasa 3.6's SQLTrackerStore creates it (rasa/core/tracker_store.py).
EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


def normalize_url(url: str) -> str:
    """Rasa's URL for our engine: a relative SQLite path is taken from the project folder and
    ``postgresql://`` / ``postgres://`` / ``+psycopg2`` become psycopg 3 (``postgresql+psycopg``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:") and not Path(database).is_absolute():
            parsed = parsed.set(database=str(PROJECT_ROOT / database))
        return parsed.render_as_string(hide_password=False)
    if parsed.get_backend_name() in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def public_source(url: str) -> str:
    """The URL without its password (stored in our database, shown to officials)."""
    return make_url(normalize_url(url)).render_as_string(hide_password=True)


def sqlite_path(url: str) -> Path | None:
    """The database file of an SQLite URL, or ``None`` for other databases."""
    parsed = make_url(normalize_url(url))
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" and parsed.database else None


_ENGINES: dict[str, Engine] = {}
_WITH_EVENTS: set[str] = set()
_LOCK = threading.Lock()


def _new_readonly_engine(url: str) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        # URI mode: the file is opened read-only and never created.
        return create_engine(
            f"sqlite:///file:{path}?mode=ro&uri=true", connect_args={"uri": True, "check_same_thread": False, "timeout": 30}
        )
    return create_engine(
        normalize_url(url), pool_pre_ping=True, pool_size=3, max_overflow=5,
        connect_args={"options": "-c default_transaction_read_only=on"},
    )


def readonly_engine(url: str) -> Engine | None:
    """An engine that can only read the tracker store (one per URL and process); ``None``
    while the store has no ``events`` table yet (Rasa creates it at its first start)."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return None
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _ENGINES[url] = _new_readonly_engine(url)
    if url not in _WITH_EVENTS:
        with engine.connect() as connection:
            if not inspect(connection).has_table("events"):
                return None
        _WITH_EVENTS.add(url)
    return engine


def writable_engine(url: str) -> Engine:
    """For ``dvc retention`` only: the one place that deletes from Rasa's events table."""
    path = sqlite_path(url)
    if path is not None:
        return create_engine(f"sqlite:///{path}", connect_args={"timeout": 60})
    return create_engine(normalize_url(url), pool_pre_ping=True)


def dispose_engines() -> None:
    """Close the cached read-only engines (tests and tools that replace tracker files)."""
    with _LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()
        _WITH_EVENTS.clear()
