"""Answer a citizen's procedure question: find the procedure or FAQ, then format the reply.

The action server calls this with the message text, the predicted intent and what the
conversation remembers (the procedure being discussed, aspects waiting for a choice). It
returns a :class:`Reply`: text, buttons and what to remember next.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from dichvucong.addresses.lookup import extract_address, resolve_address, without_address
from dichvucong.assistant import replies
from dichvucong.assistant.aspects import (
    ASPECT_INTENTS,
    ASPECT_LABELS,
    Aspect,
    asked_part,
    asks_the_steps,
    asks_what_it_is,
    aspects_for,
    detect_aspects,
)
from dichvucong.assistant.catalogue_cache import ProcedureCache
from dichvucong.assistant.formatting import format_answer, format_aspect
from dichvucong.assistant.input_check import clean_question, input_problem
from dichvucong.assistant.learned_selection import Context, SelectionModel, reconsider
from dichvucong.assistant.selection import (
    MAX_RELATED,
    Decision,
    Question,
    Selection,
    asks_for_a_procedure,
    aspects_beside_faq,
    clearly_in_catalogue,
    faq_procedure,
    is_yes_no,
    looks_administrative,
    select_answer,
    suggestions,
)
from dichvucong.config import Settings
from dichvucong.db.models import Faq, Procedure
from dichvucong.search import SearchHit, SearchService
from dichvucong.text.normalize import fold

SessionFactory = Callable[[], Session]
#: Aspect blocks after an FAQ's answer longer than this keep only the first aspect asked
#: (the FAQ's answer comes first; together they must fit a phone screen).
MAX_BESIDE_CHARS = 700
#: Search hits the selection step weighs (FAQs and procedures together).
CANDIDATES = 30
#: Buttons under one reply, so it stays readable on a phone (👍/👎 come on top).
MAX_BUTTONS = 4
BUTTON_TITLE_CHARS = 64
#: Two procedure names this similar (0–100, folded) need a distinguishing detail.
NEAR_IDENTICAL_NAMES = 95


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
    answered_aspects: list[str] = field(default_factory=list)  # what an "answer" reply covers


def choose_payload(code: str) -> str:
    """Payload of a "did you mean" button that selects procedure ``code``."""
    return "/choose_procedure" + json.dumps({"procedure_code": code})


def faq_payload(external_id: str) -> str:
    """Payload of a "Câu hỏi liên quan" button that answers FAQ ``external_id`` at once."""
    return "/choose_faq" + json.dumps({"faq_id": external_id})


def aspect_payload(aspect: Aspect) -> str:
    """Payload of a button asking another aspect of the current procedure."""
    return f"/{ASPECT_INTENTS[aspect]}"


class AssistantService:
    """Turns questions into replies using the search service and the catalogue."""

    def __init__(self, session_factory: SessionFactory, search: SearchService, settings: Settings) -> None:
        self._session_factory = session_factory
        self._search = search
        self._settings = settings
        self._procedures = ProcedureCache(session_factory)
        self._selection_model = SelectionModel.load() if settings.learned_selection else None

    # -- public API -------------------------------------------------------------------------
    def answer_question(
        self,
        text: str,
        intent: str | None,
        current_code: str | None = None,
        chosen_code: str | None = None,
        pending_aspects: list[str] | None = None,
        chosen_faq: str | None = None,
    ) -> Reply:
        """Reply to a question about a procedure (any aspect intent, or a button choice)."""
        question = clean_question(text)
        if chosen_faq:
            return self._answer_faq_by_id(chosen_faq, _known_aspects(pending_aspects))
        if chosen_code:
            if intent in ("choose_procedure", "choose_faq"):
                aspects = _known_aspects(pending_aspects)
            else:
                aspects = aspects_for(intent, "")
            return self._answer_procedure(chosen_code, aspects or [Aspect.OVERVIEW], question)
        aspects = aspects_for(intent, question)
        problem = input_problem(question)
        if problem is not None and not current_code:
            return Reply(replies.input_problem(problem, self._settings), kind="bad_input")
        address = extract_address(question)
        searched = _without_address(question, address)
        selection = self._select(searched, current_code, aspects, said=question) if problem is None else None
        if selection is not None and selection.decision is not Decision.NONE:
            return self._reply_for(selection, aspects, question)
        if current_code and self._procedure_exists(current_code):
            return self._answer_procedure(current_code, aspects, question)
        if address and Aspect.PLACE in aspects:
            return self._answer_place_only(question)
        if not self._names_something(question):
            return Reply(replies.which_procedure(), kind="ask_procedure", pending_aspects=[a.value for a in aspects])
        return self._not_found(selection.suggestions if selection is not None else [], aspects)

    def answer_unclear(self, text: str, current_code: str | None = None) -> Reply:
        """Reply when the intent is unclear: answer if the search is sure, else ask.

        The aspects come from the question's own words, so a fee question the classifier
        was unsure of is still answered (or, after a choice, explained) on the fee.
        """
        question = clean_question(text)
        problem = input_problem(question)
        if problem is not None:
            return Reply(replies.input_problem(problem, self._settings), kind="bad_input")
        aspects = aspects_for(None, question)
        searched = _without_address(question, extract_address(question))
        terms, hits = self._rank(searched)
        selection = self._select(searched, None, aspects, ranked=(terms, hits), said=question)
        if selection.decision is not Decision.NONE:
            return self._reply_for(selection, aspects, question)
        if looks_administrative(terms, hits) or asks_for_a_procedure(question):
            return self._not_found(selection.suggestions, aspects)
        buttons = [Button(ASPECT_LABELS[a], aspect_payload(a)) for a in (Aspect.DOCUMENTS, Aspect.FEE, Aspect.TIME, Aspect.PLACE)]
        return Reply(replies.unclear(self._settings), kind="clarify", buttons=buttons if current_code else [])

    def answer_out_of_scope(self, text: str) -> Reply:
        """NLU thought the message is not about procedures: answer only when the catalogue
        plainly holds it (the citizen described a situation the classifier did not know),
        else say what the assistant is for."""
        question = clean_question(text)
        if input_problem(question) is None:
            aspects = aspects_for(None, question)
            searched = _without_address(question, extract_address(question))
            terms, hits = self._rank(searched)
            selection = self._select(searched, None, aspects, ranked=(terms, hits), said=question)
            if selection.decision in (Decision.FAQ, Decision.PROCEDURE) and clearly_in_catalogue(terms, selection):
                return self._reply_for(selection, aspects, question)
            if looks_administrative(terms, hits) or asks_for_a_procedure(question):
                return self._not_found(suggestions(hits, self._settings.search_min_confidence), aspects)
        return Reply(replies.out_of_scope(self._settings), kind="out_of_scope")

    def search(self, query: str, k: int = 5) -> list[SearchHit]:
        """Raw search, for the API and the console."""
        return self._search.search(clean_question(query), k=k)

    # -- matching ---------------------------------------------------------------------------
    def _rank(self, question: str) -> tuple[Question, list[SearchHit]]:
        """The question's terms and every FAQ and procedure ranked for it (analysed once)."""
        index = self._search.current_index()
        query_terms = index.query_terms(question)
        hits = index.search(question, k=CANDIDATES, query_terms=query_terms)
        return Question(query_terms, index.weight, index.is_known), hits

    def _select(
        self,
        question: str,
        current_code: str | None,
        aspects: list[Aspect],
        ranked: tuple[Question, list[SearchHit]] | None = None,
        said: str | None = None,
    ) -> Selection:
        """Choose the answer unit for ``question`` (``ranked``: its :meth:`_rank`, if done).

        ``said`` is the whole message when ``question`` is what is left of it for the search
        (an address taken out): whether it asks yes or no, and which aspects it names, are
        read from the whole message.
        """
        terms, hits, context, rules = self._rules_selection(question, current_code, aspects, ranked, said)
        chosen = rules if self._selection_model is None else reconsider(
            self._selection_model, terms, hits, rules, context, current_code
        )
        if chosen.decision is Decision.FAQ and chosen.faq is not None:
            return replace(chosen, faq_procedure_code=faq_procedure(chosen.faq, hits))
        return chosen

    def _rules_selection(
        self,
        question: str,
        current_code: str | None,
        aspects: list[Aspect],
        ranked: tuple[Question, list[SearchHit]] | None = None,
        said: str | None = None,
    ) -> tuple[Question, list[SearchHit], Context, Selection]:
        """What the selection rules decide, with what they were given."""
        said = said or question
        terms, hits = ranked or self._rank(question)
        index = self._search.current_index()
        current_terms = index.terms_of("procedure", current_code) if current_code else None
        context = Context(
            aspects=[a.value for a in aspects], named_aspects=named_aspects(said), yes_no=is_yes_no(said),
            min_score=self._settings.search_min_confidence,
        )
        rules = select_answer(
            terms,
            hits,
            current_terms=current_terms,
            current_code=current_code,
            aspects=list(context.aspects),
            min_procedure_score=context.min_score,
            yes_no=context.yes_no,
            named_aspects=context.named_aspects,
        )
        return terms, hits, context, rules

    def selection_inputs(self, text: str) -> tuple[Question, list[SearchHit], Context, Selection] | None:
        """For training the learned step (``bench/train_selection.py``): what the rules are
        given for a first question with no intent, and what they decide (None for input
        that gets no selection)."""
        question = clean_question(text)
        if input_problem(question) is not None:
            return None
        aspects = aspects_for(None, question)
        searched = _without_address(question, extract_address(question))
        return self._rules_selection(searched, None, aspects, said=question)

    def _names_something(self, question: str) -> bool:
        """True when the question has content words beyond aspect and question words."""
        from dichvucong.search.analyzer import analyze

        return bool(analyze(question))

    def _reply_for(self, selection: Selection, aspects: list[Aspect], question: str) -> Reply:
        if selection.decision is Decision.FAQ and selection.faq is not None:
            # What the asking sentence literally names ("làm sao" is not read as where and what papers).
            asked = asked_part(question)
            literal = [a.value for a in detect_aspects(asked)]
            beside = [Aspect(a) for a in aspects_beside_faq(selection.faq.title, literal, asked)]
            return self._answer_faq(
                selection.faq.id, related=selection.related, aspects=aspects,
                beside=(selection.faq_procedure_code, beside) if selection.faq_procedure_code and beside else None,
                question=question,
            )
        if selection.decision is Decision.CHOICE:
            return self._did_you_mean(selection.choices, aspects)
        assert selection.procedure_code is not None
        return self._answer_procedure(selection.procedure_code, aspects, question, related=selection.related)

    # -- replies ----------------------------------------------------------------------------
    def _did_you_mean(self, hits: list[SearchHit], aspects: list[Aspect]) -> Reply:
        """ "Ý bạn là…": one button per procedure; near-identical names get their detail."""
        titles = [h.title for h in hits[:3]]
        buttons = []
        for hit, title in zip(hits[:3], titles, strict=True):
            twins = [h for h in hits[:3] if h is not hit and _same_name(h.title, title)]
            if twins:
                detail = hit.detail if all(t.detail != hit.detail for t in twins) and hit.detail else f"mã {hit.code}"
                label = f"{_short(title, BUTTON_TITLE_CHARS - len(detail) - 3)} ({detail})"
            else:
                label = _short(title)
            buttons.append(Button(label, choose_payload(hit.code)))
        return Reply(replies.did_you_mean(), kind="clarify", buttons=buttons, pending_aspects=[a.value for a in aspects])

    def _answer_procedure(
        self, code: str, aspects: list[Aspect], question: str, related: list[SearchHit] | None = None
    ) -> Reply:
        procedure = self._procedures.get(code, self._search.revision)
        if procedure is None:
            return Reply(replies.not_found(self._settings), kind="not_found")
        if not _has_details(procedure):
            return Reply(replies.no_details(procedure.name, self._settings), kind="not_found", procedure_code=code)
        address = None
        if Aspect.PLACE in aspects:
            with self._session_factory() as session:
                address = resolve_address(session, question)
        text = format_answer(procedure, aspects, address)
        buttons = [Button(_short(h.title), faq_payload(h.code)) for h in (related or [])[:MAX_RELATED]]
        if buttons:
            text += "\n\n" + replies.related_questions()
        others = [a for a in (Aspect.DOCUMENTS, Aspect.FEE, Aspect.TIME, Aspect.PLACE, Aspect.STEPS) if a not in aspects]
        buttons += [Button(ASPECT_LABELS[a], aspect_payload(a)) for a in others[: max(1, MAX_BUTTONS - len(buttons))]]
        return Reply(text, kind="answer", buttons=buttons, procedure_code=code, answered_aspects=[a.value for a in aspects])

    def _not_found(self, offered: list[SearchHit], aspects: list[Aspect]) -> Reply:
        """ "Not found, ask here", with the closest FAQs and procedures (``offered``) as
        buttons: pressing one answers it, a procedure on the aspects first asked."""
        if not offered:
            return Reply(replies.not_found(self._settings), kind="not_found")
        buttons = [
            Button(_short(h.title), faq_payload(h.code) if h.type == "faq" else choose_payload(h.code))
            for h in offered[:MAX_RELATED]
        ]
        text = replies.not_found(self._settings) + "\n\n" + replies.suggestions()
        return Reply(text, kind="not_found", buttons=buttons, pending_aspects=[a.value for a in aspects])

    def _answer_faq_by_id(self, external_id: str, aspects: list[Aspect] | None = None) -> Reply:
        with self._session_factory() as session:
            faq_id = session.scalar(select(Faq.id).where(Faq.external_id == external_id))
        if faq_id is None:
            return Reply(replies.not_found(self._settings), kind="not_found")
        return self._answer_faq(faq_id, aspects=aspects)

    def _answer_faq(
        self,
        faq_id: int,
        related: list[SearchHit] | None = None,
        aspects: list[Aspect] | None = None,
        beside: tuple[str, list[Aspect]] | None = None,
        question: str = "",
    ) -> Reply:
        """An FAQ's answer; its procedures' buttons answer the aspects the citizen asked.

        ``beside``: one of the FAQ's procedures and aspects the citizen asked that the FAQ
        does not answer (its fee, its papers…), answered after it when that procedure holds
        them."""
        with self._session_factory() as session:
            faq = session.get(Faq, faq_id)
            if faq is None or not faq.published or faq.deleted_at is not None:
                return Reply(replies.not_found(self._settings), kind="not_found")
            text = faq.answer.strip()
            codes = list(faq.procedure_codes or [])
            added = self._aspects_of(beside[0], beside[1], question) if beside and beside[0] in codes else None
            if added:
                text += "\n\n" + added[1]
            buttons: list[Button] = [Button(_short(h.title), faq_payload(h.code)) for h in (related or [])[:MAX_RELATED]]
            if buttons:
                text += "\n\n" + replies.related_questions()
            if codes:
                names = session.execute(
                    select(Procedure.code, Procedure.name).where(Procedure.code.in_(codes), Procedure.enabled.is_(True))
                ).all()
                room = max(1, MAX_BUTTONS - len(buttons))
                buttons += [Button(_short(name), choose_payload(code)) for code, name in names[:room]]
        current = beside[0] if added and beside else codes[0] if len(codes) == 1 else None
        asked = [a.value for a in aspects or [] if a is not Aspect.OVERVIEW]
        return Reply(
            text, kind="faq", buttons=buttons, faq_id=faq.external_id, procedure_code=current, pending_aspects=asked,
            answered_aspects=added[0] if added else [],
        )

    def _aspects_of(self, code: str, aspects: list[Aspect], question: str) -> tuple[list[str], str] | None:
        """The blocks of ``aspects`` the procedure ``code`` holds content for (and which
        aspects they are), or None when it holds none of them."""
        procedure = self._procedures.get(code, self._search.revision)
        if procedure is None or not _has_details(procedure):
            return None
        held = [a for a in aspects if _holds(procedure, a)]
        if not held:
            return None
        address = None
        if Aspect.PLACE in held:
            with self._session_factory() as session:
                address = resolve_address(session, question)
        text = format_answer(procedure, held, address)
        if len(held) > 1 and len(text) > MAX_BESIDE_CHARS:
            held = held[:1]  # a phone screen: the first aspect asked
            text = format_answer(procedure, held, address)
        return [a.value for a in held], text

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


