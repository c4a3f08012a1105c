"""Answer a citizen's procedure question: find the procedure or FAQ, then format the reply.

The action server calls this with the message text, the predicted intent and what the
conversation remembers (the procedure being discussed, aspects waiting for a choice). It
returns a :class:`Reply`: text, buttons and what to remember next.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dichvucong.addresses.lookup import extract_address, resolve_address, without_address
from dichvucong.assistant import replies
from dichvucong.assistant.aspects import ASPECT_INTENTS, ASPECT_LABELS, Aspect, aspects_for
from dichvucong.assistant.formatting import format_answer, format_aspect
from dichvucong.assistant.input_check import clean_question, input_problem
from dichvucong.config import Settings
from dichvucong.db.models import Faq, Procedure
from dichvucong.search import SearchHit, SearchService

SessionFactory = Callable[[], Session]
FAQ_MIN_SCORE = 0.6
FAQ_MIN_QUESTION_MATCH = 0.6  # the citizen said most of what the FAQ's question says
FAQ_CLEAR_LEAD = 0.6  # ... or the FAQ outscores the next hit this clearly
RIVAL_NAME_MATCH_GAP = 0.1
SWITCH_MIN_NAME_MATCH = 0.25  # with a procedure in context, leave it only when another is named


@dataclass(frozen=True)
class Button:
    """A quick reply: what the citizen sees and the payload sent back when pressed."""

    title: str
    payload: str


@dataclass
class Reply:
    """What to say, and what the conversation should remember afterwards."""

    text: str
    kind: str  # answer | faq | clarify | not_found | ask_procedure | bad_input
    buttons: list[Button] = field(default_factory=list)
    procedure_code: str | None = None
    faq_id: str | None = None
    pending_aspects: list[str] = field(default_factory=list)


def choose_payload(code: str) -> str:
    """Payload of a "did you mean" button that selects procedure ``code``."""
    return "/choose_procedure" + json.dumps({"procedure_code": code})


def aspect_payload(aspect: Aspect) -> str:
    """Payload of a button asking another aspect of the current procedure."""
    return f"/{ASPECT_INTENTS[aspect]}"


class AssistantService:
    """Turns questions into replies using the search service and the catalogue."""

    def __init__(self, session_factory: SessionFactory, search: SearchService, settings: Settings) -> None:
        self._session_factory = session_factory
        self._search = search
        self._settings = settings

    # -- public API -------------------------------------------------------------------------
    def answer_question(
        self,
        text: str,
        intent: str | None,
        current_code: str | None = None,
        chosen_code: str | None = None,
        pending_aspects: list[str] | None = None,
    ) -> Reply:
        """Reply to a question about a procedure (any aspect intent, or a button choice)."""
        question = clean_question(text)
        if chosen_code:
            if intent == "choose_procedure":
                aspects = [Aspect(a) for a in (pending_aspects or []) if a in Aspect._value2member_map_]
            else:
                aspects = aspects_for(intent, "")
            return self._answer_procedure(chosen_code, aspects or [Aspect.OVERVIEW], question)
        aspects = aspects_for(intent, question)
        problem = input_problem(question)
        if problem is not None and not current_code:
            return Reply(replies.input_problem(problem, self._settings), kind="bad_input")
        address = extract_address(question)
        searched = without_address(question, address) if address else question
        hits = self._search.search(searched, k=8) if problem is None else []
        faq = self._confident_faq(hits)
        procedures = self._confident_procedures(hits)
        if current_code and procedures and procedures[0].name_match < SWITCH_MIN_NAME_MATCH:
            procedures = []  # a follow-up that only shares words with another procedure
        if faq is not None and (not procedures or faq.rank_score >= procedures[0].rank_score):
            return self._answer_faq(faq)
        if len(procedures) > 1:
            return self._did_you_mean(procedures, aspects)
        if procedures:
            return self._answer_procedure(procedures[0].code, aspects, question)
        if current_code and self._procedure_exists(current_code):
            return self._answer_procedure(current_code, aspects, question)
        if address and Aspect.PLACE in aspects:
            return self._answer_place_only(question)
        if not self._names_something(question):
            return Reply(replies.which_procedure(), kind="ask_procedure", pending_aspects=[a.value for a in aspects])
        return Reply(replies.not_found(self._settings), kind="not_found")

    def answer_unclear(self, text: str, current_code: str | None = None) -> Reply:
        """Reply when the intent is unclear: answer if the search is sure, else ask."""
        question = clean_question(text)
        problem = input_problem(question)
        if problem is not None:
            return Reply(replies.input_problem(problem, self._settings), kind="bad_input")
        hits = self._search.search(question, k=8)
        faq = self._confident_faq(hits)
        procedures = self._confident_procedures(hits)
        if faq is not None and (not procedures or faq.rank_score >= procedures[0].rank_score):
            return self._answer_faq(faq)
        if len(procedures) > 1:
            return self._did_you_mean(procedures, [Aspect.OVERVIEW])
        if procedures:
            return self._answer_procedure(procedures[0].code, [Aspect.OVERVIEW], question)
        buttons = [Button(ASPECT_LABELS[a], aspect_payload(a)) for a in (Aspect.DOCUMENTS, Aspect.FEE, Aspect.TIME, Aspect.PLACE)]
        return Reply(replies.unclear(self._settings), kind="clarify", buttons=buttons if current_code else [])

    def search(self, query: str, k: int = 5) -> list[SearchHit]:
        """Raw search, for the API and the console."""
        return self._search.search(clean_question(query), k=k)

    # -- matching ---------------------------------------------------------------------------
    def _confident_procedures(self, hits: list[SearchHit]) -> list[SearchHit]:
        """The best procedure, plus close rivals when the question fits several."""
        candidates = [h for h in hits if h.type == "procedure" and h.score >= self._settings.search_min_confidence]
        if not candidates:
            return []
        best = candidates[0]
        rivals = [
            h
            for h in candidates[1:4]
            if h.rank_score >= best.rank_score * self._settings.search_ambiguity_ratio
            and h.score >= best.score - 0.05
            and h.name_match >= best.name_match - RIVAL_NAME_MATCH_GAP
        ]
        return [best, *rivals]

    def _confident_faq(self, hits: list[SearchHit]) -> SearchHit | None:
        """An FAQ the citizen asked: most of its question said, or clearly the only fit.

        "Clearly the only fit" (no procedure matches, and the FAQ's score leads the next hit
        by far) lets short questions such as "một cửa làm việc thứ 7" reach their FAQ.
        """
        faqs = [h for h in hits if h.type == "faq" and h.score >= FAQ_MIN_SCORE]
        if not faqs:
            return None
        best = faqs[0]
        if best.name_match >= FAQ_MIN_QUESTION_MATCH:
            return best
        others = [h for h in hits if h is not best]
        no_procedure = not any(h.type == "procedure" and h.score >= self._settings.search_min_confidence for h in hits)
        clear_lead = not others or others[0].rank_score <= best.rank_score * FAQ_CLEAR_LEAD
        return best if no_procedure and clear_lead else None

    def _names_something(self, question: str) -> bool:
        """True when the question has content words beyond aspect and question words."""
        from dichvucong.search.analyzer import analyze

        return bool(analyze(question))

    # -- replies ----------------------------------------------------------------------------
    def _did_you_mean(self, hits: list[SearchHit], aspects: list[Aspect]) -> Reply:
        buttons = [Button(h.title, choose_payload(h.code)) for h in hits[:3]]
        return Reply(replies.did_you_mean(), kind="clarify", buttons=buttons, pending_aspects=[a.value for a in aspects])

    def _answer_procedure(self, code: str, aspects: list[Aspect], question: str) -> Reply:
        with self._session_factory() as session:
            procedure = session.scalar(
                select(Procedure)
                .where(Procedure.code == code, Procedure.enabled.is_(True))
                .options(
                    selectinload(Procedure.channels),
                    selectinload(Procedure.steps),
                    selectinload(Procedure.documents),
                    selectinload(Procedure.results),
                    selectinload(Procedure.legal_bases),
                )
            )
            if procedure is None:
                return Reply(replies.not_found(self._settings), kind="not_found")
            address = resolve_address(session, question) if Aspect.PLACE in aspects else None
            text = format_answer(procedure, aspects, address)
        others = [a for a in (Aspect.DOCUMENTS, Aspect.FEE, Aspect.TIME, Aspect.PLACE, Aspect.STEPS) if a not in aspects]
        buttons = [Button(ASPECT_LABELS[a], aspect_payload(a)) for a in others[:3]]
        return Reply(text, kind="answer", buttons=buttons, procedure_code=code)

    def _answer_faq(self, hit: SearchHit) -> Reply:
        with self._session_factory() as session:
            faq = session.get(Faq, hit.id)
            if faq is None or not faq.published or faq.deleted_at is not None:
                return Reply(replies.not_found(self._settings), kind="not_found")
            text = faq.answer.strip()
            codes = list(faq.procedure_codes or [])
            buttons: list[Button] = []
            if codes:
                names = session.execute(
                    select(Procedure.code, Procedure.name).where(Procedure.code.in_(codes), Procedure.enabled.is_(True))
                ).all()
                buttons = [Button(name, choose_payload(code)) for code, name in names[:3]]
        current = codes[0] if len(codes) == 1 else None
        return Reply(text, kind="faq", buttons=buttons, faq_id=faq.external_id, procedure_code=current)

    def _answer_place_only(self, question: str) -> Reply:
        """Where to file in the citizen's commune, when they named no procedure."""
        with self._session_factory() as session:
            address = resolve_address(session, question)
        if address is None:
            return Reply(replies.address_unknown(self._settings), kind="not_found")
        return Reply(replies.commune_service_point(address), kind="answer")

    def _procedure_exists(self, code: str) -> bool:
        with self._session_factory() as session:
            return session.scalar(select(Procedure.id).where(Procedure.code == code, Procedure.enabled.is_(True))) is not None


__all__ = ["AssistantService", "Button", "Reply", "aspect_payload", "choose_payload", "format_aspect"]
