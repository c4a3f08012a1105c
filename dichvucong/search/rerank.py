"""Second-stage ranking of FAQ candidates, learned from the FAQs' own phrasings.

BM25 finds the right FAQ among its first few far more often than first: a citizen's
paraphrase shares few words with the FAQ's question, and a rival FAQ that repeats one rare
word wins. This step re-orders the FAQ candidates BM25 found with a small linear model over
a handful of match features:

* BM25 (own computation, so one phrasing can be left out, see below), absolute and relative
  to the best candidate;
* how much of the question the FAQ's own fields contain, and with its answer;
* how much of one FAQ phrasing the citizen said, and how much of the question one phrasing
  holds;
* character 3–5-gram TF-IDF cosine of the question with the FAQ's phrasings and tags:
  robust to missing diacritics, glued words and inflected compounds;
* the IDF-weighted share of the question's syllable pairs the FAQ contains (word order);
* words the question uses where the FAQ says another, learned from FAQs asked both ways
  ("nhờ … thay" in one phrasing, "ủy quyền" in another, in at least two FAQs);
* BM25 and coverage with term statistics of the FAQs alone ("khai sinh" is rare in the
  catalogue but says little between two birth-registration FAQs).

**Training data are the FAQs themselves**, rebuilt with the index whenever the content
revision moves (an import or a console edit): every phrasing of an FAQ (its question, its
other phrasings, those officials attached from conversations) is asked as a question against
the other FAQs, with that phrasing *left out* of its own FAQ — so the FAQ must be recognised
from its other phrasings, tags and answer, as a citizen's new paraphrase would be. Its BM25
rivals are the negatives. A pairwise logistic regression (RankNet on feature differences,
Newton's method, L2) learns the weights; a few thousand pairs and ten features train in a
fraction of a second, with numpy only. No model is downloaded, nothing is trained at answer
time, and the Rasa model is not involved.

**Measured, and off by default** (``SearchIndex(rerank=True)``, ``make eval`` with
``--rerank``): on the dev set it does not beat the first stage — FAQ search top-1 0.768
against 0.800 — and even weights fitted on dev itself only tie with BM25's order. The
phrasings officials write are close variants of each other, so what separates them (shared
character n-grams) is not what separates a citizen's paraphrase from its rivals; see
docs/answers.md. It is kept so the figure can be measured again as attached phrasings grow.

Features are computed from the analyser's terms (folded, synonyms made canonical, question
phrases cut), so the thesaurus shapes them as it shapes BM25.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Character n-gram sizes of the TF-IDF cosine features (over content syllables).
GRAM_SIZES = (3, 4, 5)
#: BM25 parameters (bm25s' defaults, so the feature agrees with the first stage).
BM25_K1 = 1.5
BM25_B = 0.75
#: BM25 rivals of a left-out phrasing that become negatives of one training question.
TRAIN_RIVALS = 10
#: At most this many training questions (a fixed sample beyond it keeps rebuilds cheap).
MAX_TRAIN_QUESTIONS = 1500
#: L2 penalty of the pairwise logistic regression (on standardised feature differences).
L2_PENALTY = 1.0
NEWTON_STEPS = 12

FEATURES: tuple[str, ...] = (
    "bm25_log",
    "bm25_relative",
    "coverage",
    "coverage_with_answer",
    "phrasing_said",
    "phrasing_coverage",
    "grams_all_phrasings",
    "pair_coverage",
    "associated",
    "bm25_faq_log",
    "coverage_faq",
)

#: Weights used when there is nothing to learn from (fewer than two FAQs with two phrasings):
#: roughly what the model learns on the demo FAQs.
DEFAULT_WEIGHTS = np.array([0.3, 0.5, 1.0, 0.5, 0.5, 0.5, 1.0, 0.3, 0.3, 0.3, 0.3])
#: A word pair counts as associated when this many FAQs ask it one way and the other.
MIN_ASSOCIATION_FAQS = 2

GramVector = dict[str, float]


def char_grams(syllables: Sequence[str]) -> Counter[str]:
    """Character 3–5-grams of the syllables joined by spaces (crossing word boundaries)."""
    text = " " + " ".join(syllables) + " "
    grams: Counter[str] = Counter()
    for n in GRAM_SIZES:
        for i in range(len(text) - n + 1):
            grams[text[i : i + n]] += 1
    return grams


def _cosine(query: GramVector, other: GramVector) -> float:
    if len(query) > len(other):
        query, other = other, query
    return sum(w * other.get(g, 0.0) for g, w in query.items())


@dataclass(frozen=True)
class Phrasing:
    """One way an FAQ is asked: its terms, their weighted counts in the FAQ, its grams."""

    terms: frozenset[str]
    counts: Counter[str]  # term → count × field weight (what it adds to BM25's term frequency)
    grams: Counter[str]  # raw character n-gram counts


@dataclass(frozen=True)
class FaqView:
    """What the re-ranker knows of one FAQ (possibly with one phrasing left out)."""

    tf: dict[str, float]
    length: float
    described: frozenset[str]  # terms of its phrasings and tags
    answer: frozenset[str]
    names: tuple[tuple[frozenset[str], float], ...]  # each phrasing's terms and their IDF sum
    grams: GramVector  # all phrasings and tags together


@dataclass(frozen=True)
class RerankQuery:
    """A question as the re-ranker sees it."""

    terms: tuple[str, ...]
    weights: tuple[float, ...]
    total: float
    term_set: frozenset[str]
    pairs: tuple[tuple[str, float], ...]
    grams: GramVector


class FaqReranker:
    """Scores FAQ candidates for a question; trained from the FAQs when built.

    ``faqs`` maps an FAQ's document position in the index to its analysed fields
    (:class:`FaqSource`, built by :class:`~dichvucong.search.index.SearchIndex`).
    """

    def __init__(
        self,
        faqs: dict[int, FaqSource],
        idf: dict[str, float],
        bm25_idf: dict[str, float],
        average_length: float,
        weight: callable,  # type: ignore[valid-type]
        train: bool = True,
    ) -> None:
        self._idf = idf
        self._bm25_idf = bm25_idf
        self._average_length = max(average_length, 1.0)
        self._weight = weight
        self._sources = faqs
        n = max(len(faqs), 1)
        doc_freq: Counter[str] = Counter()
        for source in faqs.values():
            doc_freq.update(set(source.all_grams()))
        self._gram_idf = {g: math.log((n + 1) / (df + 1)) + 1.0 for g, df in doc_freq.items()}
        self._unknown_gram_idf = math.log(n + 1) + 1.0
        self._views = {position: self._view(source) for position, source in faqs.items()}
        # Term statistics among FAQs only: "khai sinh" is rare in the catalogue but says little
        # between two birth-registration FAQs.
        faq_df: Counter[str] = Counter()
        for view in self._views.values():
            faq_df.update(view.tf.keys())
        self._faq_idf = {t: math.log(1 + (n - df + 0.5) / (df + 0.5)) for t, df in faq_df.items()}
        self._faq_max_idf = math.log(1 + (n + 0.5) / 0.5)
        self._faq_average_length = sum(v.length for v in self._views.values()) / n
        self._pairs_of = {position: _association_pairs(source) for position, source in faqs.items()}
        self._pair_faqs: dict[str, Counter[str]] = {}  # word → word said instead → FAQs
        self._term_faqs: Counter[str] = Counter()
        for position, source in faqs.items():
            for a, b in self._pairs_of[position]:
                self._pair_faqs.setdefault(a, Counter())[b] += 1
            self._term_faqs.update(_singles(source))
        self._association = {a: inner for a in self._pair_faqs if (inner := self._associated_words(a))}
        self.weights = DEFAULT_WEIGHTS.copy()
        self.trained_on = 0  # training questions
        if train:
            self._train()

    def _associated_words(self, word: str, without: int | None = None) -> dict[str, float]:
        """FAQ words ``word`` stands for, learned from FAQs asked both ways: the share of FAQs
        containing ``word`` whose other phrasings say the other word instead (``without``: as
        if that FAQ were not there)."""
        own = self._pairs_of[without] if without is not None else set()
        faqs_with_word = self._term_faqs[word] - (without is not None and word in _singles(self._sources[without]))
        result = {}
        for other, n in self._pair_faqs.get(word, {}).items():
            n -= (word, other) in own
            if n >= MIN_ASSOCIATION_FAQS:
                result[other] = n / (faqs_with_word + 1)
        return result

    def _associations_without(self, position: int) -> dict[str, dict[str, float]]:
        """The associations as if the FAQ at ``position`` had taught nothing."""
        affected = {a for a, _ in self._pairs_of[position]} | (_singles(self._sources[position]) & self._pair_faqs.keys())
        association = dict(self._association)
        for word in affected:
            inner = self._associated_words(word, without=position)
            if inner:
                association[word] = inner
            else:
                association.pop(word, None)
        return association

    # -- features -----------------------------------------------------------------------------
    def _vector(self, grams: Counter[str]) -> GramVector:
        weighted = {g: (1.0 + math.log(c)) * self._gram_idf.get(g, self._unknown_gram_idf) for g, c in grams.items()}
        norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
        return {g: v / norm for g, v in weighted.items()}

    def _view(self, source: FaqSource, leave_out: int | None = None) -> FaqView:
        phrasings = [p for i, p in enumerate(source.phrasings) if i != leave_out]
        tf: Counter[str] = Counter()
        grams: Counter[str] = Counter(source.tag_grams)
        described: set[str] = set(source.tag_terms)
        names = []
        for phrasing in phrasings:
            tf.update(phrasing.counts)
            grams.update(phrasing.grams)
            described |= phrasing.terms
            names.append((phrasing.terms, sum(self._idf.get(t, 0.0) for t in phrasing.terms)))
        tf.update(source.other_counts)
        return FaqView(
            dict(tf), float(sum(tf.values())), frozenset(described), source.answer_terms, tuple(names), self._vector(grams)
        )

    def query(self, terms: Sequence[str], grams: Counter[str]) -> RerankQuery:
        """The question's terms, their weights and its character n-grams."""
        weights = tuple(self._weight(t) for t in terms)
        pairs = tuple((t, w) for t, w in zip(terms, weights, strict=True) if "_" in t)
        return RerankQuery(tuple(terms), weights, sum(weights), frozenset(terms), pairs, self._vector(grams))

    def _bm25(self, query: RerankQuery, view: FaqView, faq_statistics: bool = False) -> float:
        average, idf = (self._faq_average_length, self._faq_idf) if faq_statistics else (self._average_length, self._bm25_idf)
        norm = BM25_K1 * (1 - BM25_B + BM25_B * view.length / average)
        score = 0.0
        for term in query.term_set:
            tf = view.tf.get(term)
            if tf:
                score += idf.get(term, 0.0) * tf * (BM25_K1 + 1) / (tf + norm)
        return score

    def _features(
        self, query: RerankQuery, view: FaqView, association: dict[str, dict[str, float]] | None = None
    ) -> list[float]:
        total = query.total or 1.0
        association = self._association if association is None else association
        associated = 0.0
        for term, w in zip(query.terms, query.weights, strict=True):
            if term in view.described or term not in association:
                continue
            associated += w * max((v for b, v in association[term].items() if b in view.described), default=0.0)
        covered = with_answer = 0.0
        for term, w in zip(query.terms, query.weights, strict=True):
            if term in view.described:
                covered += w
                with_answer += w
            elif term in view.answer:
                with_answer += w
        said = phrasing_cover = 0.0
        for terms, name_total in view.names:
            shared = query.term_set & terms
            if name_total and shared:
                said = max(said, sum(self._idf.get(t, 0.0) for t in shared) / name_total)
                phrasing_cover = max(
                    phrasing_cover, sum(w for t, w in zip(query.terms, query.weights, strict=True) if t in terms) / total
                )
        pair_total = sum(w for _, w in query.pairs)
        pair_cover = sum(w for t, w in query.pairs if t in view.described) / pair_total if pair_total else 0.0
        bm25 = self._bm25(query, view)
        faq_weights = [self._faq_idf.get(t, self._faq_max_idf) for t in query.terms]
        faq_total = sum(faq_weights) or 1.0
        faq_covered = sum(w for t, w in zip(query.terms, faq_weights, strict=True) if t in view.described)
        return [
            math.log1p(bm25), bm25, covered / total, with_answer / total, said, phrasing_cover,
            _cosine(query.grams, view.grams), pair_cover, associated / total,
            math.log1p(self._bm25(query, view, faq_statistics=True)), faq_covered / faq_total,
        ]

    def _matrix(
        self, query: RerankQuery, views: Sequence[FaqView], association: dict[str, dict[str, float]] | None = None
    ) -> np.ndarray:
        rows = np.array([self._features(query, v, association) for v in views], dtype=float).reshape(len(views), len(FEATURES))
        if len(views):
            best = rows[:, 1].max()
            rows[:, 1] = rows[:, 1] / best if best > 0 else 0.0
        return rows

    def scores(self, query: RerankQuery, positions: Sequence[int]) -> np.ndarray:
        """The model's score of each candidate FAQ (by document position); higher is better."""
        views = [self._views[p] for p in positions]
        return self._matrix(query, views) @ self.weights

    # -- training -----------------------------------------------------------------------------
    def _postings(self, positions: list[int]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per term, the FAQs (rows of ``positions``) holding it and its BM25 contribution."""
        rows: dict[str, list[int]] = {}
        contributions: dict[str, list[float]] = {}
        for row, position in enumerate(positions):
            view = self._views[position]
            norm = BM25_K1 * (1 - BM25_B + BM25_B * view.length / self._average_length)
            for term, tf in view.tf.items():
                rows.setdefault(term, []).append(row)
                contributions.setdefault(term, []).append(self._bm25_idf.get(term, 0.0) * tf * (BM25_K1 + 1) / (tf + norm))
        return {t: (np.array(rows[t]), np.array(contributions[t])) for t in rows}

    def _train(self) -> None:
        """Pairwise logistic regression: each left-out phrasing's FAQ against its BM25 rivals."""
        questions = [(p, i) for p, s in self._sources.items() if len(s.phrasings) > 1 for i in range(len(s.phrasings))]
        if len({p for p, _ in questions}) < 2:
            return
        if len(questions) > MAX_TRAIN_QUESTIONS:
            questions.sort(key=lambda pi: zlib.crc32(f"{pi[0]}:{pi[1]}".encode()))
            questions = questions[:MAX_TRAIN_QUESTIONS]
        positions = list(self._views)
        postings = self._postings(positions)
        differences: list[np.ndarray] = []
        query_weights: list[np.ndarray] = []
        associations: dict[int, dict[str, dict[str, float]]] = {}
        for position, left_out in questions:
            source = self._sources[position]
            phrasing = source.phrasings[left_out]
            query = self.query(source.phrasing_terms[left_out], phrasing.grams)
            if not query.total:
                continue
            bm25 = np.zeros(len(positions))
            for term in query.term_set:
                if term in postings:
                    rows, contributions = postings[term]
                    bm25[rows] += contributions
            order = np.argsort(-bm25)
            rivals = [positions[j] for j in order[: TRAIN_RIVALS + 1] if positions[j] != position and bm25[j] > 0]
            rivals = rivals[:TRAIN_RIVALS]
            if not rivals:
                continue
            views = [self._view(source, leave_out=left_out), *(self._views[r] for r in rivals)]
            # The left-out phrasing's FAQ taught nothing: associations without it.
            if position not in associations:
                associations[position] = self._associations_without(position)
            association = associations[position]
            rows = self._matrix(query, views, association)
            differences.append(rows[0] - rows[1:])
            query_weights.append(np.full(len(rivals), 1.0 / len(rivals)))
        if not differences:
            return
        x = np.vstack(differences)
        sample_weight = np.concatenate(query_weights)
        scale = x.std(axis=0)
        scale[scale == 0] = 1.0
        xs = x / scale
        w = np.zeros(xs.shape[1])
        for _ in range(NEWTON_STEPS):
            p = 1.0 / (1.0 + np.exp(-(xs @ w)))
            gradient = -(xs.T @ (sample_weight * (1 - p))) + 2 * L2_PENALTY * w
            hessian = (xs * (sample_weight * p * (1 - p))[:, None]).T @ xs + 2 * L2_PENALTY * np.eye(len(w))
            step = np.linalg.solve(hessian, gradient)
            w -= step
            if np.abs(step).max() < 1e-6:
                break
        self.weights = w / scale
        self.trained_on = len(differences)


@dataclass(frozen=True)
class FaqSource:
    """One FAQ's analysed fields, as the index analysed them."""

    phrasings: tuple[Phrasing, ...]
    phrasing_terms: tuple[tuple[str, ...], ...]  # each phrasing's terms as a question would give them
    tag_terms: frozenset[str]
    tag_grams: Counter[str]
    answer_terms: frozenset[str]
    other_counts: Counter[str]  # tags and answer, weighted (BM25 term frequency)

    def all_grams(self) -> Counter[str]:
        grams: Counter[str] = Counter(self.tag_grams)
        for phrasing in self.phrasings:
            grams.update(phrasing.grams)
        return grams


def _association_pairs(source: FaqSource) -> set[tuple[str, str]]:
    """(word of one phrasing, word another phrasing of the same FAQ says instead)."""
    singles = [{t for t in p.terms if "_" not in t} for p in source.phrasings]
    pairs: set[tuple[str, str]] = set()
    for i, one in enumerate(singles):
        for j, other in enumerate(singles):
            if i != j:
                pairs.update((a, b) for a in one - other for b in other - one)
    return pairs


def _singles(source: FaqSource) -> set[str]:
    """The single-syllable terms of an FAQ's phrasings."""
    return {t for p in source.phrasings for t in p.terms if "_" not in t}
