"""``GET /api/search`` and ``GET /health`` of the console service."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from dichvucong.api.app import create_app
from dichvucong.config import Settings


@pytest.fixture
def client(seeded_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=seeded_url, search_refresh_seconds=0))
    with TestClient(app) as test_client:
        yield test_client


def test_search_returns_ranked_items(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "dang ky ket hon", "k": 5})
    assert response.status_code == 200
    items = response.json()["items"]
    assert 1 <= len(items) <= 5
    assert items[0] == {**items[0], "type": "procedure", "code": "1.000894", "title": "Đăng ký kết hôn"}
    assert set(items[0]) == {"type", "id", "code", "title", "score"}
    scores = [item["score"] for item in items]
    assert all(0 <= s <= 1 for s in scores)


def test_search_finds_faqs_too(client: TestClient) -> None:
    items = client.get("/api/search", params={"q": "giờ làm việc của bộ phận một cửa"}).json()["items"]
    assert any(item["type"] == "faq" for item in items)


@pytest.mark.parametrize("query", ["", "   ", "🙂", "<script>alert(1)</script>", "' OR 1=1 --"])
def test_odd_queries_are_answered_with_json(client: TestClient, query: str) -> None:
    response = client.get("/api/search", params={"q": query})
    assert response.status_code == 200 and isinstance(response.json()["items"], list)


def test_out_of_range_k_is_a_clear_validation_error(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "khai sinh", "k": 500})
    assert response.status_code == 422 and response.json()["detail"] == "Yêu cầu không hợp lệ."


def test_health_reports_the_database(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["content_revision"] >= 1
