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
* An FAQ whose own question asks another aspect ("… thì sửa thế nào?") than the citizen
  ("… mất mấy ngày") does not win by containing more of the question or its extra words:
  it answers a different question about the same procedure.
* A long story can leave even the right procedure under the answer bar (its own words are
  in no unit); an FAQ ranked below that procedure must still beat it.
* Procedures whose scores are too close to tell apart are offered as a choice (the caller
  adds a distinguishing detail to near-identical names), never picked silently.
* A unit that covers too little of the question (a topic the catalogue does not have, such
  as maternity benefit next to unemployment benefit) is not an answer at all.

The thresholds below were set on the development sets (tests/fixtures/eval/dev*.jsonl), never
on the frozen evaluation set; ``make eval`` reports both. The rules decide first; a learned
second opinion trained on the same dev sets (``learned_selection.py``) may then re-decide
from their signals and their choice. When nothing is sure enough, "not found" offers the
closest units as suggestions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum

from dichvucong.assistant.aspects import asks_the_steps, detect_aspects, is_comparison
from dichvucong.search.analyzer import is_pair
from dichvucong.search.index import SearchHit
from dichvucong.text.normalize import fold

#: A procedure below this 0–1 search confidence is not a candidate (settings may raise it).
PROCEDURE_MIN_SCORE = 0.4
#: A procedure must contain at least this share of the question's weight (its name, keywords
#: and field): below it the question is about something the catalogue does not hold
#: ("thai sản" next to "trợ cấp thất nghiệp").
MIN_ANSWER_COVERAGE = 0.5
#: ... unless the citizen said this share of its name: a long story around "đăng ký tạm trú"
#: or "giấy hôn thú" is still about that procedure, whatever else it tells.
NAME_SAID_CANDIDATE = 0.8
#: An FAQ (its question, other phrasings and tags) must contain at least this share: FAQ
#: questions are shorter than citizens' stories, so less is asked of them.
FAQ_MIN_COVERAGE = 0.3
#: ... and the citizen must have said at least this share of the FAQ's own question (or one
#: of its phrasings): an FAQ about something else that shares a few words ("bệnh viện tỉnh"
#: for "thư viện tỉnh") is not the answer.
FAQ_MIN_NAME_MATCH = 0.25
#: An FAQ about a procedure whose name the citizen did not say (at most this share) must have
#: this much of its own question said: "làm thẻ ATM cho con dưới 18 tuổi" shares "tài khoản
#: ngân hàng" with the FAQ on receiving social allowance in a bank account, but names no
#: allowance.
FAQ_MIN_LINK_MATCH = 0.1
FAQ_UNLINKED_NAME_MATCH = 0.55
#: An FAQ that contains this much more of the question than the procedure is the answer.
FAQ_COVERAGE_MARGIN = 0.1
#: Share of the question's weight the procedure does not contain above which the question is
#: "specific": it says more than the procedure's name and the aspect.
SPECIFIC_EXTRA_SHARE = 0.3
#: For a specific question, an FAQ containing this share of those extra words is the answer.
FAQ_EXTRA_COVER = 0.5
#: The citizen said this share of an FAQ's own question (or one of its phrasings), and the
#: FAQ contains what the question adds to the procedure's name: the FAQ was asked, even when
#: the addition is small ("sinh con ở nhà, không có giấy chứng sinh").
FAQ_NAMED_MATCH = 0.9
#: The citizen said this share of an FAQ's question (FAQ_NAMED_MATCH) and of what that
#: question adds to its procedure's name (``SearchHit.own_match``): the FAQ was asked, even
#: when the procedure contains as much of the question ("xin lltp để đi du học ở đâu" is the
#: FAQ on a certificate for studying abroad; "mất hộ chiếu phải làm gì" the FAQ on a lost
#: passport, not what "Cấp hộ chiếu phổ thông" is).
FAQ_OWN_SAID = 0.9
#: The citizen said this share of an FAQ's own question (or one of its phrasings), the search
#: ranks it above the procedure and it contains at least as much of the question: the FAQ
#: was asked ("xin giấy độc thân để lấy chồng người Đài Loan ở đâu" is the FAQ on a
#: certificate for marrying a foreigner, not the certificate's place).
FAQ_OUTRANKS_NAME_MATCH = 0.75
#: ... and contains more than this share of what the question adds to the procedure.
FAQ_OUTRANKS_EXTRA_COVER = 0.25
#: A procedure whose name the citizen said less than this share of (found by its keywords)
#: gives way to an FAQ ranked above it whose question the citizen said for the most part
#: (FAQ_OUTRANKS_NAME_MATCH), without the extra-words condition.
UNNAMED_BASE_NAME_MATCH = 0.1
#: When the citizen's words name no aspect, an FAQ ranked above the procedure may contain
#: this much less of the question and still be the answer (the procedure has only its
#: overview to give).
FAQ_OVERVIEW_MARGIN = 0.05
#: An FAQ chosen by less than this coverage lead over the procedure is not certain: the
#: procedure's other FAQs are offered beside it as "Câu hỏi liên quan".
FAQ_CERTAIN_MARGIN = 0.15
#: Procedures within this ratio of the best BM25 score, this close in confidence and in how
#: much of their name was said, are rivals: the citizen chooses. The name gap is 0.12, not
#: 0.1: "căn cước" says 0.57 of "Cấp lại thẻ căn cước" and 0.47 of "Cấp đổi thẻ căn cước",
#: a gap that moves with the weights of the unsaid "lại" and "đổi" whenever content is added
#: (held out on the dev sets, 0.1 and 0.12 choose alike).
RIVAL_SCORE_RATIO = 0.85
RIVAL_CONFIDENCE_GAP = 0.05
RIVAL_NAME_MATCH_GAP = 0.12
#: ... and of procedures within RIVAL_SCORE_RATIO, one whose name was said by this much more
#: is the best, whatever the BM25 order.
NAME_SAID_LEAD = 0.3
#: With a procedure in context, another procedure replaces it only when its name is said.
SWITCH_MIN_NAME_MATCH = 0.25
#: A message NLU called out of scope is still answered when the catalogue clearly holds it:
#: the unit must contain this share of the question, which must have this many terms, and at
#: least one of the question's syllable pairs (a compound such as "căn cước"): single
#: syllables shared by accident ("kể chuyện" with "… kể cả …") are not a topic.
OUT_OF_SCOPE_MIN_COVERAGE = 0.55
OUT_OF_SCOPE_MIN_TERMS = 3
#: ... or, for a long story, this many of its syllable pairs and this share of its weight
#: ("vừa bị rơi mất căn cước, việc đầu tiên cần làm là gì": "mất thẻ", "thẻ căn", "căn cước").
OUT_OF_SCOPE_STORY_PAIRS = 3
OUT_OF_SCOPE_STORY_COVERAGE = 0.35
#: ... and in both cases the citizen said this share of the unit's own name (or FAQ question):
#: "đội tuyển Việt Nam đá mấy giờ" shares "Việt Nam" with "Cấp Phiếu lý lịch tư pháp cho
#: công dân Việt Nam…", which is no reason to answer it.
OUT_OF_SCOPE_MIN_NAME_MATCH = 0.4
#: ... or the learned answer check (``Selection.confidence``) is this sure of the unit and the
#: citizen said OUT_OF_SCOPE_MIN_NAME_MATCH of its name: "Tạm trú của tôi còn nửa tháng nữa là
#: hết hạn, muốn ở tiếp thì phải làm gì?" is the FAQ on extending it. The name bar keeps word
#: collisions out ("cách làm sữa chua" folds like "sửa chữa", a building permit the check is
#: sure of). Dev sets, on the 101 questions NLU called out of scope: 71 → 77 answered right
#: (0.5 and 0.6: 74), none of the questions we lack answered by it.
OUT_OF_SCOPE_LEARNED_CONFIDENCE = 0.4
#: ... or the check is all but certain (this sure) and the citizen said this much of the name:
#: "khi chuyển nhượng đất thì bên mua hay bên bán chịu thuế thu nhập" is the FAQ on who pays
#: (0.996 sure, 0.39 of its question said). On the eight dev sets, if NLU called every
#: question out of scope, 113 more would pass with a right unit and none with a wrong one (the
#: demo catalogue alone: 70 and 1); none of the 564 out-of-scope NLU examples and the 217 dev
#: out-of-catalogue questions gets an answer this way that it did not get before.
OUT_OF_SCOPE_CERTAIN_CONFIDENCE = 0.98
OUT_OF_SCOPE_CERTAIN_NAME_MATCH = 0.3
#: A procedure that covers the question only through one of its keyword phrasings (a
#: citizen's question officials attached) is a candidate only when the citizen said this
#: share of that phrasing (``_found_by_a_stray_phrasing``). Held out on ten dev sets with
#: their questions attached (national / province catalogue): without the bar 2,628 / 2,570 of
#: 2,887 right and 266 / 247 of 335 small-talk messages left unanswered; at 0.5, 2,641 /
#: 2,583 and 299 / 295; at 0.3, 2,642 / 2,582 and 298 / 295.
PHRASING_SAID = 0.5
#: A bare catalogue name (a national list entry with nothing but its name) is a candidate only
#: when the citizen said this share of it: its long name shares a word or two with many
#: questions ("… phường khác …"), and all it could answer is "not updated yet".
BARE_MIN_NAME_MATCH = 0.5
#: When no unit passes the bars above, an FAQ the search ranks first with this ratio of BM25
#: score over the next hit is the answer: a long story's words rarely reach an FAQ's bars
#: ("lát lại nền, sơn sửa bên trong, không đụng tới kết cấu thì có cần xin giấy phép không"),
#: but they can point at one FAQ and nothing else. Questions about what we lack share a few
#: words with many units, none far ahead.
FAQ_CLEAR_LEAD = 1.25
#: ... provided it still contains this share of the question and the citizen said
#: FAQ_MIN_NAME_MATCH of its question.
FAQ_CLEAR_LEAD_COVERAGE = 0.2
#: With no procedure over the bars, an FAQ answering another aspect names its procedure as the
#: answer only when the citizen said this share of that procedure's name ("đổi gplx ô tô" of
#: "Đổi giấy phép lái xe") or FAQ_UNLINKED_NAME_MATCH of the FAQ's question; "vợ chồng … nhận
#: con nuôi" shares a word with an FAQ on marriage, which makes no marriage question of it.
LINKED_BASE_MATCH = 0.3
#: When nothing passes the bars, a procedure with content ranked first whose name the citizen
#: said for this share is the answer to a long story around it.
STORY_NAME_SAID = 0.5
#: At most this many "Câu hỏi liên quan" buttons.
MAX_RELATED = 3
#: When nothing is sure enough to answer, the closest units among the first SUGGEST_DEPTH hits
#: are offered under "not found" as buttons, one tap from their answer: an FAQ or a procedure
#: with content whose own question or name the citizen said for SUGGEST_MIN_NAME_MATCH and
#: that holds SUGGEST_MIN_COVERAGE of the question. A long story whose words reach no bar
#: ("… đứng tên một tiệm nail rồi, giờ muốn mở thêm quán cà phê …") still names its FAQ
#: among a few; a question about what we lack is told so, with at most a few near misses.
SUGGEST_DEPTH = 5
SUGGEST_MIN_NAME_MATCH = 0.25
SUGGEST_MIN_COVERAGE = 0.2


