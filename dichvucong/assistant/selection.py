"""Choose the one answer to give: an FAQ, an aspect of a procedure, a choice, or nothing.

Every answerable unit competes for the question: each FAQ, and each procedure (answered on
the aspects the citizen asked). The search ranks them together; this step decides from
what each unit *covers* of the question — the IDF-weighted share of its content words.

* A **generic** question ("lệ phí đăng ký kết hôn") says nothing beyond the procedure's
  name: the procedure's aspect is the answer, whatever FAQs also mention the procedure.
* A **specific** question ("bà nội đi khai sinh cho cháu được không, bố mẹ đi làm xa")
  carries words the procedure does not: an FAQ that covers those extra words is preferred.
  When that FAQ is certain it is the answer; when it is not, the procedure's answer comes
  with up to three "Câu hỏi liên quan" buttons, the best FAQ candidates.
* Procedures whose scores are too close to tell apart are offered as a choice (the caller
  adds a distinguishing detail to near-identical names), never picked silently.
* A unit that covers too little of the question (a topic the catalogue does not have, such
  as maternity benefit next to unemployment benefit) is not an answer at all.

The thresholds below were set on the development set (tests/fixtures/eval/dev.jsonl), never
on the frozen evaluation set; ``make eval`` reports both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum

from dichvucong.search.index import SearchHit

#: A procedure below this 0–1 search confidence is not a candidate (settings may raise it).
PROCEDURE_MIN_SCORE = 0.4
#: A unit must cover at least this share of the question to be an answer: below it, the
#: question is about something the catalogue does not hold.
MIN_ANSWER_COVERAGE = 0.5
#: An FAQ below this search confidence is never a candidate.
FAQ_MIN_SCORE = 0.45
#: Share of the question's weight the procedure leaves uncovered above which the question is
#: "specific" (it says more than the procedure's name and the aspect).
SPECIFIC_EXTRA_SHARE = 0.2
#: Share of those extra words an FAQ must cover to be preferred over the procedure.
FAQ_EXTRA_COVER = 0.5
#: An FAQ is certain when it covers this share of the whole question ...
FAQ_CERTAIN_COVERAGE = 0.7
#: ... and covers the question this much better than the next FAQ (else: "Câu hỏi liên quan").
FAQ_CERTAIN_LEAD = 0.05
#: The citizen said this share of an FAQ's own question: that FAQ is asked by name.
FAQ_NAMED_MATCH = 0.8
#: Procedures within this ratio of the best BM25 score, this close in confidence and in how
#: much of their name was said, are rivals: the citizen chooses.
RIVAL_SCORE_RATIO = 0.85
RIVAL_CONFIDENCE_GAP = 0.05
RIVAL_NAME_MATCH_GAP = 0.1
#: With a procedure in context, another procedure replaces it only when its name is said.
SWITCH_MIN_NAME_MATCH = 0.25
#: At most this many "Câu hỏi liên quan" buttons.
MAX_RELATED = 3


class Decision(str, Enum):
    """What kind of reply the selection calls for."""

    FAQ = "faq"
    PROCEDURE = "procedure"
    CHOICE = "choice"
    NONE = "none"


@dataclass(frozen=True)
class Selection:
    """The chosen unit and what goes with it."""

    decision: Decision
    faq: SearchHit | None = None
    procedure_code: str | None = None
    choices: list[SearchHit] = field(default_factory=list)
    related: list[SearchHit] = field(default_factory=list)


@dataclass(frozen=True)
class Question:
    """The question as the index sees it: its content terms and how much each weighs."""

    terms: list[str]
    weight: Callable[[str], float]

    def share(self, covered: Iterable[str]) -> float:
        """Weighted share of the question's terms found in ``covered`` (0–1)."""
        covered_set = covered if isinstance(covered, (set, frozenset)) else set(covered)
        total = sum(self.weight(t) for t in self.terms)
        if not total:
            return 0.0
        return sum(self.weight(t) for t in self.terms if t in covered_set) / total

    def extra_over(self, unit_terms: frozenset[str]) -> list[str]:
        """The question's terms a unit does not contain."""
        return [t for t in self.terms if t not in unit_terms]


def _share_of(question: Question, subset: list[str], covered: frozenset[str]) -> float:
    total = sum(question.weight(t) for t in subset)
    return sum(question.weight(t) for t in subset if t in covered) / total if total else 0.0


