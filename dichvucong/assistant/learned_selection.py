"""A second opinion on the selection rules, learned from labelled citizen questions.

The rules of :mod:`dichvucong.assistant.selection` read a handful of signals per unit
(coverage, how much of its name was said, the words an FAQ adds, the aspect it answers…)
through thresholds set by hand. On questions written by someone else they do worse than on
the dev sets they were set on (docs/answers.md). This step reads the same signals for the
first :data:`CANDIDATES` units, plus which unit the rules chose, and re-decides with two
linear models trained on the dev sets (``bench/train_selection.py``; never the frozen set):

* a **ranker**: one weight per signal; the unit with the highest weighted sum is the best;
* an **answer check**: from a unit's signals and its lead over the next, the probability
  that it is the right answer. The ranker's best answers when it is the rules' choice too or
  passes the check (:attr:`SelectionModel.threshold`); otherwise the rules' unit stays if it
  is a procedure or passes the check; otherwise the reply is "not found" (with the best
  units as suggestions). So only an FAQ the rules chose can become "not found" here.

Besides the rules' signals, the models read two learnt from the labelled questions
themselves. **Word associations**: a citizen's word that the right unit does not contain,
paired with a word of that unit's names the citizen did not say ("lãnh" with "hưởng", "rớt"
with "mất", "xử lý" with "phạt"), counted over the training questions
(:func:`learn_associations`); a unit whose names hold the associates of the question's
unmatched words is more likely the one asked (:func:`association_scores`). And **earlier
words**: the words earlier citizens used for a unit that the unit itself does not contain
("bay", "sân bay" for the FAQ on which paper to fly with while a new ID card is made), so a
unit that other citizens reached with this question's unmatched words is more likely the
one asked (:func:`earlier_word_scores`). Both ship in the same file, and grow with every
labelled question.

It only re-decides the first question of a conversation turn: a follow-up about the
procedure already discussed, and a choice between near-identical procedures, stay with the
rules. The weights ship as data (``selection_model.json``), readable by anyone: every signal
has a name and one number. Trained together with the rules it stacks on, it is retrained
(``make train-selection``) whenever those rules change.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from dichvucong.assistant.selection import (
    FAQ_MIN_COVERAGE,
    NAME_SAID_CANDIDATE,
    SUGGEST_MIN_NAME_MATCH,
    Decision,
    Question,
    Selection,
    answer_coverage,
    asks_another_aspect,
    faq_candidate,
    has_content,
    procedure_candidates,
    share_of,
    suggestions,
)
from dichvucong.search.index import SearchHit

#: How many of the first hits are candidates (the right unit is among the first ten for 97 %
#: of the dev questions).
CANDIDATES = 10
#: At most this many "Câu hỏi liên quan" under an FAQ the step chose over the rules.
MAX_RELATED = 3
MODEL_PATH = Path(__file__).with_name("selection_model.json")

#: The signals, in the order the models read them.
FEATURES: tuple[str, ...] = (
    "is_faq", "log_position", "is_first", "rank_ratio", "score", "coverage", "name_match",
    "own_match", "link_match", "has_content", "procedure_candidate", "best_procedure_candidate",
    "holds_asked_aspects", "faq_candidate", "other_aspect", "extra_cover", "lead", "faq_yes_no",
    "faq_words_ask_nothing", "faq_extra_share", "procedure_extra_share", "first_faq",
    "first_procedure", "bare", "question_terms", "rules_choice",
    "coverage_over_others", "name_match_over_others", "rank_ratio_over_others", "score_over_others",
    "coverage_over_same_type", "name_match_over_same_type", "coverage_over_other_type",
    "name_match_over_other_type", "word_association", "word_association_over_others",
    "earlier_words", "earlier_words_over_others",
)

#: A question word → the words of units' names associated with it, and how strongly
#: (:func:`learn_associations`).
Associations = Mapping[str, Mapping[str, float]]
#: An association must come from at least this many training questions, and be at least this
#: strong (the share of the questions with that unmatched word, plus one, that paired it with
#: that name word). Held out on six dev sets (``make train-selection``): 1,430 / 1,378 right
#: (national / province catalogue) against 1,419 / 1,362 without associations and the rules'
#: 1,392 / 1,332; pairs met once (67,000 of them) did no better than twice (10,000).
ASSOCIATION_MIN_COUNT = 2
ASSOCIATION_MIN_STRENGTH = 0.2


def learn_associations(labelled: Iterable[tuple[Sequence[str], frozenset[str], frozenset[str]]]) -> dict[str, dict[str, float]]:
    """Word associations from labelled questions: for each (question terms, right unit's
    terms, right unit's name terms), every question term the unit lacks is paired with every
    name term the question lacks; a pair's strength is how many questions paired them over
    how many (plus one) had that question term unmatched."""
    together: Counter[tuple[str, str]] = Counter()
    unmatched: Counter[str] = Counter()
    for question_terms, unit_terms, name_terms in labelled:
        asked = set(question_terms)
        offered = name_terms - asked
        for term in asked - unit_terms:
            unmatched[term] += 1
            for name_term in offered:
                together[(term, name_term)] += 1
    associations: dict[str, dict[str, float]] = {}
    for (term, name_term), count in sorted(together.items()):
        strength = count / (unmatched[term] + 1)
        if count >= ASSOCIATION_MIN_COUNT and strength >= ASSOCIATION_MIN_STRENGTH:
            associations.setdefault(term, {})[name_term] = round(strength, 4)
    return associations


def association_scores(
    question: Question, units: Sequence[tuple[frozenset[str], frozenset[str]]], associations: Associations
) -> list[float]:
    """For each unit (its terms, its name terms): the question's weight, as a share, in words
    the unit lacks, each counted by its strongest associate among the unit's name terms."""
    total = sum(question.weight(t) for t in question.terms) or 1.0
    asked = set(question.terms)
    scores = []
    for unit_terms, name_terms in units:
        offered = name_terms - asked
        score = 0.0
        if associations and offered:
            for term in question.terms:
                associates = associations.get(term)
                if associates and term not in unit_terms:
                    score += question.weight(term) * max((v for n, v in associates.items() if n in offered), default=0.0)
        scores.append(score / total)
    return scores


#: A question word → the units (``"faq:faq-168"``, ``"procedure:1.000656"``) citizens reached
#: with it though the unit does not contain it, and how often (:func:`learn_earlier_words`).
EarlierWords = Mapping[str, Mapping[str, float]]


def unit_key(kind: str, code: str) -> str:
    """How :data:`EarlierWords` names a unit."""
    return f"{kind}:{code}"


def learn_earlier_words(labelled: Iterable[tuple[Sequence[str], frozenset[str], str]]) -> dict[str, dict[str, float]]:
    """From (question terms, right unit's terms, right unit's key): every question term the
    unit lacks, with the unit; its strength is the share of the questions (plus one) with that
    term unmatched that reached the unit. Held out on six dev sets, on top of the word
    associations: 1,441 / 1,391 right against 1,427 / 1,377; terms met twice only: 1,430 / 1,381."""
    reached: Counter[tuple[str, str]] = Counter()
    unmatched: Counter[str] = Counter()
    for question_terms, unit_terms, key in labelled:
        for term in set(question_terms) - unit_terms:
            unmatched[term] += 1
            reached[(term, key)] += 1
    earlier: dict[str, dict[str, float]] = {}
    for (term, key), count in sorted(reached.items()):
        earlier.setdefault(term, {})[key] = round(count / (unmatched[term] + 1), 4)
    return earlier


def earlier_word_scores(question: Question, units: Sequence[tuple[frozenset[str], str]], earlier: EarlierWords) -> list[float]:
    """For each unit (its terms, its key): the question's weight, as a share, in words the unit
    lacks that earlier citizens used to reach it, each counted by its strength."""
    total = sum(question.weight(t) for t in question.terms) or 1.0
    scores = []
    for unit_terms, key in units:
        score = 0.0
        if earlier:
            for term in question.terms:
                units_reached = earlier.get(term)
                if units_reached and key in units_reached and term not in unit_terms:
                    score += question.weight(term) * units_reached[key]
        scores.append(score / total)
    return scores


def set_learnt_word_features(
    rows: list[dict[str, float]], associations: Sequence[float], earlier: Sequence[float]
) -> None:
    """Write the association (:func:`association_scores`) and earlier-word
    (:func:`earlier_word_scores`) scores into the units' rows, with each unit's lead."""
    for row, association, said in zip(rows, associations, earlier, strict=True):
        row["word_association"] = association
        row["earlier_words"] = said
    for name in ("word_association", "earlier_words"):
        for slot, row in enumerate(rows):
            others = [r[name] for i, r in enumerate(rows) if i != slot]
            row[f"{name}_over_others"] = row[name] - max(others, default=row[name])


@dataclass(frozen=True)
class Context:
    """What the rules were given: the asked aspects, those the words name, yes or no."""

    aspects: Sequence[str]
    named_aspects: Sequence[str] | None
    yes_no: bool
    min_score: float


def candidate_units(hits: list[SearchHit], chosen: Selection) -> list[SearchHit]:
    """The first CANDIDATES hits, and the rules' unit when it ranks further down (a procedure
    the rules took below the answer bar)."""
    top = hits[:CANDIDATES]
    extra = next((h for h in hits[CANDIDATES:] if _chose(chosen, h)), None)
    return [*top, extra] if extra is not None else top


def unit_features(
    question: Question,
    hits: list[SearchHit],
    context: Context,
    chosen: Selection,
    associations: Associations | None = None,
    earlier: EarlierWords | None = None,
) -> list[dict[str, float]]:
    """The signals of each candidate unit (:func:`candidate_units`), as the models read them."""
    top = candidate_units(hits, chosen)
    if not top:
        return []
    aspects = list(context.aspects)
    judged = list(context.named_aspects) if context.named_aspects is not None else aspects
    asked_by_words = set(judged) if context.named_aspects is not None else set(judged) - {"overview"}
    candidates = procedure_candidates(hits, aspects, context.min_score, question)
    candidate_ids = {id(h) for h in candidates}
    procedures = [h for h in top if h.type == "procedure"]
    faqs = [h for h in top if h.type == "faq"]
    base = candidates[0] if candidates else (procedures[0] if procedures else None)
    base_coverage = answer_coverage(question, base, aspects) if base is not None else 0.0
    extra = question.extra_over(base.terms if base is not None else frozenset())
    total = sum(question.weight(t) for t in question.terms) or 1.0
    extra_share = sum(question.weight(t) for t in extra) / total
    wanted = set(aspects) - {"overview"}
    first_rank = top[0].rank_score or 1.0
    rows: list[dict[str, float]] = []
    for slot, hit in enumerate(top):
        position = slot if slot < CANDIDATES else hits.index(hit)
        faq = hit.type == "faq"
        coverage = answer_coverage(question, hit, aspects)
        rows.append({
            "is_faq": float(faq),
            "log_position": math.log1p(position),
            "is_first": float(position == 0),
            "rank_ratio": hit.rank_score / first_rank,
            "score": hit.score,
            "coverage": coverage,
            "name_match": hit.name_match,
            "own_match": hit.own_match if faq else 0.0,
            "link_match": hit.link_match if faq else 0.0,
            "has_content": float(not faq and has_content(hit)),
            "procedure_candidate": float(id(hit) in candidate_ids),
            "best_procedure_candidate": float(bool(candidates) and hit is candidates[0]),
            "holds_asked_aspects": float(not faq and wanted <= hit.aspects),
            "faq_candidate": float(faq and faq_candidate(hit)),
            "other_aspect": float(faq and asks_another_aspect(hit, judged, context.yes_no)),
            "extra_cover": share_of(question, extra, hit.terms) if faq and extra else 0.0,
            "lead": coverage - base_coverage if faq else 0.0,
            "faq_yes_no": float(faq and context.yes_no),
            "faq_words_ask_nothing": float(faq and not asked_by_words),
            "faq_extra_share": extra_share if faq else 0.0,
            "procedure_extra_share": 0.0 if faq else extra_share,
            "first_faq": float(faq and hit is faqs[0]),
            "first_procedure": float(not faq and hit is procedures[0]),
            "bare": float(not faq and not has_content(hit)),
            "question_terms": math.log1p(len(set(question.terms))),
            "rules_choice": float(_chose(chosen, hit)),
        })
    for slot, row in enumerate(rows):
        hit = top[slot]
        others = [r for i, r in enumerate(rows) if i != slot]
        same = [r for i, r in enumerate(rows) if i != slot and top[i].type == hit.type]
        other_type = [r for i, r in enumerate(rows) if top[i].type != hit.type]
        # A unit with no rival has shown no lead over one (0, not its whole value).
        for name in ("coverage", "name_match", "rank_ratio", "score"):
            row[f"{name}_over_others"] = row[name] - max((r[name] for r in others), default=row[name])
        for name in ("coverage", "name_match"):
            row[f"{name}_over_same_type"] = row[name] - max((r[name] for r in same), default=row[name])
            row[f"{name}_over_other_type"] = row[name] - max((r[name] for r in other_type), default=row[name])
    set_learnt_word_features(
        rows,
        association_scores(question, [(h.terms, h.name_terms) for h in top], associations or {}),
        earlier_word_scores(question, [(h.terms, unit_key(h.type, h.code)) for h in top], earlier or {}),
    )
    return rows


def _named_bare_choice(selection: Selection) -> bool:
    """The rules chose a bare catalogue name the citizen said almost word for word
    (NAME_SAID_CANDIDATE): "procedure X exists, details not updated yet, ask here" is the
    answer, not an FAQ about something that shares a few of its words ("gia hạn giấy phép
    khai thác khoáng sản …" is no construction-permit FAQ). It changes no answer on the dev
    sets (seven of their questions reach it), whose questions are about units with content:
    a rule, since there is nothing to learn it from."""
    procedure = selection.procedure
    return (
        selection.decision is Decision.PROCEDURE and procedure is not None and not has_content(procedure)
        and procedure.name_match >= NAME_SAID_CANDIDATE
    )


def _chose(selection: Selection, hit: SearchHit) -> bool:
    if selection.decision is Decision.FAQ:
        return selection.faq is not None and selection.faq.type == hit.type and selection.faq.code == hit.code
    if selection.decision is Decision.PROCEDURE:
        return hit.type == "procedure" and selection.procedure_code == hit.code
    return False


def vector(row: dict[str, float]) -> list[float]:
    """A unit's signals in FEATURES order."""
    return [row[name] for name in FEATURES]


@dataclass(frozen=True)
class SelectionModel:
    """The two trained linear models and the answer threshold."""

    ranker: tuple[float, ...]  # one weight per FEATURES entry
    answer: tuple[float, ...]  # one weight per FEATURES entry, then the lead over the next
    answer_intercept: float
    threshold: float
    associations: Associations = field(default_factory=dict)
    earlier_words: EarlierWords = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> SelectionModel:
        """The model in ``path``; every FEATURES signal must have its weights."""
        data = json.loads(path.read_text(encoding="utf-8"))
        missing = [name for name in FEATURES if name not in data["ranker"] or name not in data["answer"]]
        if missing:
            raise ValueError(f"{path}: no weight for {', '.join(missing)} (retrain: make train-selection)")
        return cls(
            ranker=tuple(float(data["ranker"][name]) for name in FEATURES),
            answer=(*(float(data["answer"][name]) for name in FEATURES), float(data["answer_lead"])),
            answer_intercept=float(data["answer_intercept"]),
            threshold=float(data["threshold"]),
            associations={
                term: {name_term: float(strength) for name_term, strength in associates.items()}
                for term, associates in data.get("associations", {}).items()
            },
            earlier_words={
                term: {key: float(strength) for key, strength in reached.items()}
                for term, reached in data.get("earlier_words", {}).items()
            },
        )

    def ranks(self, rows: Iterable[dict[str, float]]) -> list[float]:
        """The ranker's score of each unit (higher is better)."""
        return [sum(w * x for w, x in zip(self.ranker, vector(row), strict=True)) for row in rows]

    def best(self, rows: list[dict[str, float]]) -> tuple[int, float] | None:
        """The best unit's position and the probability it is the right answer (None: no units)."""
        if not rows:
            return None
        scores = self.ranks(rows)
        best = max(range(len(rows)), key=lambda i: scores[i])
        return best, self.probability(rows, best, scores)

    def probability(self, rows: list[dict[str, float]], position: int, scores: list[float] | None = None) -> float:
        """The answer check: how likely the unit at ``position`` is the right answer."""
        scores = scores if scores is not None else self.ranks(rows)
        others = max((s for i, s in enumerate(scores) if i != position), default=scores[position])
        inputs = [*vector(rows[position]), scores[position] - others]
        logit = self.answer_intercept + sum(w * x for w, x in zip(self.answer, inputs, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, logit))))

    def decide(self, rows: list[dict[str, float]]) -> int | None:
        """The position of the unit to answer with, or None for "not found" (:meth:`verdict`)."""
        verdict = self.verdict(rows)
        return verdict[0] if verdict is not None else None

    def verdict(self, rows: list[dict[str, float]]) -> tuple[int, float] | None:
        """The unit to answer with and the answer check's probability for it, or None for
        "not found": the ranker's best when it is the rules' choice too, or when the answer
        check passes it; else the rules' choice if it is a procedure or the check passes it.
        Only an FAQ the rules chose, or their "not found", can become "not found" here."""
        if not rows:
            return None
        scores = self.ranks(rows)
        best = max(range(len(rows)), key=lambda i: scores[i])
        probability = self.probability(rows, best, scores)
        chosen = next((i for i, row in enumerate(rows) if row["rules_choice"]), None)
        if best == chosen or (probability >= self.threshold and worth_answering(rows[best])):
            return best, probability
        if chosen is not None:
            kept = self.probability(rows, chosen, scores)
            if not rows[chosen]["is_faq"] or kept >= self.threshold:
                return chosen, kept
        return None