#: ... and when it is not, a message whose words still reach this share of some unit is an
#: administrative question the catalogue lacks ("not found, ask here"), not small talk.
ADMINISTRATIVE_MIN_COVERAGE = 0.5


def looks_administrative(question: Question, hits: list[SearchHit]) -> bool:
    """True when the message shares real content with some procedure or FAQ."""
    if len({t for t in question.terms if question.known(t)}) < OUT_OF_SCOPE_MIN_TERMS:
        return False
    pairs = {t for t in question.terms if is_pair(t)}
    return any(h.coverage >= ADMINISTRATIVE_MIN_COVERAGE and pairs & h.terms for h in hits)


#: Words that ask the state for something ("xin tiền hỗ trợ học nghề … ở đâu"): with a question
#: about an aspect (where, how long, which papers), a message NLU called out of scope is an
#: administrative question the catalogue lacks ("not found, ask here"), not small talk.
ADMINISTRATIVE_CUES = re.compile(
    r"\b(xin|cap giay|cap lai|cap doi|dang ky|ho so|thu tuc|giay phep|giay chung nhan|giay xac nhan|tro cap|ho tro|"
    r"che do|bao hiem|chung thuc|cong chung|uy ban|mot cua|co quan|gia han|thi thuc|visa|nop phat|phat nguoi|"
    r"nop thue|hoan thue|giay to|le phi|ho ngheo|luong huu|ly hon|con nuoi|tuyen sinh|nhap hoc|thuong binh|"
    r"nguoi co cong)\b"
)
#: Matters of the state (a court, a tax, military service, compensation for land taken, a
#: loan for students): any question about one ("… được không", "… tính sao") is such a
#: question too, even with no aspect named.
STATE_MATTERS = re.compile(
    r"\b(nghia vu quan su|boi thuong|thu hoi dat|giai phong mat bang|vay von|ngan hang chinh sach|hoc phi|"
    r"luong toi thieu|dang kiem|quoc tich|giay phep lao dong|hop dong lao dong|khoi kien|toa an|an phi|"
    r"cong to dien|thue dat|thue thu nhap|ly hon|luong huu|con nuoi|thi thuc|visa)\b"
)
#: Question words closing a message ("… được không", "… tính sao") or inside it ("… ở đâu").
_ASKS = re.compile(
    r"\b(sao|the nao|ra sao|bao nhieu|o dau|cho nao|khi nao|bao gio|gi|nao|duoc khong|khong|chua)$|"
    r"\b(lam sao|the nao|bao nhieu|o dau|cho nao|khi nao|bao gio|lien he dau|tinh sao)\b"
)


