"""Send a core :class:`Reply` through the dispatcher and turn it into slot events."""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from dichvucong.assistant.service import Reply
from dichvucong.feedback import NEGATIVE_PAYLOAD, POSITIVE_PAYLOAD, RATEABLE_KINDS


def send_reply(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    """Utter the reply with its buttons, plus 👍/👎 after an answer that can be rated."""
    buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    if reply.kind in RATEABLE_KINDS:
        buttons += [
            {"title": "👍 Hữu ích", "payload": POSITIVE_PAYLOAD},
            {"title": "👎 Chưa đúng", "payload": NEGATIVE_PAYLOAD},
        ]
    dispatcher.utter_message(text=reply.text, buttons=buttons or None)


def send(dispatcher: CollectingDispatcher, reply: Reply) -> list[dict[str, Any]]:
    """Utter the reply and remember the procedure, FAQ and pending aspects it concerns."""
    send_reply(dispatcher, reply)
    events = [SlotSet("pending_aspects", reply.pending_aspects or None), SlotSet("last_answer_kind", reply.kind)]
    if reply.procedure_code:
        events.append(SlotSet("procedure_code", reply.procedure_code))
    events.append(SlotSet("faq_id", reply.faq_id))
    return events