def procedure_candidates(
    hits: list[SearchHit], aspects: Iterable[str] = (), min_score: float = PROCEDURE_MIN_SCORE
) -> list[SearchHit]:
    """The best procedure, plus rivals too close to tell apart.

    A procedure that holds no content for the asked aspects (a bare national name next to
    the province's full record) is not an answer unit for them when another one is.
    """
    candidates = [h for h in hits if h.type == "procedure" and h.score >= min_score and h.coverage >= MIN_ANSWER_COVERAGE]
    wanted = set(aspects) - {"overview"}
    if wanted:
        answerable = [h for h in candidates if wanted <= h.aspects]
        if answerable and answerable[0].rank_score >= candidates[0].rank_score * RIVAL_SCORE_RATIO:
            candidates = answerable
    if not candidates:
        return []
    best = candidates[0]
    rivals = [
        h
        for h in candidates[1:4]
        if h.rank_score >= best.rank_score * RIVAL_SCORE_RATIO
        and h.score >= best.score - RIVAL_CONFIDENCE_GAP
        and h.name_match >= best.name_match - RIVAL_NAME_MATCH_GAP
    ]
    return [best, *rivals]


def select_answer(
    question: Question,
    hits: list[SearchHit],
    current_terms: frozenset[str] | None = None,
    current_code: str | None = None,
    aspects: Iterable[str] = (),
    min_procedure_score: float = PROCEDURE_MIN_SCORE,
) -> Selection:
    """Decide the answer for ``question`` from the ranked ``hits``.

    ``aspects`` are what the citizen asks about the procedure (documents, fee…).
    ``current_code``/``current_terms`` describe the procedure already being discussed: a
    follow-up that names no other procedure stays on it.
    """
    procedures = procedure_candidates(hits, aspects, min_procedure_score)
    if current_code and procedures and procedures[0].name_match < SWITCH_MIN_NAME_MATCH:
        procedures = []  # a follow-up that only shares words with another procedure
    faqs = [h for h in hits if h.type == "faq" and h.score >= FAQ_MIN_SCORE]

    if procedures:
        base_code, base_terms = procedures[0].code, procedures[0].terms
    elif current_code:
        base_code, base_terms = current_code, current_terms or frozenset()
    else:
        base_code, base_terms = None, frozenset()
    base_coverage = question.share(base_terms)
    extra = question.extra_over(base_terms)
    extra_share = 1.0 - base_coverage if question.terms else 0.0

    def faq_rank(hit: SearchHit) -> tuple[float, float, float]:
        linked = base_code is not None and base_code in hit.links
        return (hit.coverage, _share_of(question, extra, hit.terms) if extra else 0.0, float(linked))

    faqs.sort(key=faq_rank, reverse=True)
    # FAQs that say what the procedure does not, and at least as much of the question.
    better = [
        h
        for h in faqs
        if h.coverage >= MIN_ANSWER_COVERAGE
        and h.coverage >= base_coverage
        and (not extra or _share_of(question, extra, h.terms) >= FAQ_EXTRA_COVER)
    ]
    named = [h for h in faqs if h.name_match >= FAQ_NAMED_MATCH and h.coverage >= max(base_coverage, MIN_ANSWER_COVERAGE)]

    if named and (not procedures or extra_share >= SPECIFIC_EXTRA_SHARE or named[0].coverage > base_coverage):
        return Selection(Decision.FAQ, faq=named[0], related=[h for h in better if h is not named[0]][:MAX_RELATED])

    specific = base_code is None or extra_share >= SPECIFIC_EXTRA_SHARE
    if specific and better:
        best = better[0]
        runner_up = next((h.coverage for h in better[1:]), 0.0)
        certain = best.coverage >= FAQ_CERTAIN_COVERAGE and best.coverage - runner_up >= FAQ_CERTAIN_LEAD
        if certain or base_code is None:
            return Selection(Decision.FAQ, faq=best, related=better[1 : MAX_RELATED + 1] if not certain else [])
        return Selection(Decision.PROCEDURE, procedure_code=base_code, related=better[:MAX_RELATED])

    if len(procedures) > 1:
        return Selection(Decision.CHOICE, choices=procedures[:3])
    if base_code is not None:
        related = [h for h in faqs if specific and h.coverage > 0 and base_code in h.links][:MAX_RELATED]
        return Selection(Decision.PROCEDURE, procedure_code=base_code, related=related)
    return Selection(Decision.NONE)