def asks_for_a_procedure(text: str) -> bool:
    """True when the message asks an aspect (where, how long …) of something it requests, or
    asks anything about a matter of the state (STATE_MATTERS)."""
    folded = fold(text)
    if STATE_MATTERS.search(folded) and _ASKS.search(folded):
        return True
    return bool(detect_aspects(text)) and bool(ADMINISTRATIVE_CUES.search(folded))


def clearly_in_catalogue(question: Question, selection: Selection) -> bool:
    """True when a message classified as out of scope is plainly about a unit we hold (or the
    learned answer check is sure of it, OUT_OF_SCOPE_LEARNED_CONFIDENCE, or all but certain,
    OUT_OF_SCOPE_CERTAIN_CONFIDENCE)."""
    unit = selection.faq if selection.decision is Decision.FAQ else selection.procedure
    if unit is None:
        return False
    confidence = selection.confidence or 0.0
    if confidence >= OUT_OF_SCOPE_CERTAIN_CONFIDENCE and unit.name_match >= OUT_OF_SCOPE_CERTAIN_NAME_MATCH:
        return True
    if unit.name_match < OUT_OF_SCOPE_MIN_NAME_MATCH:
        return False
    if confidence >= OUT_OF_SCOPE_LEARNED_CONFIDENCE:
        return True
    if len(set(question.terms)) < OUT_OF_SCOPE_MIN_TERMS:
        return False
    shared_pairs = {t for t in question.terms if is_pair(t) and t in unit.terms}
    if unit.coverage >= OUT_OF_SCOPE_MIN_COVERAGE and shared_pairs:
        return True
    return len(shared_pairs) >= OUT_OF_SCOPE_STORY_PAIRS and unit.coverage >= OUT_OF_SCOPE_STORY_COVERAGE


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
    procedure: SearchHit | None = None
    choices: list[SearchHit] = field(default_factory=list)
    related: list[SearchHit] = field(default_factory=list)
    # Decision.NONE: the closest units, offered as buttons under "not found".
    suggestions: list[SearchHit] = field(default_factory=list)
    # The learned answer check's probability that the chosen unit is right (None: rules only).
    confidence: float | None = None
    # Decision.FAQ: the procedure of the FAQ's own that the search ranks first
    # (:func:`faq_procedure`), whose asked aspects may be answered beside it.
    faq_procedure_code: str | None = None


