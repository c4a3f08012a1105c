"""Review routers under /console/review, one module per resource."""

from fastapi import APIRouter

from dichvucong.review.routes import annotations, assets, attach, conversations, dashboard, exports

router = APIRouter()
for _module in (assets, dashboard, exports, annotations, attach, conversations):
    router.include_router(_module.router)
