"""An immutable BM25 index over procedures and FAQs, built from a snapshot of the database."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

import bm25s
import numpy as np
from rapidfuzz import fuzz, process

from dichvucong.search.analyzer import STOPWORDS, analyze, breaks_by_fold, is_pair, plain, syllables_of, terms
from dichvucong.search.rerank import FaqReranker, FaqSource, Phrasing, RerankQuery, char_grams
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
    # A procedure's answer text per aspect ("place": its address and agency…): not searched,
    # but part of what the procedure answered on that aspect covers of a question.
    aspect_texts: tuple[tuple[str, str], ...] = ()
    # Texts among ``texts`` that each say the whole item another way (an FAQ's other phrasings,
    # a procedure's keywords): they count towards what the item covers one at a time.
    phrasings: tuple[str, ...] = ()


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
    # An FAQ's: the largest share of a linked procedure's name the query says (0 without links).
    link_match: float = 0.0
    # A procedure's terms per aspect of its answer (see ``IndexedDoc.aspect_texts``).
    aspect_terms: Mapping[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)
    # An FAQ's: the share the query says of the words its question adds to its procedures'
    # names ("du học" in "Xin lý lịch tư pháp để đi du học thì nộp ở đâu?"); 0 when its
    # question adds nothing to those names.
    own_match: float = 0.0
    # The terms of everything the item is called (an FAQ's question and other phrasings, a
    # procedure's name), for the learned selection's word associations.
    name_terms: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    # What the item covers of the query without its phrasings (``IndexedDoc.phrasings``;
    # None: it has none, ``coverage`` is all), and the largest share of one phrasing the query
    # says.
    base_coverage: float | None = None
    phrasing_match: float = 0.0

    def unit_terms(self, aspects: Iterable[str]) -> frozenset[str]:
        """The terms of this item answered on ``aspects``: its own, plus those aspects' answers."""
        extra = [self.aspect_terms.get(a, frozenset()) for a in aspects]
        return self.terms.union(*extra) if extra else self.terms


#: How many items BM25 retrieves before they are ordered (whatever ``k`` is, so the order
#: of the first hits does not depend on how many are asked for).
RETRIEVE_DEPTH = 60
#: An FAQ question must add at least this much IDF to its procedures' names for
#: ``SearchHit.own_match`` to mean anything (about one ordinary content word).
OWN_WORDS_MIN_IDF = 3.0
#: ... and lifts an FAQ in the order by up to this share when the citizen said those words:
#: of two FAQs BM25 scores alike, the one the citizen said more of what sets it apart comes
#: first (dev sets: FAQ paraphrases first 0.862/0.833/0.825 -> 0.877/0.867/0.850; 0.03 and
#: 0.15 did worse).
OWN_WORDS_BONUS = 0.075
#: FAQ candidates (in BM25 order) the learned re-ranker orders again (``search/rerank.py``).
RERANK_FAQS = 15


# Analyses of indexed texts, kept from one rebuild to the next while the thesaurus is the same:
# an edit re-analyses only what changed (analysing every text was most of a rebuild, 0.5 s
# with the attached citizens' questions).
_ANALYSES: dict[int, dict[str, list[str]]] = {}


def _analyses_for(key: int) -> dict[str, list[str]]:
    """The cache for the thesaurus with this fingerprint (an older thesaurus's is dropped)."""
    cache = _ANALYSES.get(key)
    if cache is None:
        _ANALYSES.clear()
        cache = _ANALYSES[key] = {}
    return cache


def _cached_analysis(cache: dict[str, list[str]], text: str, synonyms: Canonicalizer) -> list[str]:
    found = cache.get(text)
    if found is None:
        found = cache[text] = analyze(text, synonyms)
    return list(found)


def _forget_unused(key: int, cache: dict[str, list[str]], used: set[str]) -> None:
    """Keep the cache to about the texts indexed now (edits and imports leave old ones)."""
    if len(cache) > 2 * len(used) + 100:
        _ANALYSES[key] = {text: cache[text] for text in used if text in cache}