@dataclass(frozen=True)
class Question:
    """The question as the index sees it: its content terms and how much each weighs."""

    terms: list[str]
    weight: Callable[[str], float]
    known: Callable[[str], bool] = lambda _term: True

    def share(self, covered: Iterable[str]) -> float:
        """Weighted share of the question's terms found in ``covered`` (0–1)."""
        covered_set = covered if isinstance(covered, (set, frozenset)) else set(covered)
        total = sum(self.weight(t) for t in self.terms)
        if not total:
            return 0.0
        return sum(self.weight(t) for t in self.terms if t in covered_set) / total

    def extra_over(self, unit_terms: frozenset[str]) -> list[str]:
        """The question's known terms a unit does not contain.

        Words the index has never seen (typos it could not repair, chat noise) make no
        FAQ more likely than the procedure: no unit contains them.
        """
        return [t for t in self.terms if t not in unit_terms and self.known(t)]


def share_of(question: Question, subset: list[str], covered: frozenset[str]) -> float:
    total = sum(question.weight(t) for t in subset)
    return sum(question.weight(t) for t in subset if t in covered) / total if total else 0.0


def answer_coverage(question: Question | None, hit: SearchHit, aspects: Iterable[str]) -> float:
    """How much of the question a unit covers: an FAQ by its own fields, a procedure answered
    on ``aspects`` by its name, keywords and field plus those aspects' answers ("công an
    phường hay công an quận" is in the place of "Đăng ký tạm trú"). Only a procedure whose
    own texts hold ``FAQ_MIN_COVERAGE`` of the question is lifted: words an answer happens to
    contain ("thành lập", "giấy đề nghị") do not make a company question a household one."""
    asked = [a for a in aspects if a != "overview"]
    if question is None or hit.type != "procedure" or not asked or hit.coverage < FAQ_MIN_COVERAGE:
        return hit.coverage
    return max(hit.coverage, round(question.share(hit.unit_terms(asked)), 4))


