"""An immutable BM25 index over procedures and FAQs, built from a snapshot of the database."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import bm25s
import numpy as np
from rapidfuzz import fuzz, process

from dichvucong.search.analyzer import STOPWORDS, analyze, is_pair, syllables_of, terms

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


class SearchIndex:
    """BM25 (bm25s) over folded syllables and syllable pairs, with typo and spacing repair.

    The 0–1 confidence of a hit blends two views: how much of the question the item covers
    (IDF-weighted, unknown words count against it) and how strong its BM25 score is
    (``strong_score`` and above counts as fully strong). Long questions with extra words
    still score well when the match is strong; unrelated ones stay low on both.
    """

    def __init__(self, docs: list[IndexedDoc], strong_score: float = 12.0) -> None:
        self.docs = docs
        self.strong_score = strong_score
        self._doc_terms: list[set[str]] = []
        corpus: list[list[str]] = []
        for doc in docs:
            doc_terms: list[str] = []
            for text, weight in doc.texts:
                doc_terms.extend(analyze(text) * weight)
            corpus.append(doc_terms or ["__empty__"])
            self._doc_terms.append(set(doc_terms))
        self._name_terms = [[set(analyze(name)) for name in (doc.names or (doc.title,))] for doc in docs]
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
        """The terms a query is searched with, after repair."""
        return terms(self.repair(syllables_of(query)))

    def search(self, query: str, k: int = 5) -> list[SearchHit]:
        """Best ``k`` hits for ``query``, best first; empty when nothing relates to it."""
        query_terms = self.query_terms(query)
        known = [t for t in query_terms if t in self._idf]
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
                SearchHit(doc.type, doc.id, doc.code, doc.title, round(confidence, 4), float(raw), round(name_match, 4))
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
