"""The widget's HTTP routes, without a browser: bundle, vendor files, demo page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dichvucong.widget import routes
from tests.browser.conftest import widget_app

STATIC = Path(routes.__file__).parent / "static"


@pytest.fixture
def client() -> TestClient:
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


def test_vendor_files_are_served_from_a_fixed_list(client: TestClient) -> None:
    library = client.get("/widget/vendor/socket.io.min.js")
    assert library.status_code == 200 and "Socket.IO v4" in library.text[:200]
    assert library.headers["content-type"].startswith("text/javascript")
    licence = client.get("/widget/vendor/socket.io-client.LICENSE")
    assert licence.status_code == 200 and "MIT" in licence.text
    for name in ("widget.css", "..%2Fwidget.js", "..%2F..%2Froutes.py", "socket.io.min.js.map"):
        assert client.get(f"/widget/vendor/{name}").status_code == 404, name


def test_demo_page_embeds_the_widget_with_one_tag(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RASA_PUBLIC_URL", raising=False)
    page = client.get("/widget/demo").text
    tags = re.findall(r"<script\b[^>]*>", page)
    assert tags == ['<script src="/widget/widget.js" defer>'], tags  # default Rasa: same host, port 5005
    assert "BẢN DEMO" in page and "Cổng Dịch vụ công tỉnh Lâm Đồng" in page and '<html lang="vi">' in page


def test_demo_page_rasa_url_from_query_then_environment(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_PUBLIC_URL", "https://chat.example.gov.vn/")
    assert 'data-rasa-url="https://chat.example.gov.vn"' in client.get("/widget/demo").text
    page = client.get("/widget/demo", params={"rasa": "http://127.0.0.1:5999", "transport": "socketio"}).text
    assert 'data-rasa-url="http://127.0.0.1:5999"' in page and 'data-transport="socketio"' in page
    assert "data-transport" not in client.get("/widget/demo", params={"transport": "evil"}).text


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
