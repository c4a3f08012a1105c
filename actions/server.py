"""The action server: rasa-sdk's executor behind one small ASGI app, in one process.

``python -m actions.server --port 5055`` replaces ``python -m rasa_sdk``. It speaks the
same protocol (``POST /webhook``, ``GET /health``, ``GET /actions``) but:

- builds the services (database, search index, status source) before it listens, so a
  wrong setting stops the server at start-up instead of failing the first citizen;
- runs in one process (rasa-sdk's Sanic starts a manager and a worker: twice the memory);
- checks the Rasa version once, not on every call.

Measured in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from rasa_sdk import utils
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import (
    ActionExecutionRejection,
    ActionMissingDomainException,
    ActionNotFoundException,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 8 * 1024 * 1024  # a tracker with its whole history; far above any real one


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status_code=status, media_type="application/json")


class ActionServer:
    """The executor with every action of the ``actions`` package, and the HTTP handlers."""

    def __init__(self, package: str = "actions") -> None:
        self.executor = ActionExecutor()
        self.executor.register_package(package)
        self._version_checked = False

    async def webhook(self, request: Request) -> Response:
        """Run the action Rasa asks for; the same answers and error codes as rasa-sdk's server."""
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _json({"error": "Request body too large"}, 413)
        try:
            if request.headers.get("content-encoding") == "deflate":
                body = zlib.decompress(body)
            action_call = json.loads(body)
        except (ValueError, zlib.error):
            return _json({"error": "Invalid body request"}, 400)
        if not isinstance(action_call, dict):
            return _json({"error": "Invalid body request"}, 400)
        if not self._version_checked:
            utils.check_version_compatibility(action_call.get("version"))
            self._version_checked = True
        try:
            result = await self.executor.run(action_call)
        except ActionExecutionRejection as error:
            return _json({"error": error.message, "action_name": error.action_name}, 400)
        except ActionNotFoundException as error:
            log.error(error)
            return _json({"error": error.message, "action_name": error.action_name}, 404)
        except ActionMissingDomainException as error:
            return _json({"error": error.message, "action_name": error.action_name}, 449)
        except Exception as error:  # noqa: BLE001 - Rasa gets a 500 it reports; the log keeps the cause
            log.exception("Action %s failed", action_call.get("next_action"))
            return _json({"error": str(error)}, 500)
        return _json(result.model_dump() if result else None)

    async def health(self, _request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def actions(self, _request: Request) -> Response:
        return _json([item.model_dump() for item in self.executor.list_actions()])


def build_services() -> None:
    """Build the services every action uses (raises on a wrong setting or database)."""
    from actions.runtime import assistant, status_dialogue
    from dichvucong.startup import StartupError, validate_startup

    try:  # settings, database and schema checked first: one clear line, not a stack trace later
        validate_startup("actions")
    except StartupError as exc:
        log.critical("Máy chủ hành động không khởi động được: %s", exc)
        raise
    assistant()
    status_dialogue()


def create_app(package: str = "actions", warm: bool = True) -> Starlette:
    """The ASGI app; with ``warm`` the services are built before the first request."""
    server = ActionServer(package)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if warm:
            build_services()
        yield

    return Starlette(
        routes=[
            Route("/webhook", server.webhook, methods=["POST"]),
            Route("/health", server.health, methods=["GET"]),
            Route("/actions", server.actions, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Máy chủ hành động của trợ lý (rasa-sdk, một tiến trình).")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default="0.0.0.0")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-8s %(name)s - %(message)s")
    uvicorn.run(
        create_app(), host=args.host, port=args.port, log_level="warning", access_log=False,
        lifespan="on", timeout_keep_alive=30,
    )


if __name__ == "__main__":
    main()
