"""Services the actions share, built once per action-server process (lazily, on first use)."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker

from dichvucong.applications.dialogue import StatusDialogue
from dichvucong.applications.lookup import StatusLookupService
from dichvucong.applications.sources import make_source
from dichvucong.assistant.service import AssistantService
from dichvucong.config import get_settings
from dichvucong.db.session import get_sessionmaker
from dichvucong.search import SearchService


@lru_cache(maxsize=1)
def assistant() -> AssistantService:
    """The assistant service with its search index (built on first call, then kept fresh)."""
    settings = get_settings()
    sessionmaker = get_sessionmaker(settings.database_url)
    # Rebuilt in the background after an edit: no citizen waits for a rebuild (docs/performance.md).
    search = SearchService(sessionmaker, settings.search_refresh_seconds, background=True)
    search.refresh(force=True)
    return AssistantService(sessionmaker, search, settings)


@lru_cache(maxsize=1)
def status_dialogue() -> StatusDialogue:
    """The application status conversation service, with the configured source."""
    settings = get_settings()
    sessionmaker = get_sessionmaker(settings.database_url)
    source = make_source(settings, sessionmaker)
    return StatusDialogue(StatusLookupService(sessionmaker, source, settings), settings)


def session_factory() -> sessionmaker[Session]:
    """Sessions on our database (the engine is created once per URL)."""
    return get_sessionmaker(get_settings().database_url)
