"""Word an application's status for a citizen reading on a phone: short lines, what to do next."""

from __future__ import annotations

from collections.abc import Callable

from dichvucong.applications.budget import wait_text
from dichvucong.applications.dates import format_date
from dichvucong.applications.masking import mask_code
from dichvucong.applications.records import StatusView
from dichvucong.applications.statuses import STATUS_LABELS
from dichvucong.config import Settings

RECEIPT = "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
PORTAL_NAME = "Cổng Dịch vụ công"
OPENING_HOURS_HINT = (
    "Thời gian nhận: giờ hành chính từ thứ Hai đến thứ Sáu (một số nơi làm việc cả sáng thứ Bảy)."
)


def format_money(amount: int) -> str:
    """``150000`` → ``"150.000 đồng"``."""
    return f"{amount:,}".replace(",", ".") + " đồng"


def _header(view: StatusView) -> list[str]:
    procedure = view.procedure_name or (f"mã thủ tục {view.procedure_code}" if view.procedure_code else "")
    lines = [f"Hồ sơ {view.code}"]
    if procedure:
        lines.append(f"Thủ tục: {procedure}")
    lines.append(f"Tình trạng: {view.status_label}")
    lines.append(f"Ngày tiếp nhận: {format_date(view.received_at)}")
    if view.status == "overdue" and view.new_due_at:
        lines.append(f"Ngày hẹn trả ban đầu: {format_date(view.due_at)}")
        lines.append(f"Ngày hẹn trả mới: {format_date(view.new_due_at)}")
    elif view.status not in ("returned", "rejected"):
        lines.append(f"Ngày hẹn trả: {format_date(view.new_due_at or view.due_at)}")
    if view.current_step and view.status not in ("returned", "rejected"):
        lines.append(f"Bước hiện tại: {view.current_step}")
    if view.agency:
        lines.append(f"Cơ quan giải quyết: {view.agency}")
    return lines


def _received(view: StatusView, settings: Settings) -> list[str]:
    return [
        "Hồ sơ đã được tiếp nhận và đang chờ chuyển đến bộ phận giải quyết.",
        "Bạn chưa cần làm gì thêm. Nếu cần bổ sung giấy tờ, cơ quan sẽ liên hệ với bạn.",
    ]


def _processing(view: StatusView, settings: Settings) -> list[str]:
    return [
        "Hồ sơ đang được giải quyết. Bạn chưa cần làm gì thêm, vui lòng chờ đến ngày hẹn trả.",
        "Nếu cần bổ sung giấy tờ, cơ quan sẽ thông báo cho bạn.",
    ]


def _needs_documents(view: StatusView, settings: Settings) -> list[str]:
    if view.missing_documents:
        lines = ["Hồ sơ cần bổ sung các giấy tờ sau:"] + [f"- {doc}" for doc in view.missing_documents]
    else:
        lines = ["Hồ sơ cần bổ sung giấy tờ. Vui lòng liên hệ nơi đã nộp hồ sơ để biết cụ thể."]
    if view.note:
        lines.append(f"Lưu ý của cơ quan giải quyết: {view.note}")
    place = f" ({view.agency})" if view.agency else ""
    lines += [
        "Cách nộp bổ sung:",
        f"- Trực tiếp tại nơi đã nộp hồ sơ{place}, mang theo {RECEIPT};",
        f"- Hoặc trực tuyến trên {PORTAL_NAME} ({settings.portal_url}), trong mục quản lý hồ sơ của bạn.",
        "Ngày hẹn trả có thể được tính lại sau khi hồ sơ được bổ sung đầy đủ.",
    ]
    return lines


def _overdue(view: StatusView, settings: Settings) -> list[str]:
    lines = ["Thành thật xin lỗi bạn: hồ sơ chưa được giải quyết đúng ngày hẹn."]
    if view.new_due_at:
        lines.append(f"Cơ quan giải quyết đã hẹn lại ngày trả kết quả là {format_date(view.new_due_at)}.")
    else:
        lines.append("Cơ quan giải quyết sẽ gửi bạn Phiếu xin lỗi và hẹn lại ngày trả kết quả.")
    if view.note:
        lines.append(f"Ghi chú: {view.note}")
    lines.append(f"Bạn chưa cần làm gì thêm. Cần hỗ trợ, vui lòng gọi đường dây nóng {settings.hotline}.")
    return lines


def _ready(view: StatusView, settings: Settings) -> list[str]:
    place = view.pickup_place or view.agency or "nơi bạn đã nộp hồ sơ"
    lines = [
        "Đã có kết quả. Bạn có thể đến nhận tại:",
        place,
        OPENING_HOURS_HINT,
        "Khi đến nhận, vui lòng mang theo:",
        f"- {RECEIPT};",
        "- Thẻ Căn cước (hoặc giấy tờ tùy thân còn hạn).",
    ]
    if view.fees_due:
        lines.append(f"Phí, lệ phí còn phải nộp khi nhận: {format_money(view.fees_due)}.")
    if view.note:
        lines.append(f"Ghi chú: {view.note}")
    lines.append("Nếu nhờ người khác nhận thay, người đó cần có giấy ủy quyền theo quy định.")
    return lines