class SearchIndex:
    """BM25 (bm25s) over folded syllables and syllable pairs, with typo and spacing repair,
    and a learned second stage that re-orders the FAQ candidates (``rerank=False``: plain).

    The 0–1 confidence of a hit blends two views: how much of the question the item covers
    (IDF-weighted, unknown words count against it) and how strong its BM25 score is
    (``strong_score`` and above counts as fully strong). Long questions with extra words
    still score well when the match is strong; unrelated ones stay low on both.
    """

    def __init__(
        self,
        docs: list[IndexedDoc],
        strong_score: float = 12.0,
        synonyms: Canonicalizer | None = None,
        rerank: bool = False,
    ) -> None:
        self.docs = docs
        self.strong_score = strong_score
        self.synonyms = synonyms or Canonicalizer.empty()
        self._doc_terms: list[frozenset[str]] = []
        # An item's phrasings (an FAQ's other questions, a procedure's keyword phrases) count
        # towards what it covers one at a time (the one that holds most of the question),
        # next to the rest of its texts: a citizen's story
        # attached as a phrasing brings stray words ("ngoài chợ", "hai đứa") that, pooled
        # with every other phrasing, made the FAQ seem to hold questions it does not answer.
        self._phrasing_terms: list[tuple[frozenset[str], ...]] = []
        self._phrasing_totals: list[tuple[float, ...]] = []  # each phrasing's IDF sum
        self._base_terms: list[frozenset[str]] = []
        self._retrievable: set[str] = set()
        corpus: list[list[str]] = []
        analysed: list[list[tuple[str, list[str], int]]] = []  # per doc: text, terms, weight
        analysed_context: list[list[tuple[str, list[str], int]]] = []
        thesaurus_key = self.synonyms.fingerprint()
        cached = _analyses_for(thesaurus_key)
        for doc in docs:
            texts = [(text, _cached_analysis(cached, text, self.synonyms), weight) for text, weight in doc.texts]
            context = [(text, _cached_analysis(cached, text, self.synonyms), weight) for text, weight in doc.context]
            analysed.append(texts)
            analysed_context.append(context)
            doc_terms: list[str] = [t for _, ts, w in texts for t in ts * w]
            self._doc_terms.append(frozenset(doc_terms))
            phrasings = set(doc.phrasings)
            self._phrasing_terms.append(tuple(frozenset(ts) for text, ts, _ in texts if text in phrasings))
            self._base_terms.append(frozenset(t for text, ts, _ in texts if text not in phrasings for t in ts))
            doc_terms.extend(t for _, ts, w in context for t in ts * w)
            corpus.append(doc_terms or ["__empty__"])
            self._retrievable.update(doc_terms)
        _forget_unused(thesaurus_key, cached, {text for doc in docs for text, _ in (*doc.texts, *doc.context)})
        self._by_key = {(doc.type, doc.code): i for i, doc in enumerate(docs)}
        # A procedure's aspect answers are analysed the first time a question needs them (few
        # procedures ever are candidates), so they add nothing to a rebuild.
        self._aspect_terms = [_AspectTerms(dict(doc.aspect_texts), self.synonyms) for doc in docs]
        self._vocabulary = sorted({t for ts in self._doc_terms for t in ts if not is_pair(t)})
        # Pairs formed from content readings ("xe_may" from "xe máy"): a question typed
        # without diacritics forms these too.
        self._content_pairs = frozenset(t for ts in self._doc_terms for t in ts if is_pair(t) and breaks_by_fold(t))
        self._known_pairs = frozenset(t for ts in self._doc_terms for t in ts if is_pair(t))
        self._vocabulary_set = set(self._vocabulary)
        n_docs = max(len(docs), 1)
        doc_freq: dict[str, int] = {}
        for doc_terms in self._doc_terms:
            for term in doc_terms:
                doc_freq[term] = doc_freq.get(term, 0) + 1
        self._idf = {t: math.log(1 + (n_docs - df + 0.5) / (df + 0.5)) for t, df in doc_freq.items()}
        self._max_idf = max(self._idf.values(), default=1.0)
        self._phrasing_totals = [
            tuple(sum(self._idf.get(t, self._max_idf) for t in phrasing) for phrasing in phrasings)
            for phrasings in self._phrasing_terms
        ]
        # What each item is called (an FAQ's question and phrasings, else its title): the
        # name's terms and their IDF sum, for "how much of its name did the citizen say".
        self._names: list[list[tuple[frozenset[str], float]]] = []
        for doc, texts in zip(docs, analysed, strict=True):
            by_text = {text: ts for text, ts, _ in texts}
            names = []
            for name in doc.names or (doc.title,):
                name_terms = frozenset(by_text[name] if name in by_text else analyze(name, self.synonyms))
                if name_terms:
                    names.append((name_terms, sum(self._idf.get(t, self._max_idf) for t in name_terms)))
            self._names.append(names)
        self._name_terms = [frozenset().union(*(terms for terms, _ in names)) for names in self._names]
        self._own_words = [self._own_words_of(position) for position in range(len(docs))]
        self._retriever: bm25s.BM25 | None = None
        if docs:
            self._retriever = bm25s.BM25()
            self._retriever.index(corpus, show_progress=False)
        self._reranker: FaqReranker | None = None
        if rerank:
            self._reranker = self._build_reranker(corpus, analysed, analysed_context)

    def _build_reranker(
        self,
        corpus: list[list[str]],
        analysed: list[list[tuple[str, list[str], int]]],
        analysed_context: list[list[tuple[str, list[str], int]]],
    ) -> FaqReranker | None:
        """The FAQs' fields as the re-ranker needs them, and the re-ranker trained on them."""
        sources: dict[int, FaqSource] = {}
        for position, doc in enumerate(self.docs):
            if doc.type != "faq":
                continue
            remaining = list(analysed[position])
            phrasings, phrasing_terms = [], []
            for name in doc.names:
                entry = next((e for e in remaining if e[0] == name), None)
                if entry is None:
                    continue
                remaining.remove(entry)
                _, ts, weight = entry
                counts = Counter({t: c * weight for t, c in Counter(ts).items()})
                phrasings.append(Phrasing(frozenset(ts), counts, char_grams(_syllables_of_terms(ts))))
                phrasing_terms.append(tuple(ts))
            other_counts: Counter[str] = Counter()
            tag_terms: set[str] = set()
            tag_grams: Counter[str] = Counter()
            for _, ts, weight in remaining:
                other_counts.update({t: c * weight for t, c in Counter(ts).items()})
                tag_terms.update(ts)
                tag_grams.update(char_grams(_syllables_of_terms(ts)))
            answer_terms: set[str] = set()
            for _, ts, weight in analysed_context[position]:
                other_counts.update({t: c * weight for t, c in Counter(ts).items()})
                answer_terms.update(ts)
            sources[position] = FaqSource(
                tuple(phrasings), tuple(phrasing_terms), frozenset(tag_terms), tag_grams,
                frozenset(answer_terms), other_counts,
            )
        if not sources:
            return None
        n_docs = len(corpus)
        doc_freq: Counter[str] = Counter()
        for doc_terms in corpus:
            doc_freq.update(set(doc_terms))
        bm25_idf = {t: math.log(1 + (n_docs - df + 0.5) / (df + 0.5)) for t, df in doc_freq.items()}
        average_length = sum(len(d) for d in corpus) / max(n_docs, 1)
        return FaqReranker(sources, self._idf, bm25_idf, average_length, self._weight)

    @property
    def reranker(self) -> FaqReranker | None:
        """The learned second stage (None for a plain index or one without FAQs)."""
        return self._reranker

    def __len__(self) -> int:
        return len(self.docs)

    def repair(self, syllables: list[str]) -> list[str]:
        """Fix syllables the index has never seen: glued words ("khaisinh") and typos."""
        repaired: list[str] = []
        for syllable in syllables:
            if (
                syllable != plain(syllable)
                or syllable in self._vocabulary_set
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
        return terms(self.repair(syllables_of(query, self.synonyms)), self._content_pairs, self._known_pairs)

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
        n = min(len(self.docs), max(k * 4, RETRIEVE_DEPTH))
        results, scores = self._retriever.retrieve([known], k=n, show_progress=False)
        weights = [self._weight(t) for t in query_terms]
        total = sum(weights)
        query_set = set(query_terms)
        hits: list[SearchHit] = []
        positions: list[int] = []
        for doc_index, raw in zip(results[0], scores[0], strict=True):
            if raw <= 0:
                continue
            position = int(doc_index)
            doc = self.docs[position]
            doc_terms = self._covering_terms(position, query_terms, weights)
            coverage = sum(w for t, w in zip(query_terms, weights, strict=True) if t in doc_terms) / total if total else 0.0
            confidence = 0.5 * coverage + 0.5 * min(1.0, float(raw) / self.strong_score)
            name_match = max(
                (sum(self._idf.get(t, self._max_idf) for t in names & query_set) / name_total for names, name_total in self._names[position]),
                default=0.0,
            )
            hits.append(
                SearchHit(
                    doc.type, doc.id, doc.code, doc.title, round(confidence, 4), float(raw), round(name_match, 4),
                    round(coverage, 4), doc.links, doc.detail, doc.aspects, doc_terms,
                    round(self._link_match(doc, query_set), 4), self._aspect_terms[position],
                    round(self._own_match(position, query_set), 4), name_terms=self._name_terms[position],
                    base_coverage=self._base_share(position, query_terms, weights, total),
                    phrasing_match=round(self._phrasing_match(position, query_set), 4),
                )
            )
            positions.append(position)
        # Among items the words fit, prefer the one whose own name the citizen said, and of
        # FAQs the one whose own words (what its question adds to its procedure) were said.
        def order_key(i: int) -> tuple[float, float]:
            hit = hits[i]
            lifted = hit.rank_score * (0.9 + 0.1 * hit.name_match) * (1 + OWN_WORDS_BONUS * hit.own_match)
            return lifted, hit.score

        order = sorted(range(len(hits)), key=order_key, reverse=True)
        hits = [hits[i] for i in order]
        positions = [positions[i] for i in order]
        if self._reranker is not None:
            hits = self._rerank(query_terms, hits, positions)
        return hits[:k]

    def _base_share(self, position: int, query_terms: list[str], weights: list[float], total: float) -> float | None:
        """The weighted share of the query the item holds without its phrasings (None when it
        has none)."""
        if not self._phrasing_terms[position]:
            return None
        base = self._base_terms[position]
        return round(sum(w for t, w in zip(query_terms, weights, strict=True) if t in base) / total, 4) if total else 0.0

    def _phrasing_match(self, position: int, query_set: set[str]) -> float:
        """The largest IDF share of one of the item's phrasings that the query says."""
        best = 0.0
        for phrasing, total in zip(self._phrasing_terms[position], self._phrasing_totals[position], strict=True):
            if total:
                best = max(best, sum(self._idf.get(t, self._max_idf) for t in phrasing & query_set) / total)
        return best

    def _covering_terms(self, position: int, query_terms: list[str], weights: list[float]) -> frozenset[str]:
        """The item's terms for this question: all of them, or for an item with phrasings the
        rest of its texts plus the one phrasing that holds most of the question."""
        phrasings = self._phrasing_terms[position]
        if not phrasings:
            return self._doc_terms[position]
        base = self._base_terms[position]

        def held(extra: frozenset[str]) -> float:
            return sum(w for t, w in zip(query_terms, weights, strict=True) if t in base or t in extra)

        return base | max(phrasings, key=held)

    def _link_match(self, doc: IndexedDoc, query_set: set[str]) -> float:
        """For an FAQ, the largest share of a linked procedure's name that the query says."""
        best = 0.0
        for code in doc.links if doc.type == "faq" else ():
            position = self._by_key.get(("procedure", code))
            if position is None:
                continue
            for names, total in self._names[position]:
                best = max(best, sum(self._idf.get(t, self._max_idf) for t in names & query_set) / total)
        return best

    def _own_words_of(self, position: int) -> tuple[dict[str, float], float] | None:
        """For an FAQ, the words its own question adds to the names of its linked procedures,
        with their IDF, and their IDF sum; None when they weigh less than one ordinary word (or
        for a procedure). Other phrasings are left out: written to be found, they add stray
        words. Worked out once per index, not per question."""
        doc = self.docs[position]
        if doc.type != "faq" or not self._names[position]:
            return None
        linked: set[str] = set()
        for code in doc.links:
            linked_position = self._by_key.get(("procedure", code))
            if linked_position is not None:
                for names, _total in self._names[linked_position]:
                    linked |= names
        question, _total = self._names[position][0]  # its own question, not the phrasings
        own = {t: self._idf.get(t, self._max_idf) for t in question if t not in linked}
        total = sum(own.values())
        return (own, total) if total >= OWN_WORDS_MIN_IDF else None

    def _own_match(self, position: int, query_set: set[str]) -> float:
        """For an FAQ, the IDF-weighted share the query says of what its own question adds to
        the names of its linked procedures (0 when that is less than one ordinary word)."""
        own_words = self._own_words[position]
        if own_words is None:
            return 0.0
        own, total = own_words
        return sum(weight for term, weight in own.items() if term in query_set) / total

    def _rerank(self, query_terms: list[str], hits: list[SearchHit], positions: list[int]) -> list[SearchHit]:
        """The first FAQ candidates in the re-ranker's order, in the places FAQs held."""
        assert self._reranker is not None
        slots = [i for i, h in enumerate(hits) if h.type == "faq"][:RERANK_FAQS]
        if len(slots) < 2:
            return hits
        query = self.rerank_query(query_terms)
        scores = self._reranker.scores(query, [positions[i] for i in slots])
        ranked = [slots[j] for j in np.argsort(-scores, kind="stable")]
        result = list(hits)
        for slot, source in zip(slots, ranked, strict=True):
            result[slot] = hits[source]
        return result

    def rerank_query(self, query_terms: list[str]) -> RerankQuery:
        """The question as the re-ranker sees it (its grams come from its content syllables,
        which are its single-syllable terms)."""
        assert self._reranker is not None
        return self._reranker.query(query_terms, char_grams(_syllables_of_terms(query_terms)))

    def _weight(self, term: str) -> float:
        """IDF of a known term; an unknown word weighs as the rarest, an unknown pair half that."""
        if term in self._idf:
            return self._idf[term]
        return self._max_idf / 2 if is_pair(term) else self._max_idf



def _syllables_of_terms(term_list: list[str]) -> list[str]:
    """The content syllables of a text, in order: its single-syllable terms."""
    return [t for t in term_list if not is_pair(t)]


class _AspectTerms(Mapping[str, frozenset[str]]):
    """One procedure's terms per aspect of its answer, analysed on first use and kept."""

    def __init__(self, texts: dict[str, str], synonyms: Canonicalizer) -> None:
        self._texts = texts
        self._synonyms = synonyms
        self._terms: dict[str, frozenset[str]] = {}

    def __getitem__(self, aspect: str) -> frozenset[str]:
        terms = self._terms.get(aspect)
        if terms is None:
            terms = frozenset(analyze(self._texts[aspect], self._synonyms))  # KeyError: no such aspect
            self._terms[aspect] = terms
        return terms

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)
