"""Normalise Vietnamese text the way citizens type it on a phone.

Citizens write with or without diacritics, in NFC or NFD, with old-style tone placement
("hoà" / "hòa"), chat spellings ("ko", "dc", "j") and stray spaces. Everything that compares
text (the NLU tokenizer, the procedure search) goes through these functions so that
"lam lai cccd mat bn tien" and "Làm lại căn cước công dân mất bao nhiêu tiền" meet.

This module depends only on the standard library so both Python environments can use it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from dichvucong.text.abbreviations import ABBREVIATIONS, SPOKEN_FORMS

_WORD_RE = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)
_SPACES_RE = re.compile(r"\s+")

def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC form (composed diacritics)."""
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=4096)
def strip_accents(text: str) -> str:
    """Remove Vietnamese diacritics: ``"Đăng ký"`` → ``"Dang ky"``."""
    decomposed = unicodedata.normalize("NFD", text)
    without_marks = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return without_marks.replace("đ", "d").replace("Đ", "D")


def collapse_spaces(text: str) -> str:
    """Trim and turn every run of white space into one space."""
    return _SPACES_RE.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """Split text into words (runs of letters and digits), dropping punctuation."""
    return _WORD_RE.findall(text)


def expand_word(word: str) -> str:
    """Expand one chat spelling or abbreviation (case-insensitive), else return it unchanged."""
    lowered = word.lower()
    if lowered in SPOKEN_FORMS:
        return SPOKEN_FORMS[lowered]
    return ABBREVIATIONS.get(strip_accents(lowered), word)


#: "đk" is "đăng ký" ("đk tạm trú", "có cần đk không"), except after "đủ" or in "cần đk gì",
#: where it is "điều kiện" ("đủ đk chưa", "lam can cuoc can dk j").
_CONDITION_BEFORE = frozenset({"can", "du"})
_CONDITION_AFTER = frozenset({"gi", "j", "nao"})


def _expand_in_context(tokens: list[str]) -> list[str]:
    expanded = []
    for i, word in enumerate(tokens):
        key = strip_accents(word)
        if key == "dk" and i > 0:
            before = strip_accents(tokens[i - 1])
            after = strip_accents(tokens[i + 1]) if i + 1 < len(tokens) else ""
            if before in _CONDITION_BEFORE and (after in _CONDITION_AFTER or before == "du"):
                expanded.append("điều kiện")
                continue
        expanded.append(expand_word(word))
    return expanded


def normalize_text(text: str) -> str:
    """Canonical accented form: NFC, lower case, abbreviations expanded, words only.

    >>> normalize_text("  Làm lại CCCD  mất bn tiền?? ")
    'làm lại căn cước công dân mất bao nhiêu tiền'
    """
    return " ".join(_expand_in_context(words(nfc(text).lower())))


def fold(text: str) -> str:
    """Canonical form for matching: :func:`normalize_text` without diacritics.

    >>> fold("lam lai cccd mat bn tien") == fold("Làm lại căn cước công dân mất bao nhiêu tiền")
    True
    """
    return strip_accents(normalize_text(text))


def syllables(text: str) -> list[str]:
    """The folded syllables of ``text``, the unit both search and matching work on."""
    return fold(text).split()


def has_diacritics(text: str) -> bool:
    """True when the text carries any Vietnamese diacritic (it was typed with accents)."""
    return strip_accents(text) != text
