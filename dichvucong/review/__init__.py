"""Staff review of citizens' conversations (/console/review): read Rasa's tracker store
read-only, annotate messages, export NLU training data, dashboard, retention.

``review_router`` goes into the FastAPI app next to the console routers.
"""

from dichvucong.review.routes import router as review_router

__all__ = ["review_router"]