def procedure_candidates(
    hits: list[SearchHit],
    aspects: Iterable[str] = (),
    min_score: float = PROCEDURE_MIN_SCORE,
    question: Question | None = None,
) -> list[SearchHit]:
    """The best procedure, plus rivals too close to tell apart.

    A procedure that holds no content for the asked aspects (a bare national name next to
    the province's full record) is not an answer unit for them when another one is. A rival
    must cover the question about as well as the best, not only score like it. Coverage
    counts the asked aspects' answers (:func:`answer_coverage`) when ``question`` is given.
    """
    aspects = list(aspects)
    coverage = {id(h): answer_coverage(question, h, aspects) for h in hits if h.type == "procedure"}
    candidates = [
        h
        for h in hits
        if h.type == "procedure"
        and h.score >= min_score
        and (coverage[id(h)] >= MIN_ANSWER_COVERAGE or (h.name_match >= NAME_SAID_CANDIDATE and has_content(h)))
        and (has_content(h) or h.name_match >= BARE_MIN_NAME_MATCH)
        and not _found_by_a_stray_phrasing(h)
    ]
    wanted = set(aspects) - {"overview"}
    answerable = [h for h in candidates if wanted <= h.aspects and len(h.aspects) > 1]
    if (
        answerable
        and answerable[0].rank_score >= candidates[0].rank_score * RIVAL_SCORE_RATIO
        and answerable[0].name_match >= candidates[0].name_match - RIVAL_NAME_MATCH_GAP
    ):
        # ... provided the citizen said about as much of its name: "nhận con nuôi" is not
        # "Đăng ký kết hôn" because the national adoption entry has no content.
        candidates = answerable
    if not candidates:
        return []
    best = candidates[0]
    # Of procedures the words fit about as well, the one whose name the citizen said clearly
    # more of ("làm giấy khai sinh" names "Đăng ký khai sinh", not the joint procedure whose
    # keywords hold the rest of the question).
    named = [
        h for h in candidates[1:4]
        if h.rank_score >= best.rank_score * RIVAL_SCORE_RATIO and h.name_match >= best.name_match + NAME_SAID_LEAD
    ]
    if named:
        best = max(named, key=lambda h: h.name_match)
        candidates = [best, *[h for h in candidates if h is not best]]
    rivals = [
        h
        for h in candidates[1:4]
        if h.rank_score >= best.rank_score * RIVAL_SCORE_RATIO
        and h.score >= best.score - RIVAL_CONFIDENCE_GAP
        and coverage[id(h)] >= coverage[id(best)] - RIVAL_CONFIDENCE_GAP
        and h.name_match >= best.name_match - RIVAL_NAME_MATCH_GAP
    ]
    return [best, *rivals]


def _found_by_a_stray_phrasing(hit: SearchHit) -> bool:
    """The procedure covers the question only through one of its keyword phrasings (a
    citizen's question attached to it), of which the citizen said little: a word that phrasing
    happened to contain ("thời tiết", "người yêu"), not the same question."""
    return (
        hit.base_coverage is not None
        and hit.base_coverage < MIN_ANSWER_COVERAGE
        and hit.name_match < NAME_SAID_CANDIDATE
        and hit.phrasing_match < PHRASING_SAID
        and hit.coverage > hit.base_coverage
    )


def _best_below_bar(hits: list[SearchHit], min_score: float) -> SearchHit | None:
    """The best procedure with content that contains at least as much of the question as an
    FAQ must (``FAQ_MIN_COVERAGE``), though less than ``MIN_ANSWER_COVERAGE``, and scores
    about as well as the best procedure of all: a catalogue entry with no content that fits
    the words far better ("nuôi con nuôi") is not replaced by one that shares a word
    ("vợ chồng" of "Đăng ký kết hôn")."""
    procedures = [h for h in hits if h.type == "procedure"]
    if not procedures:
        return None
    top = max(h.rank_score for h in procedures)
    return next(
        (
            h for h in procedures
            if h.score >= min_score and has_content(h) and h.coverage >= FAQ_MIN_COVERAGE
            and h.rank_score >= top * RIVAL_SCORE_RATIO
        ),
        None,
    )


#: Aspects with a definite answer of their own (a duration, an amount, an office, a list of
#: papers, a certificate, a law); "điều kiện" and "các bước" are often what a situation FAQ
#: explains.
CONCRETE_ASPECTS = frozenset({"documents", "fee", "time", "place", "result", "legal_basis"})


def faq_question_aspects(title: str) -> set[str]:
    """The aspects an FAQ's own question asks (none: it tells what happens in a situation)."""
    faq_aspects = {a.value for a in detect_aspects(title)} - {"overview"}
    if faq_aspects == {"steps"} and not asks_the_steps(title):
        faq_aspects = {"steps", "place", "documents"}  # "… thì làm thế nào?": how, where, what papers
    if is_comparison(title):
        faq_aspects.add("comparison")  # how two things differ answers none of the aspects
    if is_yes_no(title):
        # "… có được … không?" answers whether, also when it names a place ("trực tuyến")
        faq_aspects.add("conditions")
    return faq_aspects


