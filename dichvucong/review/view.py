"""Formatting helpers the review templates call (``rv.when(ts)``, ``rv.pct(x)``, ...)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, urlencode

from dichvucong.console.timeutil import VIETNAM_TZ

PREFIX = "/console/review"
KIND_LABELS = {
    "answer": "Trả lời theo thủ tục",
    "faq": "Trả lời bằng câu hỏi thường gặp",
    "clarify": "Hỏi lại để làm rõ",
    "not_found": "Không tìm thấy câu trả lời",
    "ask_procedure": "Hỏi thủ tục nào",
    "bad_input": "Câu hỏi không đọc được",
    "status": "Tình trạng hồ sơ",
}
CHANNEL_LABELS = {
    "web": "Web (widget)", "rest": "REST (nội bộ)", "socketio": "Web (socket.io)", "telegram": "Telegram", "zalo": "Zalo",
}


class Formatter:
    """Bound into every review page as ``rv``."""

    kind_labels = KIND_LABELS
    channel_labels = CHANNEL_LABELS

    @staticmethod
    def when(timestamp: float | None, seconds: bool = False) -> str:
        if timestamp is None:
            return ""
        pattern = "%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M"
        return datetime.fromtimestamp(timestamp, VIETNAM_TZ).strftime(pattern)

    @staticmethod
    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value * 100:.1f}".replace(".", ",") + " %"

    @staticmethod
    def conf(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}".replace(".", ",")

    @staticmethod
    def secs(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}".replace(".", ",") + " giây"

    @staticmethod
    def channel(value: str) -> str:
        return CHANNEL_LABELS.get(value, value or "—")

    @staticmethod
    def conversation_url(sender_id: str) -> str:
        return f"{PREFIX}/conversations/{quote(sender_id, safe='')}"

    @staticmethod
    def query(params: dict[str, str], **extra: str) -> str:
        values = {**params, **{k: v for k, v in extra.items() if v}}
        return urlencode(values)


rv = Formatter()