def worth_answering(row: dict[str, float]) -> bool:
    """A unit the learned step may answer with against the rules: the citizen said part of its
    name (as for a suggestion) or it holds as much of the question as an FAQ must. "cấp phép
    khai thác nước ngầm lệ phí bao nhiêu" shares one word with "Đổi giấy phép lái xe", however
    the signals add up. Held out on six dev sets it costs 3 / 1 questions (national / province
    catalogue); asking both, or coverage alone, cost more."""
    return row["name_match"] >= SUGGEST_MIN_NAME_MATCH or row["coverage"] >= FAQ_MIN_COVERAGE


def reconsider(
    model: SelectionModel,
    question: Question,
    hits: list[SearchHit],
    selection: Selection,
    context: Context,
    current_code: str | None = None,
) -> Selection:
    """The rules' selection, or the unit the learned models prefer (or none)."""
    if current_code or selection.decision is Decision.CHOICE:
        return selection
    if _named_bare_choice(selection):
        return selection
    units = candidate_units(hits, selection)
    rows = unit_features(question, hits, context, selection, model.associations, model.earlier_words)
    if not rows:
        return selection
    verdict = model.verdict(rows)
    if verdict is None:
        if selection.decision is not Decision.FAQ:
            return selection  # "not found", or a procedure the rules took from further down
        return Selection(Decision.NONE, suggestions=suggestions(hits, context.min_score))
    position, confidence = verdict
    unit = units[position]
    if _chose(selection, unit):
        return replace(selection, confidence=confidence)
    if unit.type == "faq":
        related = [
            h for h in hits[:CANDIDATES]
            if h.type == "faq" and h is not unit and faq_candidate(h)
        ][:MAX_RELATED]
        return Selection(Decision.FAQ, faq=unit, related=related, confidence=confidence)
    rivals = procedure_candidates(hits, context.aspects, context.min_score, question)
    if len(rivals) > 1 and rivals[0] is unit and any(has_content(h) for h in rivals):
        return Selection(Decision.CHOICE, choices=rivals[:3])
    related = [h for h in hits[:CANDIDATES] if h.type == "faq" and faq_candidate(h)][:MAX_RELATED]
    return Selection(Decision.PROCEDURE, procedure_code=unit.code, procedure=unit, related=related, confidence=confidence)
