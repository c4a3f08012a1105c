"""An immutable BM25 index over procedures and FAQs, built from a snapshot of the database."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import bm25s
import numpy as np
from rapidfuzz import fuzz, process

from dichvucong.search.analyzer import STOPWORDS, analyze, is_pair, syllables_of, terms
from dichvucong.search.synonyms import Canonicalizer

DocType = Literal["procedure", "faq"]


@dataclass(frozen=True)
class IndexedDoc:
    """One searchable item: its identity and the texts that describe it, by weight."""

    type: DocType
    id: int
    code: str
    title: str
    texts: tuple[tuple[str, int], ...]  # (text, how many times it counts)
    names: tuple[str, ...] = ()  # what the item is called: a FAQ's question and its other phrasings
    links: tuple[str, ...] = ()  # an FAQ's procedure codes
    detail: str = ""  # what tells near-identical procedures apart: level, agency or field
    aspects: frozenset[str] = frozenset()  # aspects a procedure holds content for
    # Texts that help BM25 find the item but do not describe what it is about (an FAQ's
    # answer): they never count towards how much of a question the item covers.
    context: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class SearchHit:
    """A ranked result; ``score`` is a 0–1 confidence, ``rank_score`` the raw BM25 score."""

    type: DocType
    id: int
    code: str
    title: str
    score: float
    rank_score: float
    name_match: float = 0.0  # share of the item's own name (or FAQ question) the query says
    coverage: float = 0.0  # IDF-weighted share of the question's terms the item contains
    links: tuple[str, ...] = ()
    detail: str = ""
    aspects: frozenset[str] = frozenset()
    terms: frozenset[str] = field(default=frozenset(), repr=False, compare=False)


class SearchIndex:
    """BM25 (bm25s) over folded syllables and syllable pairs, with typo and spacing repair.

    The 0–1 confidence of a hit blends two views: how much of the question the item covers
    (IDF-weighted, unknown words count against it) and how strong its BM25 score is
    (``strong_score`` and above counts as fully strong). Long questions with extra words
    still score well when the match is strong; unrelated ones stay low on both.
    """

    def __init__(self, docs: list[IndexedDoc], strong_score: float = 12.0, synonyms: Canonicalizer | None = None) -> None:
        self.docs = docs
        self.strong_score = strong_score
        self.synonyms = synonyms or Canonicalizer.empty()
        self._doc_terms: list[frozenset[str]] = []
        self._retrievable: set[str] = set()
        corpus: list[list[str]] = []
        for doc in docs:
            doc_terms: list[str] = []
            for text, weight in doc.texts:
                doc_terms.extend(analyze(text, self.synonyms) * weight)
            self._doc_terms.append(frozenset(doc_terms))
            for text, weight in doc.context:
                doc_terms.extend(analyze(text, self.synonyms) * weight)
            corpus.append(doc_terms or ["__empty__"])
            self._retrievable.update(doc_terms)
        self._by_key = {(doc.type, doc.code): i for i, doc in enumerate(docs)}
        self._name_terms = [[set(analyze(name, self.synonyms)) for name in (doc.names or (doc.title,))] for doc in docs]
        self._vocabulary = sorted({t for ts in self._doc_terms for t in ts if not is_pair(t)})
        self._vocabulary_set = set(self._vocabulary)
        n_docs = max(len(docs), 1)
        doc_freq: dict[str, int] = {}
        for doc_terms in self._doc_terms:
            for term in doc_terms:
                doc_freq[term] = doc_freq.get(term, 0) + 1
        self._idf = {t: math.log(1 + (n_docs - df + 0.5) / (df + 0.5)) for t, df in doc_freq.items()}
        self._max_idf = max(self._idf.values(), default=1.0)
        self._retriever: bm25s.BM25 | None = None
        if docs:
            self._retriever = bm25s.BM25()
            self._retriever.index(corpus, show_progress=False)

    def __len__(self) -> int:
        return len(self.docs)

    def repair(self, syllables: list[str]) -> list[str]:
        """Fix syllables the index has never seen: glued words ("khaisinh") and typos."""
        repaired: list[str] = []
        for syllable in syllables:
            if (
                syllable in self._vocabulary_set
                or syllable in STOPWORDS
                or len(syllable) < 5
                or not syllable.isalpha()
            ):
                repaired.append(syllable)
                continue
            split = self._split_glued(syllable)
            if split:
                repaired.extend(split)
                continue
            match = process.extractOne(syllable, self._vocabulary, scorer=fuzz.ratio, score_cutoff=88)
            repaired.append(match[0] if match else syllable)
        return repaired

    def _split_glued(self, syllable: str) -> list[str] | None:
        for cut in range(2, len(syllable) - 1):  # "khaisinh" → "khai" + "sinh"
            left, right = syllable[:cut], syllable[cut:]
            if left in self._vocabulary_set and right in self._vocabulary_set:
                return [left, right]
        return None

    def query_terms(self, query: str) -> list[str]:
        """The terms a query is searched with, after repair and synonyms."""
        return terms(self.repair(syllables_of(query, self.synonyms)))

    def terms_of(self, doc_type: DocType, code: str) -> frozenset[str]:
        """Every term of one indexed item (empty when it is not indexed)."""
        index = self._by_key.get((doc_type, code))
        return self._doc_terms[index] if index is not None else frozenset()

    def is_known(self, term: str) -> bool:
        """True when some indexed item contains ``term``."""
        return term in self._idf

    def weight(self, term: str) -> float:
        """How much a query term says: its IDF (unknown words weigh as the rarest)."""
        return self._weight(term)

    def search(self, query: str, k: int = 5, query_terms: list[str] | None = None) -> list[SearchHit]:
        """Best ``k`` hits for ``query``, best first; empty when nothing relates to it.

        ``query_terms`` (from :meth:`query_terms`) saves analysing the query again.
        """
        if query_terms is None:
            query_terms = self.query_terms(query)
        known = [t for t in query_terms if t in self._retrievable]
        if not known or self._retriever is None:
            return []
        n = min(len(self.docs), max(k * 4, 20))
        results, scores = self._retriever.retrieve([known], k=n, show_progress=False)
        hits: list[SearchHit] = []
        for doc_index, raw in zip(results[0], scores[0], strict=True):
            if raw <= 0:
                continue
            doc = self.docs[int(doc_index)]
            coverage = self._coverage(query_terms, self._doc_terms[int(doc_index)])
            confidence = 0.5 * coverage + 0.5 * min(1.0, float(raw) / self.strong_score)
            query_set = set(query_terms)
            name_match = max(
                (self._coverage(sorted(names), query_set) for names in self._name_terms[int(doc_index)] if names),
                default=0.0,
            )
            hits.append(
                SearchHit(
                    doc.type, doc.id, doc.code, doc.title, round(confidence, 4), float(raw), round(name_match, 4),
                    round(coverage, 4), doc.links, doc.detail, doc.aspects, self._doc_terms[int(doc_index)],
                )
            )
        # Among items the words fit, prefer the one whose own name the citizen said.
        hits.sort(key=lambda h: (h.rank_score * (0.9 + 0.1 * h.name_match), h.score), reverse=True)
        return hits[:k]

    def _weight(self, term: str) -> float:
        """IDF of a known term; an unknown word weighs as the rarest, an unknown pair half that."""
        if term in self._idf:
            return self._idf[term]
        return self._max_idf / 2 if is_pair(term) else self._max_idf

    def _coverage(self, query_terms: list[str], doc_terms: set[str]) -> float:
        """IDF-weighted share of the query's terms the document contains (0–1)."""
        weights = np.array([self._weight(t) for t in query_terms])
        found = np.array([t in doc_terms for t in query_terms])
        total = float(weights.sum())
        return float(weights[found].sum() / total) if total else 0.0
