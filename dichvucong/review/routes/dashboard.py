"""The dashboard: conversations per day, containment, fallbacks, procedures, unanswered
questions, ratings, response time — charts (vendored Chart.js) and a CSV of the figures."""

from __future__ import annotations

import json

from fastapi import Request
from fastapi.responses import Response

from dichvucong.api.deps import SessionDep
from dichvucong.console.deps import ConsoleDep
from dichvucong.handoff.metrics import minutes_text
from dichvucong.review.deps import ReviewerUser, TrackerDep
from dichvucong.review.routes.common import page, refresh_summary, review_router
from dichvucong.review.routes.exports import _download_headers, _stamp
from dichvucong.review.services.clusters import unanswered_groups
from dichvucong.review.services.dashboard import (
    DASHBOARD_CSV_HEADER,
    Dashboard,
    build_dashboard,
    dashboard_rows,
)
from dichvucong.review.services.exports import csv_bytes
from dichvucong.review.services.period import Period

router = review_router()
DEFAULT_DAYS = 30


def chart_data(figures: Dashboard) -> str:
    """What review-charts.js draws (JSON inside a non-executed script tag; CSP-safe)."""
    data = {
        "days": [d.day for d in figures.per_day],
        "conversations": [d.conversations for d in figures.per_day],
        "messages": [d.messages for d in figures.per_day],
        "fallbacks": [d.fallbacks for d in figures.per_day],
        "procedures": [{"label": f"{name or code} ({code})", "count": n} for code, name, n in figures.top_procedures],
        "ratings": [figures.ratings_positive, figures.ratings_negative],
    }
    # No raw "<" inside the script element ("</script>", "<!--" cannot occur).
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


@router.get("/dashboard")
def dashboard(
    request: Request, user: ReviewerUser, db: SessionDep, ctx: ConsoleDep, tracker: TrackerDep, to: str = ""
) -> Response:
    refresh_summary(db, tracker, ctx)
    period = Period.parse(request.query_params.get("from"), to, DEFAULT_DAYS)
    figures = build_dashboard(db, period)
    context = {
        "figures": figures, "period": period, "chart_json": chart_data(figures),
        "question_groups": unanswered_groups(db, period), "handoff_minutes": minutes_text,
    }
    return page(request, "dashboard.html", context)


@router.get("/dashboard.csv")
def dashboard_csv(request: Request, user: ReviewerUser, db: SessionDep, ctx: ConsoleDep, tracker: TrackerDep, to: str = "") -> Response:
    refresh_summary(db, tracker, ctx)
    period = Period.parse(request.query_params.get("from"), to, DEFAULT_DAYS)
    body = csv_bytes(DASHBOARD_CSV_HEADER, dashboard_rows(build_dashboard(db, period)))
    return Response(body, media_type="text/csv; charset=utf-8", headers=_download_headers(f"so-lieu-hoi-thoai-{_stamp()}.csv"))
