"""The one-stop HTTP source against a fake one-stop server on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable

import pytest

from dichvucong.applications.lookup import LookupOutcome, StatusLookupService
from dichvucong.applications.sources import (
    DatabaseSource,
    OneStopHttpSource,
    SourceUnavailable,
    make_source,
)
from tests.applications.conftest import Clock, FakeServer, Request, Response, make_settings

CODE = "000.00.04.H51-261120-0042"
TOKEN = "test-token-123"
PAYLOAD = {
    "code": CODE,
    "procedure_code": "1.003544",
    "procedure_name": "Cấp hộ chiếu phổ thông ở trong nước",
    "applicant_name": "Người Thử Nghiệm",
    "phone": "0900004321",
    "status": "Đang xử lý",
    "received_at": "2026-11-20T08:30:00+07:00",
    "due_at": "2026-12-02T16:00:00+07:00",
    "agency": "Phòng Quản lý xuất nhập cảnh, Công an tỉnh Lâm Đồng",
    "current_step": "Xét duyệt",
    "missing_documents": [],
    "note": "",
    "fees_due": None,
    "history": [
        {"status": "received", "recorded_at": "2026-11-20T08:30:00+07:00", "current_step": "Tiếp nhận"},
        {"status": "processing", "recorded_at": "2026-11-21T09:00:00+07:00", "current_step": "Xét duyệt"},
    ],
}


def one_stop(request: Request) -> Response:
    """A well-behaved one-stop API: checks the token, knows one code."""
    if request.headers.get("Authorization") != f"Bearer {TOKEN}":
        return Response(401, {"error": "unauthorized"})
    if request.path == f"/api/applications/{CODE}":
        return Response(200, PAYLOAD)
    return Response(404, {"error": "not found"})


def _source(server: FakeServer, token: str = TOKEN, **kwargs: float) -> OneStopHttpSource:
    options = {"timeout": 2.0, "retries": 2, "backoff_seconds": 0.0, **kwargs}
    return OneStopHttpSource(f"{server.url}/api/", token, **options)  # type: ignore[arg-type]


def test_success_returns_the_record_with_history(fake_server: Callable[..., FakeServer]) -> None:
    server = fake_server(one_stop)
    record = _source(server).get(CODE)
    assert record is not None and record.code == CODE
    assert record.status == "processing" and record.phone_last4() == "4321"
    assert record.procedure_name == "Cấp hộ chiếu phổ thông ở trong nước"
    assert [e.status for e in record.history] == ["received", "processing"]
    assert record.received_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert "0900004321" not in repr(record)
    assert server.requests[0].method == "GET"


def test_unknown_code_is_none(fake_server: Callable[..., FakeServer]) -> None:
    server = fake_server(one_stop)
    assert _source(server).get("000.00.04.H51-261120-0043") is None
    assert len(server.requests) == 1


def test_timeouts_are_retried_then_unavailable(fake_server: Callable[..., FakeServer]) -> None:
    server = fake_server(lambda request: Response(200, PAYLOAD, delay=5.0))
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match="timeout"):
        _source(server, timeout=0.2, retries=1).get(CODE)
    assert time.monotonic() - started < 2.0
    assert len(server.requests) == 2


def test_server_errors_are_retried(fake_server: Callable[..., FakeServer]) -> None:
    answers = iter([Response(500, "oops"), Response(503, "busy")])
    server = fake_server(lambda request: next(answers, None) or one_stop(request))
    assert _source(server, retries=2).get(CODE) is not None
    assert len(server.requests) == 3


def test_persistent_server_errors_make_it_unavailable(fake_server: Callable[..., FakeServer]) -> None:
    server = fake_server(lambda request: Response(500, {"error": "internal"}))
    with pytest.raises(SourceUnavailable, match="HTTP 500"):
        _source(server, retries=2).get(CODE)
    assert len(server.requests) == 3


def test_bad_token_is_unavailable_without_retrying(fake_server: Callable[..., FakeServer]) -> None:
    server = fake_server(one_stop)
    with pytest.raises(SourceUnavailable, match="401"):
        _source(server, token="wrong").get(CODE)
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "body",
    ["{not json", [1, 2], {**PAYLOAD, "code": "000.00.04.H51-261120-0099"}, {**PAYLOAD, "status": "bí ẩn"},
     {**PAYLOAD, "received_at": "hôm qua"}, {**PAYLOAD, "history": "none"}],
)
def test_malformed_answers_are_unavailable(fake_server: Callable[..., FakeServer], body: object) -> None:
    server = fake_server(lambda request: Response(200, body))
    with pytest.raises(SourceUnavailable, match="malformed"):
        _source(server).get(CODE)


def test_connection_refused_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = OneStopHttpSource(f"http://127.0.0.1:{port}", TOKEN, timeout=0.5, retries=1, backoff_seconds=0.0)
    with pytest.raises(SourceUnavailable):
        source.get(CODE)


def test_failures_are_logged_with_the_code_masked(
    fake_server: Callable[..., FakeServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = fake_server(lambda request: Response(500, {}))
    with caplog.at_level(logging.WARNING), pytest.raises(SourceUnavailable):
        _source(server, retries=0).get(CODE)
    assert "000.00.04.H51-******-**42" in caplog.text and CODE not in caplog.text
    assert TOKEN not in caplog.text


def test_lookup_through_the_http_source(
    fake_server: Callable[..., FakeServer], database_url: str, session_factory, clock: Clock
) -> None:
    server = fake_server(one_stop)
    settings = make_settings(
        database_url, application_source="http", onestop_base_url=f"{server.url}/api", onestop_token=TOKEN,
        onestop_timeout_seconds=2.0, onestop_retries=0,
    )
    source = make_source(settings, session_factory)
    assert isinstance(source, OneStopHttpSource)
    service = StatusLookupService(session_factory, source, settings, clock=clock)
    verified = service.verify("alice", "telegram", CODE, "4321")
    assert verified.outcome is LookupOutcome.VERIFIED and verified.view and verified.view.status == "processing"
    unknown = service.verify("alice", "telegram", "000.00.04.H51-261120-0043", "4321")
    wrong = service.verify("alice", "telegram", CODE, "1234")
    assert unknown.outcome is wrong.outcome is LookupOutcome.MISMATCH
    down = StatusLookupService(session_factory, _source(fake_server(lambda r: Response(502, "")), retries=0),
                               settings, clock=clock)
    assert down.verify("alice", "telegram", CODE, "4321").outcome is LookupOutcome.UNAVAILABLE
    assert not service.subscribe("alice", "telegram", CODE)  # not in our database: nothing to notify from


def test_make_source_choices(session_factory) -> None:
    url = "sqlite://"
    assert isinstance(make_source(make_settings(url), session_factory), DatabaseSource)
    with pytest.raises(ValueError, match="ONESTOP_BASE_URL"):
        make_source(make_settings(url, application_source="http", onestop_base_url=""), session_factory)
    with pytest.raises(ValueError, match="APPLICATION_SOURCE"):
        make_source(make_settings(url, application_source="ftp"), session_factory)
