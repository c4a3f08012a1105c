"""The embeddable web chat widget: ``widget.js`` (one script tag), its vendored socket.io
client and a demo portal page. Include with ``app.include_router(router)``."""

from dichvucong.widget.routes import router

__all__ = ["router"]
