"""The action server's search index is rebuilt beside the questions, not inside one of them."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import dichvucong.search.service as search_service
from dichvucong.catalog.importer import import_catalog
from dichvucong.db.session import get_sessionmaker
from dichvucong.search import SearchService
from dichvucong.seed import seed_demo_data
from tests.unit.test_catalog_importer import _record, _write

NEW_PROCEDURE = ("9.200001", "Cấp giấy phép khai thác nước dưới đất")
QUESTION = "cấp phép khai thác nước dưới đất"


def codes(service: SearchService) -> list[str]:
    return [hit.code for hit in service.search(QUESTION, k=3)]


def settle(service: SearchService) -> None:
    """Let any rebuild started by earlier questions finish, then check the content once more."""
    for _ in range(2):
        service.wait_for_rebuild(timeout=60)
        service.refresh()
    service.wait_for_rebuild(timeout=60)


def test_questions_are_answered_from_the_old_index_until_the_new_one_is_ready(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_demo_data(database_url)
    service = SearchService(get_sessionmaker(database_url), refresh_seconds=0, background=True)
    service.refresh()  # the first build happens in the call
    assert NEW_PROCEDURE[0] not in codes(service)

    with get_sessionmaker(database_url)() as session:
        import_catalog(session, _write(tmp_path, [_record(*NEW_PROCEDURE)]))

    release = threading.Event()
    plain_load = search_service.load_documents

    def slow_load(session, **kwargs):  # type: ignore[no-untyped-def]
        release.wait(timeout=60)
        return plain_load(session, **kwargs)

    monkeypatch.setattr(search_service, "load_documents", slow_load)
    assert NEW_PROCEDURE[0] not in codes(service)  # answered at once, from the previous index
    assert NEW_PROCEDURE[0] not in codes(service)
    release.set()
    service.wait_for_rebuild(timeout=60)
    assert codes(service)[0] == NEW_PROCEDURE[0]


def test_a_failed_rebuild_keeps_the_previous_index(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_demo_data(database_url)
    service = SearchService(get_sessionmaker(database_url), refresh_seconds=0, background=True)
    service.refresh()
    before = codes(service)
    with get_sessionmaker(database_url)() as session:
        import_catalog(session, _write(tmp_path, [_record(*NEW_PROCEDURE)]))

    def broken_load(session, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("database went away")

    monkeypatch.setattr(search_service, "load_documents", broken_load)
    settle(service)
    assert codes(service) == before

    monkeypatch.undo()
    settle(service)
    assert codes(service)[0] == NEW_PROCEDURE[0]


def test_a_rebuild_after_a_thesaurus_change_reads_texts_anew() -> None:
    """Analyses are reused between rebuilds only while the thesaurus is the same."""
    from dichvucong.search.index import IndexedDoc, SearchIndex
    from dichvucong.search.synonyms import Canonicalizer

    doc = IndexedDoc("procedure", 1, "P", "Cấp bằng lái", (("Cấp bằng lái", 3),))
    before = SearchIndex([doc]).terms_of("procedure", "P")
    with_thesaurus = SearchIndex([doc], synonyms=Canonicalizer.from_groups([("giấy phép lái xe", ["bằng lái"])]))
    assert "giay_phep" in with_thesaurus.terms_of("procedure", "P") and "giay_phep" not in before
    assert SearchIndex([doc]).terms_of("procedure", "P") == before
