"""The console asks the Rasa server to run a handoff action in a conversation.

``POST {HANDOFF_RASA_URL}/conversations/<sender>/execute?output_channel=<channel>&token=…``
with ``{"name": "action_handoff_deliver"}`` (or ``action_handoff_resume``). Rasa runs it under
the conversation's lock, stores the bot events in the tracker (with ``{"agent": <username>}``
in their metadata) and sends them through the channel's output: Telegram's Bot API, Zalo's
OA API; web replies are fetched by the widget (``POST /widget/updates``). The token never
leaves the server.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import httpx

from dichvucong.config import Settings

log = logging.getLogger(__name__)
logging.getLogger("httpx").setLevel(logging.WARNING)  # its request log would show the token in the URL

DELIVER = "action_handoff_deliver"
RESUME = "action_handoff_resume"
PUSH_CHANNELS = ("telegram", "zalo")  # channels whose output Rasa can reach outside a webhook call
TIMEOUT = 20.0


class RasaUnavailable(RuntimeError):
    """Rasa did not run the action (down, wrong token, error): the reply stays pending."""


def output_channel(channel: str) -> str:
    """Rasa's output channel for a conversation of ``channel`` (else the collecting one)."""
    return channel if channel in PUSH_CHANNELS else "collector"


def execute(settings: Settings, sender_id: str, channel: str, action: str, client: httpx.Client | None = None) -> None:
    """Run ``action`` in ``sender_id``'s conversation on the first Rasa server that answers
    (``HANDOFF_RASA_URL``: one URL or several, comma separated); raises :class:`RasaUnavailable`."""
    if not settings.rasa_auth_token:
        raise RasaUnavailable("RASA_AUTH_TOKEN is not set for the console")
    params = {"output_channel": output_channel(channel), "token": settings.rasa_auth_token, "include_events": "NONE"}
    problem = "no HANDOFF_RASA_URL"
    for base in [u.strip().rstrip("/") for u in settings.handoff_rasa_url.split(",") if u.strip()]:
        url = f"{base}/conversations/{quote(sender_id, safe=':')}/execute"
        try:
            post = client.post if client is not None else httpx.post
            response = post(url, params=params, json={"name": action}, timeout=TIMEOUT)
        except httpx.HTTPError as exc:
            log.warning("Rasa at %s did not answer the handoff action %s: %s", base, action, type(exc).__name__)
            problem = type(exc).__name__
            continue
        if response.status_code == 200:
            return
        log.warning("Rasa at %s refused the handoff action %s: HTTP %s", base, action, response.status_code)
        problem = f"HTTP {response.status_code}"
        if response.status_code in (400, 401, 403, 404):
            break  # the same answer from every server: do not try the others
    raise RasaUnavailable(problem)
