"""Procedures are read once per content revision, and an edit is seen once the revision moves."""

from __future__ import annotations

from sqlalchemy import select

from dichvucong.assistant.catalogue_cache import ProcedureCache
from dichvucong.db.models import Procedure
from dichvucong.db.revision import current_revision
from dichvucong.db.session import get_sessionmaker
from dichvucong.seed import seed_demo_data

CODE = "1.012354"  # cấp lại thẻ căn cước (demo catalogue)


def test_an_edit_is_seen_when_the_revision_moves(database_url: str) -> None:
    seed_demo_data(database_url)
    sessions = get_sessionmaker(database_url)
    cache = ProcedureCache(sessions)
    with sessions() as session:
        revision = current_revision(session)
    first = cache.get(CODE, revision)
    assert first is not None and first.documents  # lists loaded, usable outside the session
    assert cache.get(CODE, revision) is first

    with sessions() as session:
        procedure = session.scalar(select(Procedure).where(Procedure.code == CODE))
        procedure.name = "Cấp lại thẻ căn cước (đã sửa)"
        session.commit()
        new_revision = current_revision(session)
    assert new_revision != revision
    assert cache.get(CODE, revision).name == first.name  # same revision: the kept copy
    assert cache.get(CODE, new_revision).name == "Cấp lại thẻ căn cước (đã sửa)"


def test_unknown_and_disabled_procedures_are_none_and_size_is_bounded(database_url: str) -> None:
    seed_demo_data(database_url)
    sessions = get_sessionmaker(database_url)
    with sessions() as session:
        codes = list(session.scalars(select(Procedure.code).limit(5)))
        revision = current_revision(session)
    cache = ProcedureCache(sessions, max_size=3)
    assert cache.get("0.000000", revision) is None
    for code in codes:
        assert cache.get(code, revision) is not None
    assert len(cache._procedures) == 3
