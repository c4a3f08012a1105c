"""The widget's HTTP routes, without a browser: bundle, session tokens, demo page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dichvucong.widget import routes
from dichvucong.widget.settings import WidgetSettings, check_widget_settings
from dichvucong.widget.token import TokenSigner
from tests.browser.conftest import widget_app

STATIC = Path(routes.__file__).parent / "static"
SECRET = "widget-secret-for-route-tests-0123456789"


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("WIDGET_TOKEN_SECRET", SECRET)
    monkeypatch.delenv("CONSOLE_ENV", raising=False)
    monkeypatch.delenv("WIDGET_DEMO_ENABLED", raising=False)
    monkeypatch.delenv("RASA_CORS_ORIGINS", raising=False)
    return TestClient(widget_app())


def test_widget_js_is_one_file_with_its_css_inlined(client: TestClient) -> None:
    response = client.get("/widget/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "__DVCW_CSS__" not in response.text
    assert ".dvcw-launcher" in response.text and "@media (max-width: 480px)" in response.text
    again = client.get("/widget/widget.js", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


def test_widget_source_never_parses_markup() -> None:
    """Bot and user text reach the page only as text nodes: no HTML-parsing sinks at all."""
    source = (STATIC / "widget.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in source, sink


def test_the_socketio_client_is_no_longer_shipped(client: TestClient) -> None:
    for name in ("socket.io.min.js", "socket.io-client.LICENSE"):
        assert client.get(f"/widget/vendor/{name}").status_code == 404
    assert "socket.io" not in (STATIC / "widget.js").read_text(encoding="utf-8")


def test_a_session_token_is_issued_and_renewed_for_the_same_session(client: TestClient) -> None:
    issued = client.post("/widget/session", json={})
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    body = issued.json()
    session = TokenSigner(SECRET).verify(body["token"])
    assert body["expires_at"] == session.expires_at and body["expires_at"] - body["issued_at"] == 24 * 3600
    renewed = client.post("/widget/session", json={"token": body["token"]}).json()
    assert TokenSigner(SECRET).verify(renewed["token"]).session_id == session.session_id
    fresh = client.post("/widget/session").json()  # no body at all: a new session too
    assert TokenSigner(SECRET).verify(fresh["token"]).session_id != session.session_id


@pytest.mark.parametrize("token", ["forged", "v1.abc.def", TokenSigner("q" * 40).issue()[0]])
def test_a_bad_token_is_not_renewed(client: TestClient, token: str) -> None:
    response = client.post("/widget/session", json={"token": token})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid" and "phiên mới" in response.json()["detail"]


def test_an_over_long_token_gets_a_polite_422(client: TestClient) -> None:
    response = client.post("/widget/session", json={"token": "x" * 5000})
    assert response.status_code == 422


def test_without_a_secret_no_session_is_issued(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIDGET_TOKEN_SECRET", "")
    response = TestClient(widget_app()).post("/widget/session", json={})
    assert response.status_code == 503 and "tạm ngừng" in response.json()["detail"]


def test_sessions_answer_cors_only_for_configured_portal_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIDGET_TOKEN_SECRET", SECRET)
    monkeypatch.setenv("RASA_CORS_ORIGINS", "https://dichvucong.lamdong.gov.vn, https://portal.example.gov.vn")
    client = TestClient(widget_app())
    allowed = client.options("/widget/session", headers={"Origin": "https://portal.example.gov.vn", "Access-Control-Request-Method": "POST"})
    assert allowed.status_code == 204 and allowed.headers["access-control-allow-origin"] == "https://portal.example.gov.vn"
    other = client.post("/widget/session", json={}, headers={"Origin": "https://evil.example"})
    assert other.status_code == 200 and "access-control-allow-origin" not in other.headers  # the browser blocks it


def test_production_refuses_to_start_without_a_good_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    for secret in ("", "too-short"):
        with pytest.raises(RuntimeError, match="WIDGET_TOKEN_SECRET"):
            check_widget_settings(WidgetSettings(console_env="production", widget_token_secret=secret))
    with pytest.raises(RuntimeError, match="RASA_CORS_ORIGINS"):
        check_widget_settings(WidgetSettings(console_env="production", widget_token_secret=SECRET, rasa_cors_origins="*"))
    assert check_widget_settings(WidgetSettings(console_env="development", widget_token_secret="")).problems()


def test_the_demo_page_is_off_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIDGET_TOKEN_SECRET", SECRET)
    monkeypatch.setenv("CONSOLE_ENV", "production")
    monkeypatch.delenv("WIDGET_DEMO_ENABLED", raising=False)
    assert TestClient(widget_app()).get("/widget/demo").status_code == 404
    monkeypatch.setenv("WIDGET_DEMO_ENABLED", "true")  # switched on deliberately: still no arbitrary Rasa
    client = TestClient(widget_app())
    assert client.get("/widget/demo").status_code == 200
    refused = client.get("/widget/demo", params={"rasa": "https://evil.example"})
    assert refused.status_code == 400 and "evil.example" not in refused.text
    monkeypatch.setenv("CONSOLE_ENV", "development")
    monkeypatch.setenv("WIDGET_DEMO_ENABLED", "false")
    assert TestClient(widget_app()).get("/widget/demo").status_code == 404


def test_demo_page_embeds_the_widget_with_one_tag(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RASA_PUBLIC_URL", raising=False)
    page = client.get("/widget/demo").text
    tags = re.findall(r"<script\b[^>]*>", page)
    assert tags == ['<script src="/widget/widget.js" defer>'], tags  # default Rasa: same host, port 5005
    assert "BẢN DEMO" in page and "Cổng Dịch vụ công tỉnh Lâm Đồng" in page and '<html lang="vi">' in page


def test_demo_page_rasa_url_from_query_then_environment(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:  # development only
    monkeypatch.setenv("RASA_PUBLIC_URL", "https://chat.example.gov.vn/")
    assert 'data-rasa-url="https://chat.example.gov.vn"' in client.get("/widget/demo").text
    page = client.get("/widget/demo", params={"rasa": "http://127.0.0.1:5999"}).text
    assert 'data-rasa-url="http://127.0.0.1:5999"' in page


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "data:text/html,x", "//evil.example", "ftp://x"])
def test_demo_page_refuses_non_http_rasa_urls(client: TestClient, bad: str) -> None:
    response = client.get("/widget/demo", params={"rasa": bad})
    assert response.status_code == 422
    assert "http://" in response.json()["detail"]


def test_demo_page_escapes_the_rasa_url(client: TestClient) -> None:
    page = client.get("/widget/demo", params={"rasa": 'http://x.example/"><script>alert(1)</script>'}).text
    assert "<script>alert(1)</script>" not in page
    assert 'data-rasa-url="http://x.example/&quot;&gt;&lt;script&gt;' in page


def test_router_fits_into_the_console_app() -> None:
    """What app.py will do: include the router next to the API and console routes."""
    from dichvucong.api.app import create_app
    from dichvucong.widget import router

    app = create_app()
    app.include_router(router)
    client = TestClient(app)  # no lifespan: the widget routes need no database
    assert client.get("/widget/widget.js").status_code == 200
    assert client.get("/widget/demo").status_code == 200
