"""Exceptions the console turns into friendly Vietnamese pages (never a stack trace)."""

from __future__ import annotations


class ConsoleError(Exception):
    """Shown to the official as a page with ``status_code`` and a Vietnamese message."""

    status_code = 400
    title = "Không thực hiện được"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LoginRequired(Exception):
    """No valid session: send the browser to the login page, then back to ``next_url``."""

    def __init__(self, next_url: str = "/console") -> None:
        super().__init__(next_url)
        self.next_url = next_url


class Forbidden(ConsoleError):
    status_code = 403
    title = "Không có quyền"


class CsrfRejected(ConsoleError):
    status_code = 403
    title = "Biểu mẫu không hợp lệ"

    def __init__(self) -> None:
        super().__init__(
            "Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ (CSRF), nên thao tác đã bị từ chối. "
            "Hãy tải lại trang (đăng nhập lại nếu cần) rồi thử lại."
        )


class NotFound(ConsoleError):
    status_code = 404
    title = "Không tìm thấy"


class UploadTooLarge(ConsoleError):
    status_code = 413
    title = "Tệp quá lớn"


class VersionConflict(ConsoleError):
    """The item was saved by someone else after the official opened the form."""

    status_code = 409
    title = "Nội dung đã thay đổi"

    def __init__(self, changed_at: str, changed_by: str) -> None:
        who = f" (bởi {changed_by})" if changed_by else ""
        super().__init__(
            f"Nội dung đã được người khác sửa lúc {changed_at}{who} — hãy tải lại trang để xem bản mới "
            "rồi sửa lại. Thay đổi của bạn chưa được lưu."
        )
