"""When a custom action cannot run, the citizen is asked to send the message again.

Rasa 3.6 logs a failed action call (action server down or restarting, an error inside an
action, a timeout) and carries on with no reply: the citizen sees nothing and does not know
whether to wait. Here the failed call instead says, in the domain's ``utter_try_again``, that
the message did not go through and should be sent again; the conversation goes on as Rasa
would (no events of the failed action are kept). A rejection (an action declining to run,
as forms do) is still Rasa's to handle.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance

logger = logging.getLogger(__name__)

RETRY_RESPONSE = "utter_try_again"
# Used only if the domain has no utter_try_again (the domain's text is the one to edit).
RETRY_TEXT = "Xin lỗi, hệ thống đang bận nên chưa trả lời được. Bạn vui lòng gửi lại tin nhắn sau ít phút."

_rasa_run = RemoteAction.run


async def run_or_ask_to_retry(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list[Any]:
    """Rasa's remote action; on failure one polite reply instead of silence."""
    try:
        return await _rasa_run(self, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:
        raise
    except Exception:  # noqa: BLE001 - every failure of the call gets the same answer; the log keeps the cause
        logger.exception("Custom action '%s' failed; the citizen is asked to send the message again", self.name())
        draft = None
        if RETRY_RESPONSE in (domain.responses or {}):
            draft = await nlg.generate(RETRY_RESPONSE, tracker, output_channel.name())
        text = (draft or {}).get("text") or RETRY_TEXT
        return [create_bot_utterance({"text": text, "utter_action": RETRY_RESPONSE})]


def ask_to_retry_failed_actions() -> None:
    """Install the polite failure on every remote action."""
    RemoteAction.run = run_or_ask_to_retry  # type: ignore[method-assign]
