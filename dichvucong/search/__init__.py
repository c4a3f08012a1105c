"""Find which procedure or FAQ a citizen's question is about."""

from dichvucong.search.service import SearchHit, SearchService

__all__ = ["SearchHit", "SearchService"]
