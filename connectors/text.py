"""Helpers shared by the channel connectors: message splitting, bounded memories, settings.

Nothing here imports Rasa or a messenger library, so both environments can use it.
"""

from __future__ import annotations

import os
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def _cut_index(line: str, limit: int, measure: Callable[[str], int]) -> int:
    """Where to cut an over-long line: the last space that fits, else as many characters as fit."""
    width = 0
    fits = 0
    for index, char in enumerate(line):
        width += measure(char)
        if width > limit:
            break
        fits = index + 1
    space = line.rfind(" ", 0, fits + 1)
    if space > 0:
        return space
    cut = max(fits, 1)
    # never separate a letter from its combining accent (text typed in NFD)
    while 1 < cut < len(line) and unicodedata.combining(line[cut]):
        cut -= 1
    return cut


def split_message(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` (by ``measure``), at line boundaries.

    Lines are kept whole and together as long as they fit; a single line longer than the
    limit is cut at its last space that fits (or, with no space, mid-word). Parts that would
    be blank are dropped, so every part can be sent as a message of its own.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if measure(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        current = line
        while measure(current) > limit:
            cut = _cut_index(current, limit, measure)
            parts.append(current[:cut].rstrip())
            current = current[cut:].lstrip(" ")
    parts.append(current)
    return [part.strip("\n") for part in parts if part.strip()]


class BoundedDict(Generic[K, V]):
    """A dict that forgets its least recently used entries beyond ``max_size`` (an LRU)."""

    def __init__(self, max_size: int) -> None:
        if max_size < 1:
            raise ValueError("max_size must be positive")
        self.max_size = max_size
        self._items: OrderedDict[K, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: K) -> V | None:
        if key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key]

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.max_size:
            self._items.popitem(last=False)

    def pop(self, key: K) -> V | None:
        return self._items.pop(key, None)


class RecentIds:
    """The last ``max_size`` ids seen, to drop a delivery that arrives twice."""

    def __init__(self, max_size: int = 4096) -> None:
        self._seen: BoundedDict[str, bool] = BoundedDict(max_size)

    def seen_before(self, key: str) -> bool:
        """Record ``key``; True when it was already among the recent ones."""
        if key in self._seen:
            self._seen.get(key)  # refresh its place
            return True
        self._seen.put(key, True)
        return False


def setting(
    credentials: Mapping[str, Any] | None,
    key: str,
    env_name: str,
    default: str = "",
    environ: Mapping[str, str] | None = None,
) -> str:
    """A channel setting: the credentials.yml value when it is not empty, else the environment.

    Rasa's ``${VAR}`` substitution stops the server at start-up when ``VAR`` is unset, so
    credentials.yml leaves the values empty and the connectors read the environment
    themselves; a value written in credentials.yml still wins.
    """
    value = (credentials or {}).get(key)
    if value is not None and str(value).strip():
        return str(value).strip()
    env = os.environ if environ is None else environ
    return (env.get(env_name) or "").strip() or default
