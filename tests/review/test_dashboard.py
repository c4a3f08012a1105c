"""Dashboard figures of the real conversations: a copy of the tracker store with only this
run's conversations, and only their ratings, so every figure is exact."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from dichvucong.db.session import get_sessionmaker
from dichvucong.review.services.dashboard import build_dashboard
from dichvucong.review.services.period import Period, today
from dichvucong.review.services.sync import sync
from dichvucong.review.tracker import public_source, readonly_engine
from tests.console.conftest import ConsoleClient, signed_in
from tests.review.conftest import Chats, only_ratings_of, review_settings


@pytest.fixture
def own_db(review_db: str, own_tracker: str, chats: Chats) -> str:
    only_ratings_of(review_db, chats.senders)
    with get_sessionmaker(review_db)() as session:
        sync(session, readonly_engine(own_tracker), public_source(own_tracker))
    return review_db


@pytest.fixture
def own_reviewer(own_db: str, own_tracker: str) -> Iterator[ConsoleClient]:
    from dichvucong.api.app import create_app

    with TestClient(create_app(review_settings(own_db, own_tracker))) as http:
        yield signed_in(ConsoleClient(http), "reviewer1")


def test_figures(own_db: str, chats: Chats) -> None:
    with get_sessionmaker(own_db)() as session:
        figures = build_dashboard(session, Period.parse(None, None, 7))
    assert figures.conversations == 6
    assert figures.messages == 8 and figures.typed_messages == 6  # two 👍/👎 button presses
    # Contained: the fee answer, the marriage documents, the status question; not the unclear
    # message, the request for a person, or the question nobody answers.
    assert figures.contained == 3 and figures.containment == pytest.approx(0.5)
    assert figures.fallback_messages == 1 and figures.fallback_rate == pytest.approx(1 / 6)
    assert figures.human_conversations == 1
    codes = {code: n for code, _, n in figures.top_procedures}
    assert codes == {"1.012354": 1, "1.000894": 1}
    assert dict(figures.unanswered).keys() >= {"xyz abc qwerty trời mưa", chats.unclear_text}
    assert (figures.ratings_positive, figures.ratings_negative, figures.positive_share) == (1, 1, 0.5)
    assert figures.median_response_seconds is not None and 0 < figures.median_response_seconds < 30
    day = today().isoformat()
    assert [(d.day, d.conversations, d.messages, d.fallbacks) for d in figures.per_day if d.messages] == [(day, 6, 8, 1)]
    assert len(figures.per_day) == 7


def test_a_past_period_has_no_figures(own_db: str) -> None:
    with get_sessionmaker(own_db)() as session:
        figures = build_dashboard(session, Period.parse("2001-01-01", "2001-01-31"))
    assert figures.conversations == 0 and figures.containment is None and figures.median_response_seconds is None
    assert len(figures.per_day) == 31 and figures.ratings == 0


def test_dashboard_page_and_chart_data(own_reviewer: ConsoleClient) -> None:
    page = own_reviewer.get("/console/review/dashboard")
    assert page.status_code == 200
    html = page.text
    assert re.search(r'data-testid="conversations">6<', html) and re.search(r'data-testid="containment">50,0 %<', html)
    assert re.search(r'data-testid="positive-share">50,0 %<', html) and "1.012354" in html
    data = json.loads(re.search(r'<script type="application/json" id="review-figures">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert sum(data["conversations"]) == 6 and sum(data["messages"]) == 8 and data["ratings"] == [1, 1]
    assert len(data["days"]) == 30 and {p["count"] for p in data["procedures"]} == {1}
    assert "<script>" not in html  # no inline script (CSP)


def test_dashboard_csv(own_reviewer: ConsoleClient) -> None:
    day = today().isoformat()
    response = own_reviewer.get(f"/console/review/dashboard.csv?from={day}&to={day}")
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Nhóm", "Mục", "Giá trị", "Tin nhắn", "Không hiểu", "Ghi chú"]
    values = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert values[("Tổng quan", "Số hội thoại")] == "6"
    assert values[("Tổng quan", "Tỷ lệ tự giải quyết (%)")] == "50.0"
    assert values[("Tổng quan", "Tỷ lệ hài lòng (%)")] == "50.0"
    assert values[("Tổng quan", "Tỷ lệ không hiểu (%)")] == "16.7"
    assert [r[2:5] for r in rows if r[0] == "Theo ngày (hội thoại)"] == [["6", "8", "1"]]
    assert values[("Thủ tục được hỏi nhiều", "1.012354")] == "1"
    assert values[("Câu chưa trả lời được", "xyz abc qwerty trời mưa")] == "1"
