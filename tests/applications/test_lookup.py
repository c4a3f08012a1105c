"""Verification, lockout, rate limiting and subscriptions, on real databases with a hand-moved clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

import pytest
from sqlalchemy import select

from dichvucong.applications.formatting import format_code_help, format_status
from dichvucong.applications.lookup import LookupOutcome, StatusLookupService
from dichvucong.applications.records import ApplicationRecord
from dichvucong.applications.sources import SourceUnavailable
from dichvucong.db.models import LookupAttempt, StatusSubscription
from tests.applications.conftest import Clock, Loaded, add_procedures, row

CODE = "000.21.10.H51-261120-0007"
OTHER = "000.21.10.H51-261120-0099"  # never imported


def _reasons(loaded: Loaded, sender: str = "alice") -> list[str]:
    with loaded.session_factory() as session:
        return list(
            session.scalars(
                select(LookupAttempt.reason).where(LookupAttempt.sender_id == sender).order_by(LookupAttempt.id)
            )
        )


STATUS_CASES = {
    "received": (row(status="received", current_step="Tiếp nhận hồ sơ"), ["chưa cần làm gì", "Ngày hẹn trả: 01/12/2026"]),
    "processing": (row(), ["đang được giải quyết", "chưa cần làm gì", "Ngày hẹn trả: 01/12/2026"]),
    "needs_documents": (
        row(status="needs_documents", missing_documents="Tờ khai thay đổi thông tin cư trú|Giấy tờ chứng minh chỗ ở",
            note="Vui lòng bổ sung trước ngày 05/12/2026."),
        ["- Tờ khai thay đổi thông tin cư trú", "- Giấy tờ chứng minh chỗ ở", "trước ngày 05/12/2026",
         "nơi đã nộp hồ sơ", "Cổng Dịch vụ công", "https://dichvucong.gov.vn"],
    ),
    "overdue": (
        row(status="overdue", due_at="24/11/2026 16:00", new_due_at="04/12/2026 16:00"),
        ["xin lỗi", "Ngày hẹn trả ban đầu: 24/11/2026", "Ngày hẹn trả mới: 04/12/2026", "1022"],
    ),
    "ready": (
        row(status="ready", fees_due="50000", pickup_place="Quầy số 3, Trung tâm Phục vụ hành chính công phường Nam Gia Nghĩa"),
        ["Quầy số 3, Trung tâm Phục vụ hành chính công phường Nam Gia Nghĩa", "giờ hành chính",
         "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "Căn cước", "50.000 đồng"],
    ),
    "returned": (row(status="returned", completed_at="25/11/2026 09:00"), ["đã được trả ngày 25/11/2026"]),
    "rejected": (
        row(status="rejected", completed_at="25/11/2026 09:00", note="Chỗ ở không thuộc địa bàn phường."),
        ["Lý do: Chỗ ở không thuộc địa bàn phường.", "1022", "khiếu nại", "phản ánh, kiến nghị"],
    ),
}


@pytest.mark.parametrize("status", list(STATUS_CASES))
def test_verified_lookup_tells_the_next_step_for_every_status(
    status: str, load: Callable[..., Loaded], db_session
) -> None:
    add_procedures(db_session, {"1.004194": "Đăng ký thường trú"})
    source_row, expected = STATUS_CASES[status]
    loaded = load([source_row])
    result = loaded.service.verify("alice", "telegram", " 000.21.10.h51 - 261120 - 0007 ", "5678")
    assert result.outcome is LookupOutcome.VERIFIED and result.code == CODE
    assert result.view is not None and result.view.status == status
    text = format_status(result.view, loaded.settings)
    for fragment in [CODE, "Đăng ký thường trú", "Ngày tiếp nhận: 20/11/2026", "Công an phường Nam Gia Nghĩa", *expected]:
        assert fragment in text, (fragment, text)
    if status not in ("returned", "rejected"):
        assert "Thẩm định hồ sơ" in text or "Tiếp nhận hồ sơ" in text  # the current step
    assert "0900005678" not in text and "Nguyễn Văn Thử" not in text
    assert _reasons(loaded) == ["ok"]


def test_code_help_names_the_receipt_and_the_format() -> None:
    text = format_code_help()
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in text and "SMS" in text and "000.00.04.H51" in text


def test_unknown_code_and_wrong_digits_look_exactly_alike(load: Callable[..., Loaded]) -> None:
    loaded = load([row()])
    for _ in range(3):
        unknown = loaded.service.verify("alice", "telegram", OTHER, "5678")
        wrong = loaded.service.verify("bob", "telegram", CODE, "1111")
        assert unknown.outcome is wrong.outcome is LookupOutcome.MISMATCH
        assert {**asdict(unknown), "code": ""} == {**asdict(wrong), "code": ""}
    assert (wrong.attempts_left, wrong.minutes_left) == (0, 15)
    unknown = loaded.service.verify("alice", "telegram", OTHER, "5678")
    wrong = loaded.service.verify("bob", "telegram", CODE, "5678")  # even the right digits now
    assert unknown.outcome is wrong.outcome is LookupOutcome.LOCKED
    assert {**asdict(unknown), "code": ""} == {**asdict(wrong), "code": ""}
    assert _reasons(loaded, "alice") == _reasons(loaded, "bob") == ["mismatch"] * 3 + ["locked"]


def test_three_failures_lock_the_code_for_fifteen_minutes(load: Callable[..., Loaded], clock: Clock) -> None:
    loaded = load([row()])
    service = loaded.service
    assert [service.verify("alice", "telegram", CODE, "0000").attempts_left for _ in range(2)] == [2, 1]
    clock.advance(minutes=5)
    third = service.verify("alice", "telegram", CODE, "0000")
    assert (third.outcome, third.attempts_left, third.minutes_left) == (LookupOutcome.MISMATCH, 0, 15)
    state = service.check_lock("alice", CODE.lower())
    assert state.locked and state.minutes_left == 15 and state.blocked
    clock.advance(minutes=10)
    locked = service.verify("alice", "telegram", CODE, "5678")
    assert (locked.outcome, locked.minutes_left, locked.view) == (LookupOutcome.LOCKED, 5, None)
    clock.advance(minutes=4, seconds=59)
    assert service.check_lock("alice", CODE).minutes_left == 1
    clock.advance(seconds=1)  # 15 minutes after the last failure
    state = service.check_lock("alice", CODE)
    assert not state.locked and state.attempts_left == 3
    assert service.verify("alice", "telegram", CODE, "5678").outcome is LookupOutcome.VERIFIED


PER_SENDER_ONLY = {"lookup_code_delay_after": 50, "lookup_code_lock_after": 100}  # see test_code_budget.py


def test_failures_spread_out_or_reset_by_success_do_not_lock(load: Callable[..., Loaded], clock: Clock) -> None:
    loaded = load([row()], **PER_SENDER_ONLY)
    service = loaded.service
    for _ in range(3):
        service.verify("alice", "telegram", CODE, "0000")
        clock.advance(minutes=8)  # never three within 15 minutes
    assert not service.check_lock("alice", CODE).locked
    service.verify("bob", "telegram", CODE, "0000")
    service.verify("bob", "telegram", CODE, "0000")
    assert service.verify("bob", "telegram", CODE, "5678").outcome is LookupOutcome.VERIFIED
    assert service.verify("bob", "telegram", CODE, "0000").attempts_left == 2


def test_malformed_digits_and_codes_are_not_counted(load: Callable[..., Loaded]) -> None:
    loaded = load([row()])
    service = loaded.service
    for digits in ("", "12", "abcd", "56789"):
        result = service.verify("alice", "telegram", CODE, digits)
        assert result.outcome is LookupOutcome.MISMATCH and result.attempts_left == 3
    assert service.verify("alice", "telegram", "không có mã", "5678").outcome is LookupOutcome.MISMATCH
    assert service.check_lock("alice", CODE).attempts_left == 3
    assert set(_reasons(loaded)) == {"bad_format"}


def test_two_senders_on_the_same_code_do_not_interfere(load: Callable[..., Loaded]) -> None:
    loaded = load([row()], **PER_SENDER_ONLY)
    service = loaded.service
    for _ in range(3):
        service.verify("mallory", "webchat", CODE, "0000")
    assert service.check_lock("mallory", CODE).locked
    assert not service.check_lock("alice", CODE).locked
    assert service.verify("alice", "telegram", CODE, "5678").outcome is LookupOutcome.VERIFIED
    service.verify("alice", "telegram", CODE, "0000")
    assert service.check_lock("alice", CODE).attempts_left == 2
    assert service.verify("mallory", "webchat", CODE, "5678").outcome is LookupOutcome.LOCKED


def test_many_codes_from_one_sender_are_rate_limited(load: Callable[..., Loaded], clock: Clock) -> None:
    loaded = load([row()])
    service = loaded.service
    guesses = [f"000.21.10.H51-261120-{n:04d}" for n in range(100, 106)]
    for code in guesses[:5]:
        assert service.verify("mallory", "webchat", code, "1234").outcome is LookupOutcome.MISMATCH
        clock.advance(minutes=1)
    sixth = service.verify("mallory", "webchat", guesses[5], "1234")
    assert sixth.outcome is LookupOutcome.RATE_LIMITED and sixth.minutes_left == 5
    assert service.check_lock("mallory", CODE).rate_limited
    # a code already tried in the window can still be retried; other senders are unaffected
    assert service.verify("mallory", "webchat", guesses[0], "1234").outcome is LookupOutcome.MISMATCH
    assert service.verify("alice", "telegram", CODE, "5678").outcome is LookupOutcome.VERIFIED
    clock.advance(minutes=5)  # the first guess (retried at minute 5) keeps it limited a while longer...
    assert service.check_lock("mallory", guesses[5]).rate_limited
    clock.advance(minutes=1)  # ...the second guess, made at minute 1, has left the window
    assert service.verify("mallory", "webchat", guesses[5], "1234").outcome is LookupOutcome.MISMATCH
    assert _reasons(loaded, "mallory").count("rate_limited") == 1


class _DownSource:
    def get(self, code: str) -> ApplicationRecord | None:
        raise SourceUnavailable("down")


def test_unavailable_source_is_said_and_not_counted(load: Callable[..., Loaded], clock: Clock) -> None:
    loaded = load([row()])
    service = StatusLookupService(loaded.session_factory, _DownSource(), loaded.settings, clock=clock)
    for _ in range(4):
        result = service.verify("alice", "telegram", CODE, "5678")
        assert result.outcome is LookupOutcome.UNAVAILABLE and result.view is None
    assert not service.check_lock("alice", CODE).locked
    assert _reasons(loaded) == ["unavailable"] * 4


def _subscriptions(loaded: Loaded) -> list[tuple[str, str, bool]]:
    with loaded.session_factory() as session:
        return [
            (s.channel, s.recipient_id, s.active)
            for s in session.scalars(select(StatusSubscription).order_by(StatusSubscription.id))
        ]


def test_subscribe_only_after_a_recent_verification(load: Callable[..., Loaded], clock: Clock) -> None:
    loaded = load([row()])
    service = loaded.service
    assert not service.subscribe("alice", "telegram", CODE)
    service.verify("alice", "telegram", CODE, "0000")
    assert not service.subscribe("alice", "telegram", CODE)  # a failed attempt is not a verification
    assert service.verify("alice", "telegram", CODE, "5678").outcome is LookupOutcome.VERIFIED
    assert not service.subscribe("alice", "webchat", CODE)  # verified on another channel
    assert not service.subscribe("bob", "telegram", CODE)  # someone else
    clock.advance(minutes=29)
    assert service.subscribe("alice", "telegram", CODE.lower())
    assert service.subscribe("alice", "telegram", CODE)  # idempotent
    assert _subscriptions(loaded) == [("telegram", "alice", True)]
    assert service.unsubscribe("alice", "telegram", CODE)
    assert not service.unsubscribe("alice", "telegram", CODE)
    assert _subscriptions(loaded) == [("telegram", "alice", False)]
    clock.advance(minutes=2)  # 31 minutes after verifying
    assert not service.subscribe("alice", "telegram", CODE)
    service.verify("alice", "telegram", CODE, "5678")
    assert service.subscribe("alice", "telegram", CODE)  # reactivated, still one row
    assert _subscriptions(loaded) == [("telegram", "alice", True)]