def _returned(view: StatusView, settings: Settings) -> list[str]:
    when = f" ngày {format_date(view.completed_at)}" if view.completed_at else ""
    contact = view.agency or "cơ quan giải quyết"
    return [
        f"Kết quả đã được trả{when}. Hồ sơ đã hoàn thành.",
        f"Nếu bạn chưa nhận được hoặc thấy kết quả có sai sót, vui lòng liên hệ {contact} "
        f"hoặc gọi đường dây nóng {settings.hotline}.",
    ]


def _rejected(view: StatusView, settings: Settings) -> list[str]:
    reason = view.note or "chưa được ghi trong hệ thống, vui lòng liên hệ cơ quan giải quyết"
    contact = view.agency or "cơ quan giải quyết"
    return [
        f"Hồ sơ không được giải quyết. Lý do: {reason}",
        f"Cần giải thích thêm, bạn có thể hỏi trực tiếp {contact}, gọi đường dây nóng {settings.hotline} "
        f"hoặc gửi phản ánh, kiến nghị trên {PORTAL_NAME} ({settings.portal_url}).",
        "Nếu không đồng ý với việc từ chối, bạn có quyền khiếu nại theo quy định của pháp luật.",
    ]


_NEXT_STEPS: dict[str, Callable[[StatusView, Settings], list[str]]] = {
    "received": _received,
    "processing": _processing,
    "needs_documents": _needs_documents,
    "overdue": _overdue,
    "ready": _ready,
    "returned": _returned,
    "rejected": _rejected,
}


def format_status(view: StatusView, settings: Settings) -> str:
    """The status of a verified application and what the citizen should do next."""
    next_steps = _NEXT_STEPS.get(view.status)
    body = next_steps(view, settings) if next_steps else [f"Vui lòng liên hệ đường dây nóng {settings.hotline}."]
    return "\n".join(_header(view)) + "\n\n" + "\n".join(body)


def format_code_help() -> str:
    """What an application code looks like and where the citizen finds it."""
    return (
        "Mã hồ sơ có dạng 000.00.04.H51-261120-0007, gồm:\n"
        "- 000.00.04.H51: mã cơ quan tiếp nhận;\n"
        "- 261120: ngày tiếp nhận, viết năm-tháng-ngày (ở đây là 20/11/2026);\n"
        "- 0007: số thứ tự của hồ sơ.\n"
        f"Mã được in trên {RECEIPT} bạn nhận khi nộp hồ sơ, hoặc trong tin nhắn SMS/email "
        "gửi về sau khi nộp trực tuyến. Bạn gõ chữ thường hay có dấu cách cũng được."
    )


_CHANGE_HINTS = {
    "received": "Hồ sơ đã được tiếp nhận, bạn chưa cần làm gì thêm.",
    "processing": "Hồ sơ đang được giải quyết, bạn chưa cần làm gì thêm.",
    "needs_documents": "Hồ sơ cần bổ sung giấy tờ. Vui lòng tra cứu để xem danh sách và cách nộp.",
    "overdue": "Thành thật xin lỗi bạn: hồ sơ chưa được giải quyết đúng hẹn.",
    "ready": f"Đã có kết quả, bạn có thể đến nhận; nhớ mang theo {RECEIPT} và thẻ Căn cước.",
    "returned": "Kết quả đã được trả. Cảm ơn bạn đã sử dụng dịch vụ.",
    "rejected": "Hồ sơ không được giải quyết. Vui lòng tra cứu để xem lý do và cách khiếu nại.",
}


def format_status_change(code: str, procedure_name: str, status: str, new_due_at_text: str = "") -> str:
    """The notification sent to subscribers; the code is masked (the message leaves our systems)."""
    label = STATUS_LABELS.get(status, status)
    subject = f"hồ sơ {procedure_name}" if procedure_name else "hồ sơ"
    lines = [
        f"Thông báo: {subject} (mã {mask_code(code)}) đã chuyển sang tình trạng “{label}”.",
        _CHANGE_HINTS.get(status, ""),
    ]
    if status == "overdue" and new_due_at_text:
        lines.append(f"Ngày hẹn trả mới: {new_due_at_text}.")
    lines.append("Nhắn “tra cứu hồ sơ” để xem chi tiết.")
    return "\n".join(line for line in lines if line)


def throttled_text(seconds_left: float, hotline: str) -> str:
    """The code's guessing budget asks for a pause: how long, and who else can help."""
    return (
        "Mã hồ sơ này vừa bị nhập sai nhiều lần nên việc tra cứu đang tạm dừng để bảo vệ thông tin của người nộp. "
        f"Vui lòng chờ {wait_text(seconds_left)} rồi thử lại. "
        f"Nếu hồ sơ là của bạn và bạn cần gấp, hãy gọi tổng đài {hotline}."
    )


def office_only_text(settings: Settings) -> str:
    """The code's budget is spent: only the one-stop office, after checking ID, can help."""
    return (
        "Để bảo vệ thông tin, mã hồ sơ này đã tạm ngừng tra cứu trực tuyến vì bị nhập sai quá nhiều lần. "
        f"Vui lòng liên hệ bộ phận một cửa {settings.lookup_office_place}, mang theo {RECEIPT} và thẻ Căn cước; "
        f"cán bộ sẽ kiểm tra và mở lại tra cứu cho bạn. Bạn cũng có thể gọi đường dây nóng {settings.hotline}."
    )
