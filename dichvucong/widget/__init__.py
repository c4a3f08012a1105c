"""The embeddable web chat widget: ``widget.js`` (one script tag), the session tokens that
bind a page to its own conversation, and a demo portal page.

Include with ``app.include_router(router)``. ``dichvucong.widget.token`` uses only the standard
library, so the Rasa environment (Python 3.10, no FastAPI) imports it to verify tokens; the
router is therefore loaded lazily.
"""

from __future__ import annotations

from typing import Any

__all__ = ["router"]


def __getattr__(name: str) -> Any:
    if name == "router":
        from dichvucong.widget.routes import router

        return router
    raise AttributeError(name)
