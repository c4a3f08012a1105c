"""``GET /webhooks/health/``: the Rasa server's readiness — model loaded, stores reachable.

Registered as an input channel because that is how Rasa 3.6 lets a project add a route to
its server. It answers 200 when the model is loaded and the tracker and lock stores answer,
503 otherwise, with one line per check.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import sql_resilience

PROBE_SENDER = "__health_probe__"


async def _tracker_store_state(agent: Any) -> str:
    try:
        await agent.tracker_store.retrieve(PROBE_SENDER)  # one read; nothing is written
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return f"unreachable: {type(exc).__name__}"


async def _lock_store_state(agent: Any) -> str:
    redis_client = getattr(agent.lock_store, "red", None)
    if redis_client is None:
        return "ok"  # in-memory lock store: nothing to reach
    try:
        await asyncio.get_running_loop().run_in_executor(None, redis_client.ping)
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"unreachable: {type(exc).__name__}"


class HealthInput(InputChannel):
    """A read-only route reporting whether this Rasa server can answer citizens."""

    @classmethod
    def name(cls) -> str:
        return "health"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        sql_resilience.install()  # dead pooled connections after a database restart (see the module)
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        health = Blueprint("health_check", __name__)

        @health.route("/", methods=["GET"])
        async def check(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            checks = {"model": "ok" if agent is not None and agent.is_ready() else "not loaded"}
            if agent is not None:
                checks["tracker_store"] = await _tracker_store_state(agent)
                checks["lock_store"] = await _lock_store_state(agent)
            healthy = all(state == "ok" for state in checks.values())
            return response.json({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)

        return health
