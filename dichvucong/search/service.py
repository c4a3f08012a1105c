"""Keep a search index in step with the database and answer queries from it.

The index is rebuilt when the shared content revision moves (any importer, the console or
another process changed a procedure or FAQ). The revision is checked at most once every
``refresh_seconds`` so a burst of messages costs one cheap query, not one per message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from dichvucong.db.models import (
    Faq,
    FilingChannel,
    LegalBasis,
    Procedure,
    ProcedureResult,
    ProcedureStep,
    RequiredDocument,
    SynonymGroup,
)
from dichvucong.db.revision import current_revision
from dichvucong.search.index import DocType, IndexedDoc, SearchHit, SearchIndex
from dichvucong.search.synonyms import Canonicalizer

log = logging.getLogger(__name__)

__all__ = ["SearchHit", "SearchService", "load_documents", "load_synonyms"]

SessionFactory = Callable[[], Session]


# Field weights: how many times a field's terms count in BM25. A procedure is found by its
# name first, then the keywords officials add, then its field; an FAQ by its question, its
# other phrasings, then its tags. An FAQ's answer helps BM25 find it as *context* but never
# counts towards what the FAQ covers of a question (docs/answers.md). Procedure contents
# (documents, conditions) are not indexed: they made the wrong procedure win (measured).
PROCEDURE_FIELDS = {"name": 3, "keywords": 2, "field": 1}
FAQ_FIELDS = {"question": 3, "alternatives": 2, "tags": 1}
FAQ_ANSWER_WEIGHT = 1


def load_synonyms(session: Session) -> Canonicalizer:
    """The officials' thesaurus: enabled synonym groups, as a canonicaliser."""
    rows = session.execute(
        select(SynonymGroup.canonical, SynonymGroup.variants).where(
            SynonymGroup.enabled.is_(True), SynonymGroup.deleted_at.is_(None)
        )
    ).all()
    return Canonicalizer.from_groups((canonical, variants or []) for canonical, variants in rows)


def _procedure_detail(p: Procedure) -> str:
    return ", ".join(part for part in (p.level, p.field) if part) or p.code


def _keyword_parts(keywords: str) -> tuple[str, ...]:
    """Keywords are comma/semicolon separated phrases, each indexed as a text of its own."""
    return tuple(part.strip() for part in keywords.replace(";", ",").split(",") if part.strip())


def _procedure_texts(p: Procedure) -> tuple[tuple[str, int], ...]:
    """Name, each keyword phrase on its own (a phrasing: see ``IndexedDoc.phrasings``), field."""
    return (
        (p.name, PROCEDURE_FIELDS["name"]),
        *((part, PROCEDURE_FIELDS["keywords"]) for part in _keyword_parts(p.keywords)),
        (p.field, PROCEDURE_FIELDS["field"]),
    )


def _answerable_aspects(session: Session) -> dict[int, frozenset[str]]:
    """Per procedure id, the aspects it holds content for (a national name alone has none).

    Overview is always answerable; an aspect with no content is not an answer unit.
    """
    parts = {
        "documents": RequiredDocument,
        "fee": FilingChannel,
        "time": FilingChannel,
        "steps": ProcedureStep,
        "result": ProcedureResult,
        "legal_basis": LegalBasis,
    }
    found: dict[int, set[str]] = {}
    for aspect, model in parts.items():
        for procedure_id in session.scalars(select(model.procedure_id).distinct()):
            found.setdefault(procedure_id, set()).add(aspect)
    rows = session.execute(select(Procedure.id, Procedure.filing_address, Procedure.handling_agency, Procedure.conditions, Procedure.applicants))
    for procedure_id, address, agency, conditions, applicants in rows:
        aspects = found.setdefault(procedure_id, set())
        if address or agency or "fee" in aspects:
            aspects.add("place")
        if conditions or applicants:
            aspects.add("conditions")
        aspects.add("overview")
    return {pid: frozenset(aspects) for pid, aspects in found.items()}


def _aspect_texts(session: Session) -> dict[int, dict[str, list[str]]]:
    """Per procedure id, the text of each aspect it holds (what its answer on it says).

    A procedure answered on an aspect is that aspect's unit: "tạm trú, lên công an phường hay
    công an quận" is covered by the place of "Đăng ký tạm trú", not only by its name. These
    texts are not searched (procedure contents made the wrong procedure win in BM25); the
    selection uses them to judge how much of a question one aspect of a procedure covers.
    """
    texts: dict[int, dict[str, list[str]]] = {}

    def add(procedure_id: int, aspect: str, *parts: str | None) -> None:
        texts.setdefault(procedure_id, {}).setdefault(aspect, []).extend(p for p in parts if p)

    for pid, name, issuer in session.execute(select(RequiredDocument.procedure_id, RequiredDocument.name, RequiredDocument.issuer)):
        add(pid, "documents", name, issuer)
    channels = select(FilingChannel.procedure_id, FilingChannel.method, FilingChannel.fee_text, FilingChannel.time_text, FilingChannel.time_description)
    for pid, method, fee, time_text, time_description in session.execute(channels):
        add(pid, "fee", method, fee)
        add(pid, "time", method, time_text, time_description)
        add(pid, "place", method)
    for pid, case, description in session.execute(select(ProcedureStep.procedure_id, ProcedureStep.case, ProcedureStep.description)):
        add(pid, "steps", case, description)
    for pid, name, issuer, description in session.execute(select(ProcedureResult.procedure_id, ProcedureResult.name, ProcedureResult.issuer, ProcedureResult.description)):
        add(pid, "result", name, issuer, description)
    for pid, number, title in session.execute(select(LegalBasis.procedure_id, LegalBasis.number, LegalBasis.title)):
        add(pid, "legal_basis", number, title)
    places = select(Procedure.id, Procedure.filing_address, Procedure.handling_agency, Procedure.competent_authority, Procedure.conditions, Procedure.applicants)
    for pid, address, agency, authority, conditions, applicants in session.execute(places):
        add(pid, "place", address, agency, authority)
        add(pid, "conditions", conditions, applicants)
    return texts


