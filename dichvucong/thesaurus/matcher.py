"""Find synonym groups in a question and expand it with every name of each group found.

Matching works on folded text (:func:`dichvucong.text.normalize.fold`: lower case, no
diacritics, "đ" → "d", chat abbreviations expanded), syllable by syllable, so a phrase only
matches whole words: "sổ đỏ" is found in "cấp đổi sổ đỏ" but not in "so dong". Every phrase
of every group sits in one dictionary keyed by its folded text; a question of n syllables
costs at most n × (longest phrase length) dictionary look-ups, whatever the number of groups.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from dichvucong.db.models import SynonymGroup
from dichvucong.text.normalize import fold

# What :meth:`Thesaurus.expand` puts between names: the search analyzer ends a syllable
# pair there, so the last syllable of one name never pairs with the first of the next.
SEPARATOR = " . "


@dataclass(frozen=True)
class SynonymGroupView:
    """One enabled group as matching sees it: the official term and all its folded names."""

    canonical: str  # as officials wrote it, with diacritics
    phrases: tuple[str, ...]  # folded; the canonical first, then the variants, no duplicates
    id: int | None = None


@dataclass(frozen=True)
class PhraseConflict:
    """A folded phrase claimed by two groups; the first group (lowest id) keeps it."""

    phrase: str
    kept_by: str
    ignored_in: str


def group_phrases(canonical: str, variants: Iterable[str]) -> tuple[str, ...]:
    """The folded, de-duplicated names of a group, canonical first; empty phrases dropped."""
    phrases: list[str] = []
    for text in (canonical, *variants):
        folded = fold(text)
        if folded and folded not in phrases:
            phrases.append(folded)
    return tuple(phrases)


@dataclass(frozen=True)
class Thesaurus:
    """Immutable lookup built once per content revision and shared by every message."""

    groups: tuple[SynonymGroupView, ...] = ()
    conflicts: tuple[PhraseConflict, ...] = ()
    _by_phrase: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    _longest: int = field(default=0, repr=False, compare=False)

    @classmethod
    def build(cls, groups: Iterable[SynonymGroupView]) -> Thesaurus:
        """Index the groups' phrases; a phrase already taken by an earlier group is a conflict."""
        kept: list[SynonymGroupView] = []
        by_phrase: dict[str, int] = {}
        conflicts: list[PhraseConflict] = []
        for group in groups:
            if not group.phrases:
                continue
            index = len(kept)
            kept.append(group)
            for phrase in group.phrases:
                owner = by_phrase.setdefault(phrase, index)
                if owner != index:
                    conflicts.append(PhraseConflict(phrase, kept[owner].canonical, group.canonical))
        longest = max((len(p.split()) for p in by_phrase), default=0)
        return cls(tuple(kept), tuple(conflicts), by_phrase, longest)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, Iterable[str]]]) -> Thesaurus:
        """Build from ``(canonical, variants)`` pairs (tests, tools)."""
        return cls.build(SynonymGroupView(c, group_phrases(c, v)) for c, v in pairs)

    def __len__(self) -> int:
        return len(self.groups)

    def _matches(self, syllables: list[str]) -> list[tuple[int, int, int]]:
        """Non-overlapping ``(start, length, group index)``: longest phrases win, then leftmost."""
        found: list[tuple[int, int, int]] = []
        count = len(syllables)
        for start in range(count):
            for length in range(min(self._longest, count - start), 0, -1):
                owner = self._by_phrase.get(" ".join(syllables[start : start + length]))
                if owner is not None:
                    found.append((start, length, owner))
        found.sort(key=lambda m: (-m[1], m[0]))
        taken = [False] * count
        chosen: list[tuple[int, int, int]] = []
        for start, length, owner in found:
            if any(taken[start : start + length]):
                continue
            taken[start : start + length] = [True] * length
            chosen.append((start, length, owner))
        chosen.sort()
        return chosen

    def spans(self, syllables: list[str]) -> list[tuple[int, int, SynonymGroupView]]:
        """``(start, length, group)`` of each phrase found in folded ``syllables``, in order."""
        if not self._by_phrase:
            return []
        return [(start, length, self.groups[owner]) for start, length, owner in self._matches(syllables)]

    def groups_in(self, text: str) -> list[SynonymGroupView]:
        """The groups named in ``text`` (each once), in the order they first appear."""
        if not self._by_phrase:
            return []
        seen: list[int] = []
        for _start, _length, owner in self._matches(fold(text).split()):
            if owner not in seen:
                seen.append(owner)
        return [self.groups[i] for i in seen]

    def expand(self, text: str) -> str:
        """``text`` followed by every folded name of every group it mentions.

        >>> Thesaurus.from_pairs([("giấy phép lái xe", ["bằng lái"])]).expand("đổi bằng lái")
        'đổi bằng lái . giay phep lai xe . bang lai'
        """
        groups = self.groups_in(text)
        if not groups:
            return text
        return text + SEPARATOR + SEPARATOR.join(p for g in groups for p in g.phrases)


EMPTY = Thesaurus.build(())


def load_thesaurus(session: Session) -> Thesaurus:
    """The thesaurus of every enabled, not deleted group (lowest id first wins a conflict)."""
    rows = session.execute(
        select(SynonymGroup.id, SynonymGroup.canonical, SynonymGroup.variants)
        .where(SynonymGroup.enabled.is_(True), SynonymGroup.deleted_at.is_(None))
        .order_by(SynonymGroup.id)
    )
    return Thesaurus.build(
        SynonymGroupView(canonical, group_phrases(canonical, variants or []), group_id)
        for group_id, canonical, variants in rows
    )
