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

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Canonicalizer:
    """Replaces every known phrase by its canonical form (folded text in, folded text out).

    ``canonical_of`` maps each folded phrase (single-spaced words) to its folded canonical
    phrase; matching looks phrases up word by word, longest first, so a thesaurus of
    thousands of phrases costs a few dictionary lookups per word, not a regular expression
    with thousands of alternatives. ``accented_of`` keeps each canonical phrase as officials
    wrote it (lower case, with its diacritics), so the analyser can still tell "thẻ" from
    "thế" in a replaced phrase.
    """

    canonical_of: dict[str, str]
    accented_of: dict[str, str] = field(default_factory=dict)
    # For each word that starts a phrase, the phrases' lengths in words, longest first.
    lengths_from: dict[str, tuple[int, ...]] = field(default_factory=dict)

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
        lengths: dict[str, set[int]] = {}
        for phrase in canonical_of:
            words = phrase.split()
            lengths.setdefault(words[0], set()).add(len(words))
        return cls(canonical_of, accented_of, {w: tuple(sorted(ls, reverse=True)) for w, ls in lengths.items()})

    @classmethod
    def empty(cls) -> Canonicalizer:
        return cls({})

    def __len__(self) -> int:
        return len(self.canonical_of)

    def fingerprint(self) -> int:
        """Equal for two canonicalisers that rewrite every text alike (for caching analyses)."""
        return hash((tuple(sorted(self.canonical_of.items())), tuple(sorted(self.accented_of.items()))))

    def spans(self, folded: str) -> list[tuple[int, int, str]]:
        """Where known phrases stand in ``folded``: (start, end, canonical phrase), in order.

        At each word the longest known phrase starting there wins, and matching goes on after
        it; phrases match whole words only ("so do" never inside "so dong").
        """
        if not self.canonical_of:
            return []
        matches = list(_WORD.finditer(folded))
        words = [m.group() for m in matches]
        found: list[tuple[int, int, str]] = []
        i = 0
        while i < len(words):
            for length in self.lengths_from.get(words[i], ()):
                if i + length > len(words):
                    continue
                canonical = self.canonical_of.get(" ".join(words[i : i + length]))
                if canonical is not None:
                    found.append((matches[i].start(), matches[i + length - 1].end(), canonical))
                    i += length
                    break
            else:
                i += 1
        return found

    def accented(self, canonical: str) -> str:
        """The canonical phrase with its diacritics (the folded phrase when none is known)."""
        return self.accented_of.get(canonical, canonical)
