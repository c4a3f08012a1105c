"""Fixed Vietnamese wordings used by the assistant service (not procedure content)."""

from __future__ import annotations

from dichvucong.addresses.lookup import ResolvedAddress
from dichvucong.assistant.input_check import InputProblem
from dichvucong.config import Settings


def not_found(settings: Settings) -> str:
    return (
        "Xin lỗi, tôi chưa tìm thấy thủ tục phù hợp với câu hỏi của bạn. "
        "Bạn thử nói rõ tên thủ tục (ví dụ: “đăng ký khai sinh”, “cấp lại căn cước”), "
        f"hoặc gọi tổng đài {settings.hotline}, hay tra cứu trên Cổng Dịch vụ công: {settings.portal_url}"
    )


def which_procedure() -> str:
    return "Bạn muốn hỏi về thủ tục nào ạ? Ví dụ: “đăng ký kết hôn”, “làm lại căn cước”, “cấp sổ đỏ lần đầu”."


def did_you_mean() -> str:
    return "Ý bạn là thủ tục nào dưới đây?"


def unclear(settings: Settings) -> str:
    return (
        "Xin lỗi, tôi chưa hiểu rõ câu hỏi. Bạn cho tôi biết tên thủ tục và điều bạn cần biết "
        "(giấy tờ, lệ phí, thời gian hay nơi nộp) nhé. "
        f"Nếu cần gặp cán bộ, bạn gọi tổng đài {settings.hotline}."
    )


def input_problem(problem: InputProblem, settings: Settings) -> str:
    if problem is InputProblem.FOREIGN:
        return (
            "Xin lỗi, hiện tôi chỉ trả lời bằng tiếng Việt. Sorry, I can only answer in Vietnamese. "
            f"Bạn có thể gọi tổng đài {settings.hotline} để được hỗ trợ."
        )
    return "Bạn vui lòng nhập câu hỏi bằng chữ, ví dụ: “đăng ký khai sinh cần giấy tờ gì?”"


def faq_related(procedure_names: list[str]) -> str:
    return "Thủ tục liên quan: " + "; ".join(procedure_names)


def address_unknown(settings: Settings) -> str:
    return (
        "Xin lỗi, tôi chưa xác định được xã/phường của bạn. Bạn ghi rõ theo dạng “xã …, huyện …, tỉnh …” "
        f"(tên cũ cũng được), hoặc gọi tổng đài {settings.hotline}."
    )


def commune_service_point(address: ResolvedAddress) -> str:
    lines = []
    if address.converted:
        lines.append(f"Địa chỉ cũ “{address.original}” nay thuộc {address.commune}, {address.province}.")
    point = address.service_point
    if point is None:
        lines.append(
            f"Bạn nộp hồ sơ tại Trung tâm Phục vụ hành chính công (Bộ phận Một cửa) của {address.commune}."
        )
    else:
        lines.append(f"Nơi tiếp nhận hồ sơ: {point.service_point} — {point.address}.")
        if point.opening_hours:
            lines.append(f"Giờ làm việc: {point.opening_hours}.")
        if point.phone:
            lines.append(f"Điện thoại: {point.phone}.")
    lines.append("Thủ tục cấp tỉnh (hộ chiếu, lý lịch tư pháp, giấy phép lái xe…) nộp tại cơ quan cấp tỉnh; bạn hỏi tên thủ tục để biết chính xác.")
    return "\n".join(lines)


def suggestions() -> str:
    return "Có thể bạn muốn hỏi một trong các câu dưới đây — chọn để xem câu trả lời:"


def related_questions() -> str:
    return "Câu hỏi liên quan — chọn bên dưới nếu đúng trường hợp của bạn:"


def no_details(procedure_name: str, settings: Settings) -> str:
    return (
        f"Thủ tục “{procedure_name}” có trong danh mục quốc gia nhưng tỉnh chưa cập nhật thông tin chi tiết "
        f"(giấy tờ, lệ phí, nơi nộp). Bạn xem trên Cổng Dịch vụ công: {settings.portal_url}, "
        f"hoặc gọi tổng đài {settings.hotline} để được hướng dẫn."
    )


def out_of_scope(settings: Settings) -> str:
    return (
        "Xin lỗi, tôi chỉ hỗ trợ thông tin về thủ tục hành chính và dịch vụ công. Bạn muốn hỏi thủ tục nào ạ? "
        f"Việc khác bạn gọi tổng đài {settings.hotline} hoặc xem Cổng Dịch vụ công: {settings.portal_url}"
    )
