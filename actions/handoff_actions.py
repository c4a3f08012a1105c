"""Live handoff to staff: ask for a person, stay quiet while one answers, deliver their replies.

The state is in our database (dichvucong/handoff), never only in the tracker: the slot
``handoff`` (``live`` | ``question`` | ``contact``) only routes the citizen's messages to
``action_handoff_listen`` while a handoff is open (rules in data/rules/handoff.yml), and that
action checks the database on every message. The console sends an agent's reply by asking
Rasa to run ``action_handoff_deliver`` (``POST /conversations/<id>/execute``), and hands the
conversation back with ``action_handoff_resume``; both end with ``action_listen`` so the
citizen's next message is predicted as usual.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.runtime import session_factory
from dichvucong.config import get_settings
from dichvucong.db.base import utcnow
from dichvucong.handoff import messages as say
from dichvucong.handoff import service
from dichvucong.handoff.hours import load_agencies
from dichvucong.handoff.offer import OFFER_PAYLOAD
from dichvucong.text.normalize import collapse_spaces, fold

log = logging.getLogger(__name__)

SLOT = "handoff"
RESUME_INTENT = "resume_bot"
DENY_WORDS = {"khong", "ko", "k", "kg", "khong can", "khong de lai", "thoi", "deny", "/deny"}


def _intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def _text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


def _utter(dispatcher: CollectingDispatcher, text: str, state: str | None = None, buttons: list[dict[str, str]] | None = None, **metadata: Any) -> None:
    """One bot message; ``state`` (``live`` | ``left`` | ``ended``) tells the web widget to
    fetch (or stop fetching) the replies agents write in the console."""
    dispatcher.utter_message(text=text, buttons=buttons, json_message={"handoff": state} if state else None, **metadata)


def _last_question(tracker: Tracker) -> str:
    """What the citizen asked before asking for a person (shown in the inbox's queue)."""
    texts = [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"]
    earlier = [t for t in texts[:-1] if t.strip() and not t.startswith("/")]
    return earlier[-1] if earlier else (texts[-1] if texts and not texts[-1].startswith("/") else "")


def _leave_form(tracker: Tracker) -> list[dict[str, Any]]:
    return [ActiveLoop(None), SlotSet("requested_slot", None)] if tracker.active_loop_name else []


class ActionRequestHandoff(Action):
    """"Gặp cán bộ": join the live queue in office hours, else leave a question."""

    def name(self) -> str:
        return "action_request_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        settings = get_settings()
        if not settings.handoff_enabled:
            dispatcher.utter_message(response="utter_ask_human")
            return []
        agencies = load_agencies(settings)
        reason = "offered" if _text(tracker).strip() == OFFER_PAYLOAD else "asked"
        now = utcnow()
        with session_factory()() as session:
            request = service.request_handoff(
                session, settings, agencies, tracker.sender_id,
                procedure_code=tracker.get_slot("procedure_code"), faq_id=tracker.get_slot("faq_id"), reason=reason, now=now,
            )
            handoff = request.handoff
            if request.kind == "queued" and handoff is not None:
                handoff.preview = service.mask_sensitive(_last_question(tracker))[:300]
            reopen = request.kind == "already" and handoff is not None and handoff.status == "left"
            if reopen and handoff is not None and request.agency.schedule.is_open(now) and handoff.claimed_by is None:
                handoff.status = "waiting"  # the office opened meanwhile: join the live queue
                service.note_citizen_message(handoff, _text(tracker), now)
                request = service.request_handoff(session, settings, agencies, tracker.sender_id, now=now)
                request.kind = "queued"
            session.commit()
            handoff = request.handoff
            status = handoff.status if handoff is not None else None
        events = _leave_form(tracker)
        if request.kind == "full":
            dispatcher.utter_message(text=say.queue_full(settings.hotline))
            return events
        if request.kind == "queued":
            _utter(dispatcher, say.queued(request.agency, request.ahead, request.minutes, settings.hotline), "live", [say.RESUME_BUTTON])
            return [*events, SlotSet(SLOT, "live")]
        if request.kind == "collecting" or status == "collecting":
            dispatcher.utter_message(text=say.closed_hours(request.agency, request.next_opening, now), buttons=[say.RESUME_BUTTON])
            return [*events, SlotSet(SLOT, "question")]
        if status == "waiting":
            _utter(dispatcher, say.still_waiting(request.ahead, request.minutes), "live", [say.RESUME_BUTTON])
            return [*events, SlotSet(SLOT, "live")]
        if status == "claimed":
            _utter(dispatcher, say.with_agent(), "live")
            return [*events, SlotSet(SLOT, "live")]
        _utter(dispatcher, say.left_pending(request.agency, request.next_opening, now), "left")
        return events


class ActionHandoffListen(Action):
    """Every citizen message while a handoff is open: quiet while a person handles it."""

    def name(self) -> str:
        return "action_handoff_listen"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        settings = get_settings()
        slot, intent, text = tracker.get_slot(SLOT), _intent(tracker), _text(tracker)
        now = utcnow()
        with session_factory()() as session:
            handoff = service.open_handoff(session, tracker.sender_id)
            if handoff is None or handoff.status == "left":
                if slot is None:
                    dispatcher.utter_message(text=say.not_in_handoff())
                else:  # handed back or closed while the slot still said otherwise
                    text = say.cancelled() if intent == RESUME_INTENT else say.ended_meanwhile()
                    _utter(dispatcher, text, "left" if handoff is not None else "ended")
                return [SlotSet(SLOT, None)] if slot is not None else []
            agency = load_agencies(settings).get(handoff.agency_key)
            if intent == RESUME_INTENT or (handoff.status == "collecting" and intent == "stop"):
                service.cancel_by_citizen(handoff, now)
                session.commit()
                _utter(dispatcher, say.cancelled(), "ended")
                return [SlotSet(SLOT, None)]
            if handoff.status == "collecting":
                return self._collect(dispatcher, session, handoff, agency, slot, intent, text, now)
            if handoff.status == "waiting" and not agency.schedule.is_open(now):
                service.note_citizen_message(handoff, text, now)
                service.move_to_left(handoff, now)
                session.commit()
                _utter(dispatcher, say.office_closed_while_waiting(agency, agency.schedule.next_opening(now), now), "left")
                return [SlotSet(SLOT, None)]
            service.note_citizen_message(handoff, text, now)
            ahead = service.waiting_ahead(session, handoff) if handoff.status == "waiting" else 0
            minutes = service.wait_minutes(session, settings, handoff.agency_key, ahead) if handoff.status == "waiting" else 0
            status = handoff.status
            session.commit()
        if intent == "ask_human" and status == "waiting":
            dispatcher.utter_message(text=say.still_waiting(ahead, minutes), buttons=[say.RESUME_BUTTON])
        # otherwise: nothing. The person in the inbox answers.
        return [] if slot == "live" else [SlotSet(SLOT, "live")]

    @staticmethod
    def _collect(dispatcher, session, handoff, agency, slot, intent, text, now) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
        """Outside office hours: first the question, then a phone number or e-mail (or none)."""
        if slot != "contact" or not handoff.question:
            service.leave_question(handoff, text, now)
            session.commit()
            dispatcher.utter_message(text=say.ask_contact(), buttons=[say.NO_CONTACT_BUTTON])
            return [SlotSet(SLOT, "contact")]
        contact = service.find_contact(text)
        declined = intent == "deny" or collapse_spaces(fold(text)).strip(" .!") in DENY_WORDS
        if contact is None and not declined:
            dispatcher.utter_message(text=say.contact_again(), buttons=[say.NO_CONTACT_BUTTON])
            return []
        service.leave_contact(handoff, contact, now)
        session.commit()
        shown = contact if contact else None
        _utter(dispatcher, say.question_left(agency, agency.schedule.next_opening(now), shown, now), "left")
        return [SlotSet(SLOT, None)]


class ActionHandoffDeliver(Action):
    """Run by the console through Rasa's API: send the agent's pending replies."""

    def name(self) -> str:
        return "action_handoff_deliver"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        sent = 0
        with session_factory()() as session:
            handoff = service.open_handoff(session, tracker.sender_id)
            if handoff is None or handoff.status != "claimed":
                log.info("No claimed handoff for %s: nothing delivered", tracker.sender_id[:12])
                return [ActionExecuted("action_listen")]
            prefix = handoff.channel in ("telegram", "zalo")
            for message in service.pending_messages(session, handoff.id):
                if not service.take_for_delivery(session, message):
                    continue
                name = message.author_name or "Cán bộ hỗ trợ"
                text = (say.agent_prefix(name) if prefix else "") + message.text
                dispatcher.utter_message(
                    text=text, buttons=list(message.buttons or []) or None,
                    agent=message.author, agent_name=name, handoff_id=handoff.id, pushed=True,
                )
                sent += 1
            service.delivered(handoff, sent)
            session.commit()
        return [SlotSet(SLOT, "live"), ActionExecuted("action_listen")]


class ActionHandoffResume(Action):
    """Run by the console through Rasa's API when an agent hands back or closes: the bot resumes."""

    def name(self) -> str:
        return "action_handoff_resume"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        with session_factory()() as session:
            handoff = service.latest_handoff(session, tracker.sender_id)
            if handoff is None or handoff.status in service.HANDOFF_OPEN_STATUSES:
                return [ActionExecuted("action_listen")]
            text = say.closed() if handoff.status == "closed" else say.returned()
            handoff_id = handoff.id
        _utter(dispatcher, text, "ended", handoff_id=handoff_id, pushed=True)
        return [SlotSet(SLOT, None), ActionExecuted("action_listen")]
