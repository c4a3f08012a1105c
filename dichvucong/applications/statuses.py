"""The statuses an application goes through, their Vietnamese labels and how to read them."""

from __future__ import annotations

from enum import Enum

from dichvucong.text.normalize import fold


class ApplicationStatus(str, Enum):
    """Status keys stored in the database (values are the English keys)."""

    RECEIVED = "received"
    PROCESSING = "processing"
    NEEDS_DOCUMENTS = "needs_documents"
    OVERDUE = "overdue"
    READY = "ready"
    RETURNED = "returned"
    REJECTED = "rejected"


STATUS_LABELS: dict[str, str] = {
    "received": "Đã tiếp nhận",
    "processing": "Đang xử lý",
    "needs_documents": "Cần bổ sung hồ sơ",
    "overdue": "Quá hạn xử lý",
    "ready": "Đã có kết quả, chờ trả",
    "returned": "Đã trả kết quả",
    "rejected": "Bị từ chối giải quyết",
}

FINAL_STATUSES = frozenset({"returned", "rejected"})

# Labels one-stop systems and officials use, folded (no diacritics, lower case).
_ALIASES: dict[str, str] = {
    "da tiep nhan": "received",
    "tiep nhan": "received",
    "moi tiep nhan": "received",
    "dang xu ly": "processing",
    "dang giai quyet": "processing",
    "yeu cau bo sung": "needs_documents",
    "bo sung ho so": "needs_documents",
    "can bo sung": "needs_documents",
    "can bo sung ho so": "needs_documents",
    "cho bo sung": "needs_documents",
    "qua han": "overdue",
    "qua han xu ly": "overdue",
    "tre han": "overdue",
    "da co ket qua": "ready",
    "cho tra ket qua": "ready",
    "da co ket qua cho tra": "ready",
    "da tra ket qua": "returned",
    "da tra": "returned",
    "hoan thanh": "returned",
    "tu choi": "rejected",
    "bi tu choi": "rejected",
    "tu choi giai quyet": "rejected",
    "khong giai quyet": "rejected",
}


def parse_status(value: str) -> str:
    """The status key for an English key or a Vietnamese label, typed with or without accents.

    Raises ValueError naming the accepted labels when ``value`` is none of them.
    """
    raw = (value or "").strip()
    key = raw.lower().replace("-", "_").replace(" ", "_")
    if key in STATUS_LABELS:
        return key
    folded = fold(raw)
    if folded in _ALIASES:
        return _ALIASES[folded]
    raise ValueError(
        f"trạng thái “{raw}” không rõ; dùng một trong: {', '.join(STATUS_LABELS)} "
        "hoặc nhãn tiếng Việt như “đang xử lý”, “yêu cầu bổ sung”, “đã có kết quả”"
    )
