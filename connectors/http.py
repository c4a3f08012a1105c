"""HTTP helpers shared by the Sanic routes of our channels: a size-bounded request body.

Routes registered with ``stream=True`` get their body here chunk by chunk, so a delivery larger
than the limit is refused (413) after at most ``limit`` bytes, before anything parses it.
"""

from __future__ import annotations

from typing import Any

MAX_WEBHOOK_BODY = 1024 * 1024  # 1 MB: a Telegram update or a Zalo event is a few kB


class BodyTooLarge(Exception):
    """The request body exceeds the route's limit."""


async def read_bounded(request: Any, limit: int = MAX_WEBHOOK_BODY) -> bytes:
    """The raw body of a streamed Sanic request, at most ``limit`` bytes, else :class:`BodyTooLarge`."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise BodyTooLarge()
        except ValueError:
            raise BodyTooLarge() from None
    stream = getattr(request, "stream", None)
    if stream is None:  # not a streamed route (or a test request): the body is already read
        body = request.body or b""
        if len(body) > limit:
            raise BodyTooLarge()
        return body
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await stream.read()
        if chunk is None:
            break
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def too_large_body(limit: int = MAX_WEBHOOK_BODY) -> dict[str, Any]:
    """The JSON answer for a refused, too-large delivery."""
    return {"status": "rejected", "reason": f"the body is larger than {limit} bytes"}