def asks_another_aspect(faq: SearchHit, aspects: Iterable[str], yes_no: bool = False) -> bool:
    """The citizen asks one aspect (the time) and the FAQ's own question another (the place):
    that FAQ answers a different question about the same procedure. A citizen's yes-or-no
    question ("… được không?") also asks whether, whatever aspect its words name."""
    asked = set(aspects) - {"overview"}
    if yes_no:
        asked.add("conditions")
    if not asked:
        return False
    faq_aspects = faq_question_aspects(faq.title)
    if not faq_aspects:
        # "… có việc làm mới thì sao?" names no aspect: it tells what happens in a situation,
        # not the time, fee, place, papers or result a citizen asks for.
        return bool(asked & CONCRETE_ASPECTS)
    return not (asked & faq_aspects)


#: At most this many aspects of its procedure are answered beside an FAQ (a phone screen).
MAX_ASPECTS_BESIDE_FAQ = 2


#: Words that ask for a procedure's conditions by name ("cần đủ điều kiện gì"), not whether
#: one case is allowed ("… có được không").
_CONDITIONS_BY_NAME = re.compile(r"\b(dieu kien|tieu chuan|doi tuong)\b")


def aspects_beside_faq(faq_title: str, named: Iterable[str], said: str = "") -> list[str]:
    """The aspects the citizen's own words ask that the chosen FAQ's question does not: "ông
    mất ở nhà hôm qua, làm giấy chứng tử có tốn tiền không" is the FAQ on a death at home,
    and the fee of the death registration beside it, since that FAQ does not say what it
    costs. A concrete aspect (papers, fee, time, place, result, law) counts when the FAQ's
    question does not ask it; the conditions and the steps, which situation FAQs explain,
    only when the citizen ``said`` them by name ("điều kiện gì", "các bước") and the FAQ's
    question does not. In the order named, at most MAX_ASPECTS_BESIDE_FAQ."""
    own = faq_question_aspects(faq_title)
    folded = fold(said)

    def beside(aspect: str) -> bool:
        if aspect in CONCRETE_ASPECTS:
            return aspect not in own
        if aspect == "conditions":
            return bool(_CONDITIONS_BY_NAME.search(folded)) and not _CONDITIONS_BY_NAME.search(fold(faq_title))
        if aspect == "steps":
            return asks_the_steps(said) and not asks_the_steps(faq_title)
        return False

    return [a for a in dict.fromkeys(named) if beside(a)][:MAX_ASPECTS_BESIDE_FAQ]


def faq_procedure(faq: SearchHit, hits: list[SearchHit]) -> str | None:
    """The one procedure an FAQ is about: its only one, or of several the one the search
    ranks first for the question ("sang tên đất" of an FAQ on land and on notarised
    contracts); None when the search found none of them."""
    if len(faq.links) == 1:
        return faq.links[0]
    return next((h.code for h in hits if h.type == "procedure" and h.code in faq.links), None)


def is_yes_no(question: str) -> bool:
    """True for a question answered by yes or no ("… có phải đăng ký không?")."""
    return fold(question).rstrip(" ?.!").endswith(("khong", " ko", " k"))


def faq_candidate(hit: SearchHit) -> bool:
    """An FAQ holds enough of the question, and the question is about it: the citizen said
    part of its own question, and, for an FAQ about a procedure, either clearly more of it or
    something of that procedure's name."""
    if hit.coverage < FAQ_MIN_COVERAGE or hit.name_match < FAQ_MIN_NAME_MATCH:
        return False
    return not hit.links or hit.link_match > FAQ_MIN_LINK_MATCH or hit.name_match >= FAQ_UNLINKED_NAME_MATCH


def has_content(hit: SearchHit) -> bool:
    """False for a bare catalogue name (a national list entry with nothing but a name)."""
    return len(hit.aspects) > 1


