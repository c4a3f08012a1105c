"""Paging and folded (accent-insensitive) text matching for the console's lists."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from dichvucong.text.normalize import fold

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    pages: int


def paginate(items: Sequence[T], page: int, size: int) -> Page[T]:
    pages = max(1, math.ceil(len(items) / size)) if size > 0 else 1
    page = min(max(1, page), pages)
    start = (page - 1) * size
    return Page(list(items[start : start + size]), len(items), page, pages)


def matches(query_folded: list[str], *texts: str) -> bool:
    """True when every folded word of the query occurs in the folded texts."""
    if not query_folded:
        return True
    haystack = " " + fold(" ".join(t for t in texts if t)) + " "
    return all(word in haystack for word in query_folded)


def query_words(query: str) -> list[str]:
    return fold(query or "").split()
