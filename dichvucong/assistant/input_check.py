"""Recognise messages that are not a question we can search: empty, symbols, other languages."""

from __future__ import annotations

import re
from enum import Enum

from dichvucong.text.normalize import has_diacritics, nfc, words

MAX_QUESTION_CHARS = 1000

_ENGLISH = frozenset(
    ["the", "is", "are", "what", "how", "where", "when", "who", "why", "which", "can", "could", "do", "does", "i", "you", "my", "your", "please", "hello", "hi", "need", "want", "to", "of", "for", "and", "a", "an", "in", "on", "with", "get", "register", "card", "passport", "visa", "fee", "cost", "long"]
)
_VIETNAMESE_UNACCENTED = frozenset(
    ["toi", "ban", "minh", "em", "anh", "chi", "la", "gi", "o", "dau", "can", "lam", "the", "nao", "khong", "ko", "duoc", "dc", "bao", "nhieu", "thu", "tuc", "ho", "so", "giay", "to", "dang", "ky", "xin", "cho", "hoi", "muon", "nop", "mat", "may", "ngay", "tien"]
)
_TAG_RE = re.compile(r"<[^>]{0,200}>")


class InputProblem(str, Enum):
    """Why a message cannot be treated as a question."""

    EMPTY = "empty"
    NO_WORDS = "no_words"
    FOREIGN = "foreign"


def clean_question(text: str | None) -> str:
    """The question as searched: NFC, HTML tags removed, capped in length."""
    text = nfc(text or "")
    text = _TAG_RE.sub(" ", text)
    return text[:MAX_QUESTION_CHARS].strip()


def input_problem(text: str | None) -> InputProblem | None:
    """What is wrong with ``text`` as a question, or None when it can be searched."""
    cleaned = clean_question(text)
    if not cleaned:
        return InputProblem.EMPTY
    tokens = [w.lower() for w in words(cleaned) if not w.isdigit()]
    if not tokens:
        return InputProblem.NO_WORDS
    if not has_diacritics(cleaned) and len(tokens) >= 3:
        english = sum(t in _ENGLISH for t in tokens)
        vietnamese = sum(t in _VIETNAMESE_UNACCENTED for t in tokens)
        if english >= 2 and english > vietnamese * 2:
            return InputProblem.FOREIGN
    return None