def _without_address(question: str, address: str | None) -> str:
    """What the search is given: the question without the citizen's address ("… ở xã Tân Phú"),
    whose place names are in no procedure or FAQ."""
    return without_address(question, address) if address else question


def _known_aspects(values: list[str] | None) -> list[Aspect]:
    """The aspects a slot remembered, leaving out any value this version does not know."""
    return [Aspect(a) for a in (values or []) if a in Aspect._value2member_map_]


def _has_details(procedure: Procedure) -> bool:
    """False for a bare catalogue entry (a name from the national list, nothing else)."""
    return bool(
        procedure.documents or procedure.channels or procedure.steps or procedure.results
        or procedure.legal_bases or procedure.filing_address or procedure.conditions
    )


def _holds(procedure: Procedure, aspect: Aspect) -> bool:
    """True when ``procedure`` has content of its own for ``aspect`` (not a "no data" line)."""
    content = {
        Aspect.DOCUMENTS: procedure.documents,
        Aspect.FEE: procedure.channels,
        Aspect.TIME: procedure.channels,
        Aspect.PLACE: procedure.filing_address or procedure.handling_agency or procedure.channels,
        Aspect.RESULT: procedure.results,
        Aspect.LEGAL_BASIS: procedure.legal_bases,
        Aspect.STEPS: procedure.steps,
        Aspect.CONDITIONS: procedure.conditions or procedure.applicants,
    }.get(aspect)
    return bool(content)


