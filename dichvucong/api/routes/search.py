"""``GET /api/search``: which procedures and FAQs match a question, best first."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from dichvucong.api.deps import SearchDep
from dichvucong.assistant.input_check import clean_question

router = APIRouter(prefix="/api", tags=["search"])


class SearchItem(BaseModel):
    type: Literal["procedure", "faq"]
    id: int
    code: str
    title: str
    score: float


class SearchResponse(BaseModel):
    items: list[SearchItem]


@router.get("/search", response_model=SearchResponse)
def search(
    search_service: SearchDep,
    q: Annotated[str, Query(max_length=5000, description="Câu hỏi của người dân")] = "",
    k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> SearchResponse:
    """Ranked procedures and FAQs for ``q``; an empty query gives no items."""
    hits = search_service.search(clean_question(q), k=k) if q.strip() else []
    return SearchResponse(
        items=[SearchItem(type=h.type, id=h.id, code=h.code, title=h.title, score=h.score) for h in hits]
    )
