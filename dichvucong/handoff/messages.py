"""What citizens are told about the handoff, in every channel (Vietnamese)."""

from __future__ import annotations

from datetime import datetime

from dichvucong.handoff.hours import Agency, describe_moment

RESUME_PAYLOAD = "/resume_bot"
RESUME_BUTTON = {"title": "Quay lại trợ lý ảo", "payload": RESUME_PAYLOAD}
NO_CONTACT_BUTTON = {"title": "Không để lại số, trả lời tại đây", "payload": "/deny"}


def _queue(ahead: int, minutes: int) -> str:
    people = "Bạn là người tiếp theo" if ahead == 0 else f"Có {ahead} người đang chờ trước bạn"
    wait = f"khoảng {minutes} phút" if minutes <= 30 else "hơn 30 phút"
    return f"{people}; thời gian chờ dự kiến {wait}."


def queued(agency: Agency, ahead: int, minutes: int, hotline: str) -> str:
    return (
        f"Tôi đã chuyển cuộc trò chuyện cho cán bộ của {agency.name}. Cán bộ sẽ trả lời bạn ngay tại đây. "
        f"{_queue(ahead, minutes)}\n"
        "Trong lúc chờ, bạn có thể nhắn thêm chi tiết để cán bộ nắm trước. "
        f"Muốn quay lại trợ lý ảo, bạn nhắn “quay lại trợ lý ảo”. Nếu cần gấp, bạn gọi tổng đài {hotline}."
    )


def still_waiting(ahead: int, minutes: int) -> str:
    return f"Bạn vẫn đang trong hàng chờ gặp cán bộ. {_queue(ahead, minutes)} Cán bộ sẽ trả lời ngay tại đây."


def with_agent() -> str:
    return "Cán bộ đang trò chuyện với bạn, bạn cứ nhắn tiếp nhé."


def closed_hours(agency: Agency, next_opening: datetime | None, now: datetime | None = None) -> str:
    when = f" Cán bộ sẽ trả lời trong buổi làm việc tiếp theo, từ {describe_moment(next_opening, now)}." if next_opening else ""
    return (
        f"Hiện đã ngoài giờ làm việc của {agency.name} (giờ làm việc: {agency.schedule.describe()}, trừ ngày lễ).{when}\n"
        "Bạn có thể để lại câu hỏi ngay bây giờ: bạn nhắn câu hỏi của mình nhé. "
        "Muốn thôi, bạn nhắn “quay lại trợ lý ảo”."
    )


def ask_contact() -> str:
    return (
        "Tôi đã ghi lại câu hỏi. Bạn để lại số điện thoại hoặc email để cán bộ liên hệ nếu cần "
        "(hoặc bấm “Không để lại số” để nhận câu trả lời ngay trong cuộc trò chuyện này)."
    )


def contact_again() -> str:
    return "Tôi chưa thấy số điện thoại hoặc email trong tin nhắn. Bạn gõ lại giúp tôi, hoặc bấm “Không để lại số”."


def question_left(agency: Agency, next_opening: datetime | None, contact: str | None, now: datetime | None = None) -> str:
    when = f"trong buổi làm việc tiếp theo, từ {describe_moment(next_opening, now)}" if next_opening else "sớm nhất có thể"
    how = f"ngay tại đây hoặc qua {contact}" if contact else "ngay trong cuộc trò chuyện này"
    return (
        f"Cảm ơn bạn, câu hỏi đã được gửi tới {agency.name}. Cán bộ sẽ trả lời {how}, {when}. "
        "Trong lúc chờ, tôi vẫn trả lời các câu hỏi khác về thủ tục."
    )


def left_pending(agency: Agency, next_opening: datetime | None, now: datetime | None = None) -> str:
    when = f"từ {describe_moment(next_opening, now)}" if next_opening else "sớm nhất có thể"
    return f"Câu hỏi bạn để lại đang chờ cán bộ của {agency.name} trả lời ({when}). Cán bộ sẽ trả lời ngay tại đây."


def office_closed_while_waiting(agency: Agency, next_opening: datetime | None, now: datetime | None = None) -> str:
    when = f"từ {describe_moment(next_opening, now)}" if next_opening else "sớm nhất có thể"
    return (
        f"Đã hết giờ làm việc của {agency.name}. Yêu cầu của bạn được giữ lại như một câu hỏi để lại; "
        f"cán bộ sẽ trả lời ngay tại đây {when}. Trong lúc chờ, tôi tiếp tục hỗ trợ bạn."
    )


def queue_full(hotline: str) -> str:
    return (
        "Xin lỗi, hiện có rất nhiều người đang chờ gặp cán bộ. Bạn vui lòng thử lại sau ít phút, "
        f"hoặc gọi tổng đài {hotline} để được hỗ trợ."
    )


def cancelled() -> str:
    return "Vâng, tôi là trợ lý ảo và đã quay lại hỗ trợ bạn. Bạn cần hỏi gì về thủ tục ạ?"


def not_in_handoff() -> str:
    return "Bạn đang trò chuyện với trợ lý ảo. Bạn cần hỏi gì về thủ tục ạ?"


def returned() -> str:
    return "Cán bộ đã chuyển bạn lại cho trợ lý ảo. Bạn cần hỏi thêm gì về thủ tục cứ nhắn tôi nhé."


def closed() -> str:
    return "Cán bộ đã kết thúc cuộc trò chuyện. Cảm ơn bạn! Khi cần, bạn cứ nhắn câu hỏi cho trợ lý ảo."


def ended_meanwhile() -> str:
    return (
        "Cuộc trò chuyện với cán bộ đã kết thúc, trợ lý ảo tiếp tục hỗ trợ bạn. "
        "Bạn vui lòng gửi lại câu hỏi nhé."
    )


def agent_prefix(name: str) -> str:
    """Telegram and Zalo show no sender name: the citizen must see a person is writing."""
    return f"👤 {name}:\n"
