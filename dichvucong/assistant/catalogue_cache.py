"""Procedures as the answers need them, read once per content revision.

Answering about a procedure needs the procedure and five lists (channels, steps, documents,
results, legal bases): six queries per answer. The catalogue only changes with the content
revision (imports and console edits bump it), so the loaded procedures are kept, detached
from their session, for the revision of the search index answering the question; when the
index moves to a new revision the cache starts afresh. Bounded: least recently used first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dichvucong.db.models import Procedure

MAX_PROCEDURES = 512
_MISSING = object()


class ProcedureCache:
    """``get(code, revision)``: the enabled procedure with its lists loaded, or None."""

    def __init__(self, session_factory: Callable[[], Session], max_size: int = MAX_PROCEDURES) -> None:
        self._session_factory = session_factory
        self._max_size = max_size
        self._lock = threading.Lock()
        self._revision: int | None = None
        self._procedures: OrderedDict[str, Procedure | None] = OrderedDict()

    def get(self, code: str, revision: int | None) -> Procedure | None:
        with self._lock:
            if revision is None or revision != self._revision:
                self._procedures.clear()
                self._revision = revision
            cached = self._procedures.get(code, _MISSING)
            if cached is not _MISSING:
                self._procedures.move_to_end(code)
                return cached  # type: ignore[return-value]
        procedure = self._load(code)
        with self._lock:
            if revision is not None and revision == self._revision:
                self._procedures[code] = procedure
                while len(self._procedures) > self._max_size:
                    self._procedures.popitem(last=False)
        return procedure

    def _load(self, code: str) -> Procedure | None:
        with self._session_factory() as session:
            procedure = session.scalar(
                select(Procedure)
                .where(Procedure.code == code, Procedure.enabled.is_(True))
                .options(
                    selectinload(Procedure.channels),
                    selectinload(Procedure.steps),
                    selectinload(Procedure.documents),
                    selectinload(Procedure.results),
                    selectinload(Procedure.legal_bases),
                )
            )
            if procedure is not None:
                session.expunge(procedure)
        return procedure
