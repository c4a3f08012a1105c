"""Status changes queue notifications in the outbox; dispatch sends them to a fake Telegram API."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from dichvucong.db.models import Notification
from dichvucong.notifications import MAX_ATTEMPTS, TelegramSender, build_senders, dispatch_pending
from dichvucong.notifications.senders import SendError
from tests.applications.conftest import NOW, FakeServer, Loaded, Request, Response, make_settings, row

CODE = "000.21.10.H51-261120-0007"
TOKEN = "123456:TEST-token"
CHAT = "987654321"


def telegram_ok(request: Request) -> Response:
    if request.path != f"/bot{TOKEN}/sendMessage":
        return Response(404, {"ok": False, "description": "Not Found"})
    return Response(200, {"ok": True, "result": {"message_id": 1}})


def _notifications(loaded: Loaded) -> list[Notification]:
    with loaded.session_factory() as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def _subscribed(load: Callable[..., Loaded], channel: str = "telegram", recipient: str = CHAT) -> Loaded:
    loaded = load([row()])
    assert loaded.service.verify(recipient, channel, CODE, "5678").view is not None
    assert loaded.service.subscribe(recipient, channel, CODE)
    return loaded


def test_status_change_is_queued_and_sent_to_telegram(
    load: Callable[..., Loaded], fake_server: Callable[..., FakeServer]
) -> None:
    loaded = _subscribed(load)
    assert loaded.reimport([row(current_step="Trình ký")]).notifications == 0  # same status: nothing to say
    report = loaded.reimport([row(status="ready", pickup_place="Quầy 3")])
    assert (report.updated, report.notifications) == (1, 1)
    assert loaded.reimport([row(status="ready", pickup_place="Quầy 3")]).notifications == 0  # unchanged
    [queued] = _notifications(loaded)
    assert queued.status == "ready" and queued.sent_at is None and queued.attempts == 0
    assert "000.21.10.H51-******-**07" in queued.text and CODE not in queued.text
    assert "Đã có kết quả" in queued.text and "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in queued.text

    server = fake_server(telegram_ok)
    sender = TelegramSender(TOKEN, server.url, timeout=2.0)
    sent = dispatch_pending(loaded.session_factory, {"telegram": sender}, clock=lambda: NOW)
    assert (sent.sent, sent.failed) == (1, 0)
    [request] = server.requests
    assert request.method == "POST" and request.json() == {"chat_id": CHAT, "text": queued.text}
    [done] = _notifications(loaded)
    assert done.sent_at is not None and done.attempts == 1 and done.last_error == ""
    assert dispatch_pending(loaded.session_factory, {"telegram": sender}).sent == 0  # nothing sent twice
    assert len(server.requests) == 1


def test_overdue_notice_carries_the_new_date(load: Callable[..., Loaded]) -> None:
    loaded = _subscribed(load)
    loaded.reimport([row(status="quá hạn", new_due_at="04/12/2026")])
    [queued] = _notifications(loaded)
    assert "xin lỗi" in queued.text and "04/12/2026" in queued.text


def test_failures_are_recorded_without_the_token_and_given_up_after_five(
    load: Callable[..., Loaded], fake_server: Callable[..., FakeServer]
) -> None:
    loaded = _subscribed(load)
    loaded.reimport([row(status="ready")])
    server = fake_server(lambda request: Response(500, {"ok": False, "description": "Internal Server Error"}))
    senders = {"telegram": TelegramSender(TOKEN, server.url, timeout=2.0)}
    reports = [dispatch_pending(loaded.session_factory, senders) for _ in range(MAX_ATTEMPTS + 1)]
    assert [r.failed for r in reports] == [1] * MAX_ATTEMPTS + [0]
    assert reports[MAX_ATTEMPTS - 1].gave_up == 1
    assert len(server.requests) == MAX_ATTEMPTS
    [failed] = _notifications(loaded)
    assert failed.attempts == MAX_ATTEMPTS and failed.sent_at is None
    assert "500" in failed.last_error and "Internal Server Error" in failed.last_error
    assert TOKEN not in failed.last_error


def test_telegram_errors_never_show_the_token(fake_server: Callable[..., FakeServer]) -> None:
    server = fake_server(lambda request: Response(403, {"ok": False, "description": "Forbidden: bot was blocked"}))
    try:
        TelegramSender(TOKEN, server.url, timeout=2.0).send(CHAT, "xin chào")
    except SendError as exc:
        assert "blocked" in str(exc) and TOKEN not in str(exc) and exc.__cause__ is None
    else:
        raise AssertionError("a 403 must raise")
    slow = fake_server(lambda request: Response(200, {"ok": True}, delay=5.0))
    try:
        TelegramSender(TOKEN, slow.url, timeout=0.2).send(CHAT, "xin chào")
    except SendError as exc:
        assert TOKEN not in str(exc) and exc.__suppress_context__
    else:
        raise AssertionError("a timeout must raise")


def test_no_sender_waits_and_unsubscribed_is_dropped(
    load: Callable[..., Loaded], fake_server: Callable[..., FakeServer]
) -> None:
    loaded = _subscribed(load, channel="zalo", recipient="zalo-user-1")
    loaded.service.verify(CHAT, "telegram", CODE, "5678")
    loaded.service.subscribe(CHAT, "telegram", CODE)
    loaded.reimport([row(status="needs_documents", missing_documents="Tờ khai")])
    assert len(_notifications(loaded)) == 2
    assert loaded.service.unsubscribe(CHAT, "telegram", CODE)
    server = fake_server(telegram_ok)
    report = dispatch_pending(loaded.session_factory, {"telegram": TelegramSender(TOKEN, server.url)})
    assert (report.sent, report.waiting, report.dropped) == (0, 1, 1)
    assert not server.requests
    zalo, telegram = _notifications(loaded)
    assert zalo.attempts == 0 and zalo.sent_at is None  # delivered once a zalo sender exists
    assert telegram.attempts == MAX_ATTEMPTS and telegram.last_error


def test_senders_are_built_from_settings() -> None:
    assert build_senders(make_settings("sqlite://")) == {}
    senders = build_senders(make_settings("sqlite://", telegram_bot_token=TOKEN))
    assert set(senders) == {"telegram"} and isinstance(senders["telegram"], TelegramSender)
