"""Rewrite citizens' words to the official term, from the thesaurus kept as data.

Officials keep synonym groups in the console ("sổ đỏ = bìa đỏ = giấy chứng nhận quyền sử
dụng đất"). Before a text is cut into search terms, every phrase of a group is replaced by
the group's canonical phrase, on both sides: the procedure and FAQ texts when the index is
built, and the citizen's question. A question saying "sổ đỏ" then matches a procedure that
only says "giấy chứng nhận quyền sử dụng đất", and the reverse, with no retraining.
Matching works on folded text (no diacritics, abbreviations expanded), longest phrase
first, at word boundaries, so "so do" never matches inside "so dong".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from dichvucong.text.normalize import fold, normalize_text


@dataclass(frozen=True)
class Canonicalizer:
    """Replaces every known phrase by its canonical form (folded text in, folded text out).

    ``accented_of`` keeps each canonical phrase as officials wrote it (lower case, with its
    diacritics), so the analyser can still tell "thẻ" from "thế" in a replaced phrase.
    """

    pattern: re.Pattern[str] | None
    canonical_of: dict[str, str]
    accented_of: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_groups(cls, groups: Iterable[tuple[str, Iterable[str]]]) -> Canonicalizer:
        """Build from ``(canonical, variants)`` pairs; later groups never steal a phrase."""
        canonical_of: dict[str, str] = {}
        accented_of: dict[str, str] = {}
        for canonical, variants in groups:
            folded_canonical = " ".join(fold(canonical).split())
            if not folded_canonical:
                continue
            accented_of.setdefault(folded_canonical, normalize_text(canonical))
            for phrase in (canonical, *variants):
                folded = " ".join(fold(phrase).split())
                if folded and folded not in canonical_of:
                    # The canonical phrase maps to itself, so a shorter phrase of another
                    # group never rewrites it ("giấy báo tử" stays, "báo tử" alone does not).
                    canonical_of[folded] = folded_canonical
        if not canonical_of:
            return cls(None, {})
        alternation = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(canonical_of, key=len, reverse=True))
        return cls(re.compile(rf"(?<![\w])({alternation})(?![\w])"), canonical_of, accented_of)

    @classmethod
    def empty(cls) -> Canonicalizer:
        return cls(None, {})

    def __len__(self) -> int:
        return len(self.canonical_of)

    def spans(self, folded: str) -> list[tuple[int, int, str]]:
        """Where known phrases stand in ``folded``: (start, end, canonical phrase), in order."""
        if self.pattern is None:
            return []
        return [(m.start(1), m.end(1), self.canonical_of[" ".join(m.group(1).split())]) for m in self.pattern.finditer(folded)]

    def accented(self, canonical: str) -> str:
        """The canonical phrase with its diacritics (the folded phrase when none is known)."""
        return self.accented_of.get(canonical, canonical)
