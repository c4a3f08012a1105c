"""Typed dependencies shared by the routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from dichvucong.search import SearchService


def get_db(request: Request) -> Iterator[Session]:
    """One session per request."""
    with request.app.state.sessionmaker() as session:
        yield session


def get_search(request: Request) -> SearchService:
    """The process-wide search service (built at start-up)."""
    return request.app.state.search


SessionDep = Annotated[Session, Depends(get_db)]
SearchDep = Annotated[SearchService, Depends(get_search)]
