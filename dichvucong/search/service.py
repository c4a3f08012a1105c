"""Keep a search index in step with the database and answer queries from it.

The index is rebuilt when the shared content revision moves (any importer, the console or
another process changed a procedure or FAQ). The revision is checked at most once every
``refresh_seconds`` so a burst of messages costs one cheap query, not one per message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from dichvucong.db.models import Faq, Procedure
from dichvucong.db.revision import current_revision
from dichvucong.search.index import DocType, IndexedDoc, SearchHit, SearchIndex

__all__ = ["SearchHit", "SearchService", "load_documents"]

SessionFactory = Callable[[], Session]


def _keyword_text(keywords: str) -> str:
    # Keywords are comma/semicolon separated phrases; a separator ends a syllable pair.
    return " . ".join(part.strip() for part in keywords.replace(";", ",").split(",") if part.strip())


def load_documents(session: Session) -> list[IndexedDoc]:
    """Snapshot of everything searchable: enabled procedures and published, not deleted FAQs."""
    docs: list[IndexedDoc] = []
    procedures = session.scalars(select(Procedure).where(Procedure.enabled.is_(True)).order_by(Procedure.id))
    for p in procedures:
        texts = ((p.name, 3), (_keyword_text(p.keywords), 2), (p.field, 1))
        docs.append(IndexedDoc("procedure", p.id, p.code, p.name, texts))
    faqs = session.scalars(select(Faq).where(Faq.published.is_(True), Faq.deleted_at.is_(None)).order_by(Faq.id))
    for f in faqs:
        alternatives = " . ".join(f.alt_questions or [])
        texts = ((f.question, 3), (alternatives, 2), (" . ".join(f.tags or []), 1))
        names = (f.question, *(f.alt_questions or []))
        docs.append(IndexedDoc("faq", f.id, f.external_id, f.question, texts, names))
    return docs


class SearchService:
    """Thread-safe facade: ``search(query)`` always runs on a fresh enough index."""

    def __init__(self, session_factory: SessionFactory, refresh_seconds: float = 1.0) -> None:
        self._session_factory = session_factory
        self._refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._index = SearchIndex([])
        self._revision: int | None = None
        self._checked_at = 0.0

    @property
    def revision(self) -> int | None:
        """The content revision the current index was built from."""
        return self._revision

    def refresh(self, force: bool = False) -> None:
        """Rebuild the index if the content changed since it was built (or when forced)."""
        now = time.monotonic()
        if not force and self._revision is not None and now - self._checked_at < self._refresh_seconds:
            return
        with self._lock:
            if not force and self._revision is not None and now - self._checked_at < self._refresh_seconds:
                return
            with self._session_factory() as session:
                revision = current_revision(session)
                if force or revision != self._revision:
                    self._index = SearchIndex(load_documents(session))
                    self._revision = revision
            self._checked_at = time.monotonic()

    def search(self, query: str, k: int = 5, types: tuple[DocType, ...] | None = None) -> list[SearchHit]:
        """Ranked hits for ``query``; ``types`` limits them to procedures or FAQs."""
        self.refresh()
        index = self._index
        hits = index.search(query, k=len(index) if types else k)
        if types:
            hits = [h for h in hits if h.type in types]
        return hits[:k]