def _same_name(one: str, other: str) -> bool:
    """Near-identical procedure names ("Thủ tục chứng thực chữ ký…" and "Chứng thực chữ ký…")."""
    def key(name: str) -> str:
        folded = fold(name)
        return folded[len("thu tuc "):] if folded.startswith("thu tuc ") else folded

    return fuzz.ratio(key(one), key(other)) >= NEAR_IDENTICAL_NAMES


def _short(title: str, limit: int = BUTTON_TITLE_CHARS) -> str:
    """A button label that fits a phone: cut at a word boundary with an ellipsis."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    return title[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def named_aspects(text: str) -> list[str]:
    """The aspects the words of ``text`` name, for judging whether an FAQ answers another one.

    A bare "làm sao", "thế nào" (no "các bước", "trình tự") asks how to go about it — the
    steps, where and with what papers — as an FAQ asking "… thì làm thế nào?" answers them.
    """
    named = [a.value for a in detect_aspects(text)]
    if named == [Aspect.STEPS.value] and not asks_the_steps(text):
        named += [Aspect.PLACE.value, Aspect.DOCUMENTS.value]
    if asks_what_it_is(text):
        named.append(Aspect.OVERVIEW.value)
    return named


__all__ = ["AssistantService", "Button", "Reply", "aspect_payload", "choose_payload", "faq_payload", "format_aspect"]
