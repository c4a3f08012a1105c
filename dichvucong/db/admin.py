"""Create and drop PostgreSQL databases (tests, benchmarks, first start in production)."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

_SAFE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def unique_name(prefix: str) -> str:
    """A fresh database name such as ``dvc_test_3f2a9c1b0d``."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def database_url(admin_url: str, name: str, drivername: str | None = None) -> str:
    """``admin_url`` pointed at database ``name`` (optionally with another driver)."""
    url = make_url(admin_url).set(database=name)
    if drivername:
        url = url.set(drivername=drivername)
    return url.render_as_string(hide_password=False)


def _execute(admin_url: str, statement: str) -> None:
    engine = create_engine(make_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def create_database(admin_url: str, name: str, template: str | None = None) -> str:
    """Create database ``name`` (a copy of database ``template`` when given, which nobody may
    be connected to); returns its URL (same driver as ``admin_url``)."""
    for checked in (name, template or name):
        if not _SAFE_NAME.match(checked):
            raise ValueError(f"unsafe database name: {checked!r}")
    copy = f' TEMPLATE "{template}"' if template else ""
    _execute(admin_url, f'CREATE DATABASE "{name}"{copy}')
    return database_url(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    """Drop database ``name`` even if connections remain."""
    if not _SAFE_NAME.match(name):
        raise ValueError(f"unsafe database name: {name!r}")
    _execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
