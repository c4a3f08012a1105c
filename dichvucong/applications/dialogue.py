"""The status lookup conversation: read what the citizen typed, verify, and word the replies.

The actions stay thin: they pass the citizen's text and slots here and send back the
:class:`~dichvucong.assistant.service.Reply` this module words. Nothing about an
application is said before :meth:`StatusLookupService.verify` succeeds, and an unknown code
is answered exactly like wrong digits.
"""

from __future__ import annotations

from dataclasses import dataclass

from dichvucong.applications.codes import (
    extract_application_code,
    extract_phone_last4,
    looks_like_code_attempt,
)
from dichvucong.applications.formatting import (
    format_code_help,
    format_status,
    office_only_text,
    throttled_text,
)
from dichvucong.applications.lookup import LookupOutcome, StatusLookupService
from dichvucong.assistant.service import Button, Reply
from dichvucong.config import Settings
from dichvucong.notifications.registry import build_senders

FINAL_STATUSES = {"returned", "rejected"}


@dataclass(frozen=True)
class Prefill:
    """Slots a message already fills when the lookup starts."""

    code: str | None
    phone_last4: str | None


@dataclass(frozen=True)
class CodeReading:
    code: str | None
    reply: Reply | None = None


@dataclass(frozen=True)
class DigitsReading:
    phone_last4: str | None
    code: str | None = None
    reply: Reply | None = None


@dataclass(frozen=True)
class CheckOutcome:
    reply: Reply
    verified_code: str | None = None
    keep_code: bool = False  # a mismatch keeps the code so only the digits are asked again


class StatusDialogue:
    """Words and decisions of the lookup conversation on top of the lookup service."""

    def __init__(self, lookup: StatusLookupService, settings: Settings) -> None:
        self._lookup = lookup
        self._settings = settings
        self._notifiable_channels = frozenset(build_senders(settings))

    def prefill(self, text: str, known_code: str | None) -> Prefill:
        """A code in the message starts the lookup with it; digits count once a code is known."""
        code = extract_application_code(text) or known_code
        digits = extract_phone_last4(text) if code and not extract_application_code(text) else None
        return Prefill(code=code, phone_last4=digits)

    def read_code(self, text: str) -> CodeReading:
        code = extract_application_code(text)
        if code:
            return CodeReading(code)
        lead = "Mã hồ sơ chưa đúng định dạng." if looks_like_code_attempt(text) else "Tôi chưa thấy mã hồ sơ trong tin nhắn."
        return CodeReading(None, Reply(f"{lead}\n{format_code_help()}", kind="lookup_help"))

    def read_digits(self, text: str) -> DigitsReading:
        code = extract_application_code(text)
        if code:
            return DigitsReading(None, code=code)
        digits = extract_phone_last4(text)
        if digits:
            return DigitsReading(digits)
        return DigitsReading(None, reply=Reply("Bạn chỉ cần nhập đúng 4 chữ số cuối của số điện thoại, ví dụ: 5678.", kind="lookup_help"))

    def check(self, sender_id: str, channel: str, code: str, phone_last4: str) -> CheckOutcome:
        """Verify and answer; every attempt is audited by the lookup service."""
        result = self._lookup.verify(sender_id, channel, code, phone_last4)
        hotline = self._settings.hotline
        if result.outcome is LookupOutcome.VERIFIED and result.view is not None:
            buttons = []
            if result.view.status not in FINAL_STATUSES and channel in self._notifiable_channels:
                buttons.append(Button("Báo cho tôi khi có kết quả", "/subscribe_status"))
            return CheckOutcome(Reply(format_status(result.view, self._settings), kind="status", buttons=buttons), verified_code=code)
        if result.outcome is LookupOutcome.THROTTLED:
            return CheckOutcome(Reply(throttled_text(result.seconds_left or 0, hotline), kind="lookup_throttled"))
        if result.outcome is LookupOutcome.CODE_LOCKED:
            return CheckOutcome(Reply(office_only_text(self._settings), kind="lookup_code_locked"))
        locked_now = result.outcome is LookupOutcome.MISMATCH and result.attempts_left == 0
        if result.outcome is LookupOutcome.MISMATCH and not locked_now:
            left = result.attempts_left
            tail = f" Bạn còn {left} lần thử." if left else ""
            text = (
                "Mã hồ sơ hoặc 4 số cuối điện thoại không khớp với hồ sơ nào." + tail +
                " Bạn nhập lại 4 số cuối, hoặc gửi lại mã hồ sơ nếu gõ nhầm mã."
            )
            return CheckOutcome(Reply(text, kind="lookup_mismatch"), keep_code=bool(left))
        if result.outcome is LookupOutcome.LOCKED or locked_now:
            minutes = result.minutes_left or self._settings.lookup_lock_minutes
            text = (
                f"Bạn đã nhập sai nhiều lần nên việc tra cứu mã hồ sơ này tạm khóa trong {minutes} phút để bảo vệ thông tin. "
                f"Bạn thử lại sau, hoặc gọi tổng đài {hotline} để được hỗ trợ."
            )
            return CheckOutcome(Reply(text, kind="lookup_locked"))
        if result.outcome is LookupOutcome.RATE_LIMITED:
            text = (
                "Bạn đã tra cứu quá nhiều mã hồ sơ trong thời gian ngắn. Vui lòng thử lại sau ít phút "
                f"hoặc gọi tổng đài {hotline}."
            )
            return CheckOutcome(Reply(text, kind="lookup_rate_limited"))
        text = (
            "Hệ thống tra cứu hồ sơ đang không phản hồi. Bạn vui lòng thử lại sau ít phút, "
            f"hoặc gọi tổng đài {hotline}, hay tra cứu trên {self._settings.portal_url}."
        )
        return CheckOutcome(Reply(text, kind="lookup_unavailable"), keep_code=True)

    def cancelled(self, was_active: bool) -> Reply:
        if was_active:
            return Reply("Vâng, tôi đã dừng tra cứu. Khi cần, bạn nhắn “tra cứu hồ sơ” để bắt đầu lại.", kind="lookup_cancelled")
        return Reply("Vâng ạ. Bạn cần hỏi gì thêm về thủ tục cứ nhắn cho tôi.", kind="lookup_cancelled")

    def subscribe(self, sender_id: str, channel: str, verified_code: str | None) -> Reply:
        if channel not in self._notifiable_channels:
            return Reply(
                "Kênh trò chuyện này chưa gửi được thông báo. Bạn có thể tra cứu lại bất cứ lúc nào, "
                "hoặc trò chuyện với tôi qua Telegram để nhận thông báo khi hồ sơ có kết quả.",
                kind="subscribe_unavailable",
            )
        if verified_code and self._lookup.subscribe(sender_id, channel, verified_code):
            return Reply(
                "Đã đăng ký. Tôi sẽ nhắn cho bạn ngay trên kênh này khi tình trạng hồ sơ thay đổi.", kind="subscribed"
            )
        return Reply(
            "Để nhận thông báo, bạn cần tra cứu và xác minh hồ sơ trước: nhắn “tra cứu hồ sơ” rồi làm theo hướng dẫn.",
            kind="subscribe_needs_lookup",
        )