def select_answer(
    question: Question,
    hits: list[SearchHit],
    current_terms: frozenset[str] | None = None,
    current_code: str | None = None,
    aspects: Iterable[str] = (),
    min_procedure_score: float = PROCEDURE_MIN_SCORE,
    yes_no: bool = False,
    named_aspects: Iterable[str] | None = None,
) -> Selection:
    """Decide the answer for ``question`` from the ranked ``hits``.

    ``aspects`` are what the citizen asks about the procedure (documents, fee…).
    ``current_code``/``current_terms`` describe the procedure already being discussed: a
    follow-up that names no other procedure stays on it. ``yes_no``: the citizen asked a
    yes-or-no question. ``named_aspects``: the aspects the question's own words name (key
    phrases); an FAQ is judged to answer another aspect only against those, since an intent
    guessed from a story ("… mà một người không về được thì sao" as the result) is no
    evidence of what the citizen asks. ``None``: judge against ``aspects``.
    """
    aspects = list(aspects)
    procedures = procedure_candidates(hits, aspects, min_procedure_score, question)
    if current_code and procedures and procedures[0].name_match < SWITCH_MIN_NAME_MATCH:
        procedures = []  # a follow-up that only shares words with another procedure
    faqs = [h for h in hits if h.type == "faq" and faq_candidate(h)]  # in search order

    # A long story about a procedure leaves even the right procedure below
    # MIN_ANSWER_COVERAGE (the story's own words are in no unit). It is not an answer on its
    # own then, but an FAQ the search ranks below it must still beat it to be chosen.
    # The same holds, wherever it ranks, when the best FAQ answers another aspect than the
    # one the words ask ("… tròn 14 tuổi đi làm căn cước thì mấy ngày có" is not the FAQ on
    # which papers a 14-year-old brings).
    judged = aspects if named_aspects is None else list(named_aspects)  # what "another aspect" is judged against
    below_bar = None if procedures or current_code or not faqs else _best_below_bar(hits, min_procedure_score)
    if below_bar is not None and (
        hits.index(below_bar) < hits.index(faqs[0]) or asks_another_aspect(faqs[0], judged, yes_no)
    ):
        procedures = [below_bar]
    if procedures:
        base_code, base_terms = procedures[0].code, procedures[0].terms
    elif current_code:
        base_code, base_terms = current_code, current_terms or frozenset()
    else:
        base_code, base_terms = None, frozenset()
    base_coverage = round(question.share(base_terms), 4)  # as hits round their coverage
    extra = question.extra_over(base_terms)
    total = sum(question.weight(t) for t in question.terms)
    extra_share = sum(question.weight(t) for t in extra) / total if total else 0.0
    specific = extra_share >= SPECIFIC_EXTRA_SHARE

    best = faqs[0] if faqs else None
    if best is not None:
        lead = best.coverage - base_coverage
        covers_extra = bool(extra) and share_of(question, extra, best.terms) >= FAQ_EXTRA_COVER
        other_aspect = asks_another_aspect(best, judged, yes_no)
        says_the_extra = specific and covers_extra and not other_aspect
        named = best.name_match >= FAQ_NAMED_MATCH and lead > 0 and covers_extra and not other_aspect
        own_words_said = (
            best.name_match >= FAQ_NAMED_MATCH and best.own_match >= FAQ_OWN_SAID and not other_aspect
        )
        # The search ranks the FAQ above the procedure, and the question says more than it.
        above_and_beyond = (
            bool(procedures) and hits.index(best) < hits.index(procedures[0]) and bool(extra)
        )
        outranks = (
            above_and_beyond
            and lead >= 0
            and best.name_match >= FAQ_OUTRANKS_NAME_MATCH
            and share_of(question, extra, best.terms) > FAQ_OUTRANKS_EXTRA_COVER
            and not other_aspect
        )
        # ... and the FAQ contains more of the question (a tie keeps the procedure): "… mà một
        # người bận không về được thì sao" is the FAQ on both partners attending. A generic
        # question adds nothing to the procedure, so it keeps the procedure.
        ranked_first = above_and_beyond and lead > 0 and not other_aspect
        # ... or the procedure was found by its keywords, its name hardly said, while the
        # citizen said most of the FAQ's question ("khai sinh không ghi quê quán thì thêm vào
        # thế nào" is the FAQ on a blank home town, not the steps of "Đăng ký thay đổi, cải
        # chính, bổ sung thông tin hộ tịch").
        unnamed_base = (
            above_and_beyond
            and procedures[0].name_match < UNNAMED_BASE_NAME_MATCH
            and best.name_match >= FAQ_OUTRANKS_NAME_MATCH
            and not other_aspect
        )
        # ... or the citizen's words ask no aspect at all (the procedure could only give its
        # overview) while the question says more than the procedure, and the FAQ the search
        # ranks above it covers about as much: "ở trọ hơn một tháng chưa báo tạm trú, có sao
        # không" is the FAQ on the deadline, not what "Đăng ký tạm trú" is.
        # ... not even what the procedure is ("… là thủ tục gì", read from the words); an
        # overview guessed from the intent asks nothing.
        asked_by_words = set(judged) if named_aspects is not None else set(judged) - {"overview"}
        words_ask_nothing = not asked_by_words
        specific_over_overview = (
            bool(procedures) and bool(extra) and words_ask_nothing and lead >= -FAQ_OVERVIEW_MARGIN
            and (hits.index(best) < hits.index(procedures[0]) or best.name_match >= FAQ_OUTRANKS_NAME_MATCH)
        )
        # A bare catalogue name (nothing to answer but "not updated yet") does not beat an FAQ
        # that contains about as much of the question.
        bare = bool(procedures) and not has_content(procedures[0]) and lead > -FAQ_COVERAGE_MARGIN
        contains_more = lead >= FAQ_COVERAGE_MARGIN and not other_aspect
        points_at_its_procedure = best.link_match >= LINKED_BASE_MATCH or best.name_match >= FAQ_UNLINKED_NAME_MATCH
        # ... unless the citizen said (nearly) all of one of its phrasings: that FAQ was asked,
        # whatever aspect its own question names (a phrasing officials attached from review).
        phrasing_said = best.name_match >= FAQ_NAMED_MATCH
        if (
            base_code is None and other_aspect and best.links and points_at_its_procedure and not phrasing_said
            and not current_code
        ):
            # No procedure reached the bars, and the FAQ found answers another aspect than the
            # one asked ("đổi bằng lái ô tô cần giấy tờ gì" and "Đổi bằng lái xe máy có cần giấy
            # khám sức khỏe không?"): the FAQ tells which procedure it is, that procedure's
            # aspect is the answer, the FAQ a related question.
            linked = next((h for h in hits if h.type == "procedure" and h.code == best.links[0]), None)
            return Selection(
                Decision.PROCEDURE, procedure_code=best.links[0], procedure=linked, related=faqs[:MAX_RELATED]
            )
        if (
            base_code is None or contains_more or says_the_extra or named or outranks or bare or ranked_first
            or unnamed_base or specific_over_overview or own_words_said
        ):
            certain = base_code is None or lead >= FAQ_CERTAIN_MARGIN
            related = [] if certain else faqs[1 : MAX_RELATED + 1]
            return Selection(Decision.FAQ, faq=best, related=related)

    if len(procedures) > 1 and any(has_content(h) for h in procedures):
        return Selection(Decision.CHOICE, choices=procedures[:3])
    # Rivals that are all bare names (no content for anything): choosing one would only lead
    # to "not updated yet", so the best is answered that way at once.
    if base_code is not None and (procedures or current_code):
        related = faqs[:MAX_RELATED] if specific else []
        chosen = procedures[0] if procedures else None
        return Selection(Decision.PROCEDURE, procedure_code=base_code, procedure=chosen, related=related)
    if not current_code and _far_ahead(hits):
        return Selection(Decision.FAQ, faq=hits[0], related=[h for h in hits[1:] if h.type == "faq"][:MAX_RELATED])
    if not current_code and _named_first(hits, min_procedure_score):
        return Selection(Decision.PROCEDURE, procedure_code=hits[0].code, procedure=hits[0])
    return Selection(Decision.NONE, suggestions=suggestions(hits, min_procedure_score))


