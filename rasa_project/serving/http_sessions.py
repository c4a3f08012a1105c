"""Keep one HTTP session (and its open connections) per endpoint instead of one per call.

Rasa 3.6's ``EndpointConfig.request`` opens a new aiohttp session, hence a new TCP
connection, for every call to the action server: on every message, a connection set-up on
both sides and a session built and torn down. Here ``EndpointConfig.session()`` hands out
one session per set of headers and authentication and per event loop, with the same headers, authentication and timeout,
kept open for the life of the server; a connection the action server closed (a restart) is
dropped from the pool by aiohttp and the next call opens a new one.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from rasa.utils.endpoints import EndpointConfig

_rasa_session = EndpointConfig.session
_sessions: dict[tuple[Any, ...], aiohttp.ClientSession] = {}


class _KeptSession:
    """``async with`` that yields the shared session and leaves it open afterwards."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *_exc: Any) -> None:
        return None


def kept_session(endpoint: EndpointConfig) -> Any:
    """The endpoint's session for the running event loop (Rasa's own outside a loop)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return _rasa_session(endpoint)
    # What the session carries (headers, authentication) and the loop it belongs to.
    key = (
        tuple(sorted((str(k), str(v)) for k, v in (endpoint.headers or {}).items())),
        tuple(sorted((str(k), str(v)) for k, v in (endpoint.basic_auth or {}).items())),
        id(loop),
    )
    session = _sessions.get(key)
    if session is None or session.closed:
        session = _sessions[key] = _rasa_session(endpoint)
    return _KeptSession(session)


async def close_kept_sessions(*_args: Any) -> None:
    """Close the sessions of this process (a Sanic ``after_server_stop`` listener)."""
    for key, session in list(_sessions.items()):
        _sessions.pop(key, None)
        if not session.closed:
            await session.close()


def keep_endpoint_sessions() -> None:
    """Make every endpoint call reuse its endpoint's session, closed when the server stops."""
    import rasa.core.run

    EndpointConfig.session = kept_session  # type: ignore[method-assign]
    configure_app = rasa.core.run.configure_app
    if getattr(configure_app, "closes_kept_sessions", False):
        return

    def configure_app_closing_sessions(*args: Any, **kwargs: Any) -> Any:
        app = configure_app(*args, **kwargs)
        app.register_listener(close_kept_sessions, "after_server_stop")
        return app

    configure_app_closing_sessions.closes_kept_sessions = True  # type: ignore[attr-defined]
    rasa.core.run.configure_app = configure_app_closing_sessions