def load_documents(session: Session, faq_answers: bool = True) -> list[IndexedDoc]:
    """Snapshot of everything searchable: enabled procedures and published, not deleted FAQs.

    ``faq_answers=False`` leaves FAQ answers out (the plain-BM25 baseline of ``make eval``).
    """
    docs: list[IndexedDoc] = []
    answerable = _answerable_aspects(session)
    aspect_texts = _aspect_texts(session)
    query = select(Procedure).where(Procedure.enabled.is_(True)).order_by(Procedure.id)
    for p in session.scalars(query):
        docs.append(
            IndexedDoc(
                "procedure", p.id, p.code, p.name, _procedure_texts(p),
                detail=_procedure_detail(p), aspects=answerable.get(p.id, frozenset({"overview"})),
                aspect_texts=tuple((aspect, " . ".join(parts)) for aspect, parts in aspect_texts.get(p.id, {}).items() if parts),
                phrasings=_keyword_parts(p.keywords),
            )
        )
    faqs = session.scalars(select(Faq).where(Faq.published.is_(True), Faq.deleted_at.is_(None)).order_by(Faq.id))
    for f in faqs:
        # One text per phrasing (the re-ranker leaves one out at a time to learn from them).
        texts = [
            (f.question, FAQ_FIELDS["question"]),
            *((alternative, FAQ_FIELDS["alternatives"]) for alternative in f.alt_questions or []),
            (" . ".join(f.tags or []), FAQ_FIELDS["tags"]),
        ]
        context = ((f.answer, FAQ_ANSWER_WEIGHT),) if faq_answers else ()
        names = (f.question, *(f.alt_questions or []))
        links = tuple(f.procedure_codes or [])
        docs.append(IndexedDoc(
            "faq", f.id, f.external_id, f.question, tuple(texts), names, links, context=context,
            phrasings=tuple(f.alt_questions or []),
        ))
    return docs


class SearchService:
    """Thread-safe facade: ``search(query)`` always runs on a fresh enough index.

    The content revision is checked at most every ``refresh_seconds``. When it moved, the
    index is rebuilt: inside the call by default, or, with ``background=True`` (the action
    server), in a thread while questions keep being answered from the previous index, which
    is swapped out when the new one is ready. The first build is always done in the call.
    """

    def __init__(
        self, session_factory: SessionFactory, refresh_seconds: float = 1.0, rerank: bool = False, background: bool = False
    ) -> None:
        self._session_factory = session_factory
        self._refresh_seconds = refresh_seconds
        self._rerank = rerank  # the learned FAQ re-ranker (search/rerank.py): measured, not on by default
        self._background = background
        self._lock = threading.Lock()
        self._index = SearchIndex([])
        self._revision: int | None = None
        self._checked_at = 0.0
        self._rebuilding: threading.Thread | None = None

    @property
    def revision(self) -> int | None:
        """The content revision the current index was built from."""
        return self._revision

    def refresh(self, force: bool = False) -> None:
        """Rebuild the index if the content changed since it was built (or when forced)."""
        if not force and self._revision is not None and time.monotonic() - self._checked_at < self._refresh_seconds:
            return
        with self._lock:
            if not force and self._revision is not None and time.monotonic() - self._checked_at < self._refresh_seconds:
                return
            with self._session_factory() as session:
                revision = current_revision(session)
            self._checked_at = time.monotonic()
            if not force and revision == self._revision:
                return
            if self._background and not force and self._revision is not None:
                if self._rebuilding is None or not self._rebuilding.is_alive():
                    self._rebuilding = threading.Thread(
                        target=self._rebuild_quietly, args=(revision,), name="search-index-rebuild", daemon=True
                    )
                    self._rebuilding.start()
                return
            self._build(revision)

    def wait_for_rebuild(self, timeout: float | None = None) -> None:
        """Block until a background rebuild in progress (if any) has swapped its index in."""
        rebuilding = self._rebuilding
        if rebuilding is not None:
            rebuilding.join(timeout)

    def _build(self, revision: int) -> None:
        with self._session_factory() as session:
            index = SearchIndex(load_documents(session), synonyms=load_synonyms(session), rerank=self._rerank)
        self._index, self._revision = index, revision

    def _rebuild_quietly(self, revision: int) -> None:
        try:
            self._build(revision)
        except Exception:  # noqa: BLE001 - keep answering from the previous index; the next check retries
            log.exception("Rebuilding the search index failed; answers keep using revision %s", self._revision)
            with self._lock:
                self._checked_at = 0.0

    def current_index(self) -> SearchIndex:
        """The index, rebuilt first if the content changed (for callers that rank hits further)."""
        self.refresh()
        return self._index

    def search(self, query: str, k: int = 5, types: tuple[DocType, ...] | None = None) -> list[SearchHit]:
        """Ranked hits for ``query``; ``types`` limits them to procedures or FAQs."""
        self.refresh()
        index = self._index
        hits = index.search(query, k=len(index) if types else k)
        if types:
            hits = [h for h in hits if h.type in types]
        return hits[:k]