def suggestions(hits: list[SearchHit], min_score: float = PROCEDURE_MIN_SCORE) -> list[SearchHit]:
    """The units worth offering when none is sure enough to answer (SUGGEST_DEPTH), in search
    order: FAQs and procedures with content, partly named and partly covering the question."""
    def worth_offering(hit: SearchHit) -> bool:
        if hit.name_match < SUGGEST_MIN_NAME_MATCH or hit.coverage < SUGGEST_MIN_COVERAGE:
            return False
        return hit.type == "faq" or (has_content(hit) and hit.score >= min_score)

    return [h for h in hits[:SUGGEST_DEPTH] if worth_offering(h)][:MAX_RELATED]


def _named_first(hits: list[SearchHit], min_score: float) -> bool:
    """The first hit is a procedure with content whose name the citizen said for the most
    part (STORY_NAME_SAID), in a story too long for its coverage to reach the bar ("… cả nhà
    4 người đi Thái Lan, chưa ai có hộ chiếu, làm lần đầu hết bao nhiêu")."""
    first = hits[0] if hits else None
    return (
        first is not None and first.type == "procedure" and has_content(first) and first.score >= min_score
        and first.name_match >= STORY_NAME_SAID and first.coverage >= FAQ_CLEAR_LEAD_COVERAGE
    )


def _far_ahead(hits: list[SearchHit]) -> bool:
    """The first hit is an FAQ the search clearly prefers to everything else (FAQ_CLEAR_LEAD)."""
    if len(hits) < 2 or hits[0].type != "faq":
        return False
    first = hits[0]
    return (
        first.rank_score >= FAQ_CLEAR_LEAD * hits[1].rank_score
        and first.coverage >= FAQ_CLEAR_LEAD_COVERAGE
        and first.name_match >= FAQ_MIN_NAME_MATCH
    )
