"""Short, exact answers about one procedure, readable on a phone.

Every answer names the procedure it is about. Long official texts are cut at a sentence
boundary and point to the portal page for the full version.
"""

from __future__ import annotations

import re

from dichvucong.addresses.lookup import ResolvedAddress
from dichvucong.assistant.aspects import Aspect
from dichvucong.catalog.parsing import format_amount
from dichvucong.db.models import FilingChannel, Procedure

MAX_ITEM_CHARS = 280
_STEP_PREFIX = re.compile(r"^\s*(bước|buoc)\s*\d+\s*[:.)-]\s*", re.IGNORECASE)
MAX_ITEMS = 10


def shorten(text: str, limit: int = MAX_ITEM_CHARS) -> str:
    """Cut ``text`` at a sentence or word boundary near ``limit`` characters."""
    text = re.sub(r"\s*\[\.\.\.\]\s*", " ", text or "").strip()
    text = re.sub(r"[ \t]+", " ", text)
    if len(text) <= limit:
        return text
    cut = text[:limit]
    boundary = max(cut.rfind(". "), cut.rfind("; "), cut.rfind("\n"))
    if boundary > limit // 2:
        return cut[: boundary + 1].rstrip()
    return cut[: cut.rfind(" ")].rstrip(" ,;:") + "…"


def sentence(text: str, limit: int = 240) -> str:
    """A shortened text ending in exactly one full stop."""
    return shorten(text, limit).rstrip(" ;,.:") + "."


def _method_label(method: str) -> str:
    return method.strip().lower() or "khác"


def fee_summary(channel: FilingChannel) -> str:
    """``"70.000 đồng"``, ``"miễn lệ phí"``, ``"2.000 đồng/trang"`` or the original text."""
    if channel.fee_amount == 0:
        return "miễn lệ phí"
    if channel.fee_amount is not None:
        unit = f"/{channel.fee_unit}" if channel.fee_unit else ""
        return f"{format_amount(channel.fee_amount)}{unit}"
    return shorten(channel.fee_text, 160) or "chưa có thông tin"


def time_summary(channel: FilingChannel) -> str:
    """``"7 ngày làm việc"``, ``"trong ngày"`` or the original text."""
    days = channel.processing_days
    if days == 0:
        return "trong ngày"
    if days is not None:
        number = int(days) if float(days).is_integer() else days
        return f"{number} ngày làm việc" if channel.processing_day_kind == "working" else f"{number} ngày"
    text = channel.time_text if channel.time_text and channel.time_text.lower() != "khác" else channel.time_description
    return shorten(text, 200) or "chưa có thông tin"


def _per_channel(procedure: Procedure, summarise) -> list[str]:  # type: ignore[no-untyped-def]
    """One line per filing channel, merged when every channel says the same."""
    values = [(_method_label(c.method), summarise(c)) for c in procedure.channels]
    if not values:
        return ["Chưa có thông tin."]
    distinct = {value for _, value in values}
    if len(distinct) == 1:
        methods = ", ".join(method for method, _ in values)
        return [f"{values[0][1][:1].upper()}{values[0][1][1:]} (nộp {methods})."]
    return [f"• Nộp {method}: {value}" for method, value in values]


def _documents(procedure: Procedure) -> list[str]:
    if not procedure.documents:
        return ["Chưa có danh sách giấy tờ cho thủ tục này."]
    lines = []
    for number, doc in enumerate(procedure.documents[:MAX_ITEMS], start=1):
        kinds = [k for k, flag in (("bản chính", doc.original), ("bản sao", doc.copy)) if flag]
        suffix = f" ({', '.join(kinds)})" if kinds else ""
        lines.append(f"{number}. {shorten(doc.name, 220)}{suffix}")
    if len(procedure.documents) > MAX_ITEMS:
        lines.append(f"… và {len(procedure.documents) - MAX_ITEMS} giấy tờ khác (xem đầy đủ trên Cổng Dịch vụ công).")
    return lines


def _place(procedure: Procedure, address: ResolvedAddress | None) -> list[str]:
    lines: list[str] = []
    if address is not None:
        if address.converted:
            lines.append(f"Địa chỉ cũ “{address.original}” nay thuộc {address.commune}, {address.province}.")
        point = address.service_point
        if point is not None:
            lines.append(f"Bạn nộp tại: {point.service_point} — {point.address}.")
            if point.opening_hours:
                lines.append(f"Giờ làm việc: {point.opening_hours}.")
            if point.phone:
                lines.append(f"Điện thoại: {point.phone}.")
        else:
            lines.append(f"Bạn nộp tại Trung tâm Phục vụ hành chính công (Bộ phận Một cửa) của {address.commune}.")
    if procedure.filing_address:
        prefix = "Theo quy định, nơi tiếp nhận" if address else "Nơi tiếp nhận"
        lines.append(f"{prefix}: {sentence(procedure.filing_address, 240)}")
    if procedure.handling_agency:
        lines.append(f"Cơ quan giải quyết: {sentence(procedure.handling_agency, 200)}")
    methods = [_method_label(c.method) for c in procedure.channels]
    if methods:
        lines.append(f"Cách nộp: {', '.join(methods)}.")
    if any("trực tuyến" in m for m in methods) and procedure.portal_url:
        lines.append(f"Nộp trực tuyến: {procedure.portal_url}")
    return lines or ["Chưa có thông tin nơi nộp."]


def _steps(procedure: Procedure) -> list[str]:
    if not procedure.steps:
        return ["Chưa có thông tin các bước thực hiện."]
    lines = []
    for number, step in enumerate(procedure.steps[:MAX_ITEMS], start=1):
        case = f"[{step.case}] " if step.case else ""
        description = _STEP_PREFIX.sub("", step.description.strip())  # officials often write "Bước 1:" themselves
        lines.append(f"Bước {number}: {case}{shorten(description, 320)}")
    return lines


def _results(procedure: Procedure) -> list[str]:
    if not procedure.results:
        return ["Chưa có thông tin kết quả."]
    return [f"• {shorten(r.name, 200)}" for r in procedure.results[:MAX_ITEMS]]


def _legal(procedure: Procedure) -> list[str]:
    if not procedure.legal_bases:
        return ["Chưa có thông tin căn cứ pháp lý."]
    lines = []
    for basis in procedure.legal_bases[:MAX_ITEMS]:
        title = f" {shorten(basis.title, 160)}" if basis.title else ""
        lines.append(f"• {basis.number}{title}".rstrip())
    return lines


def _conditions(procedure: Procedure) -> list[str]:
    lines = []
    text = (procedure.conditions or "").strip()
    if text and text.lower() not in {"không", "khong", "không có"}:
        lines.append(shorten(text, 500))
    else:
        lines.append("Thủ tục này không có điều kiện riêng ngoài hồ sơ hợp lệ.")
    if procedure.applicants:
        lines.append(f"Đối tượng thực hiện: {sentence(procedure.applicants, 200)}")
    return lines


def _overview(procedure: Procedure, brief: bool = False) -> list[str]:
    """What the procedure is; ``brief``: its field and level only (the other aspects asked
    with it come in their own blocks, and the reply must fit a phone screen)."""
    lines = []
    if procedure.field or procedure.level:
        lines.append(f"Lĩnh vực: {procedure.field or '—'}; cấp thực hiện: {procedure.level or '—'}.")
    if brief:
        return lines or [procedure.name]
    if procedure.channels:
        lines.append("Lệ phí: " + "; ".join(_per_channel(procedure, fee_summary)).lstrip("• "))
        lines.append("Thời gian: " + "; ".join(_per_channel(procedure, time_summary)).lstrip("• "))
    if procedure.filing_address:
        lines.append(f"Nơi nộp: {sentence(procedure.filing_address, 200)}")
    if procedure.documents:
        lines.append(f"Hồ sơ gồm {len(procedure.documents)} loại giấy tờ — chọn “Giấy tờ cần nộp” để xem.")
    return lines


HEADINGS: dict[Aspect, str] = {
    Aspect.DOCUMENTS: "📄 Giấy tờ cần chuẩn bị",
    Aspect.FEE: "💰 Lệ phí",
    Aspect.TIME: "⏱ Thời gian giải quyết",
    Aspect.PLACE: "📍 Nơi nộp hồ sơ",
    Aspect.STEPS: "🪜 Các bước thực hiện",
    Aspect.RESULT: "✅ Kết quả nhận được",
    Aspect.LEGAL_BASIS: "⚖️ Căn cứ pháp lý",
    Aspect.CONDITIONS: "📌 Điều kiện",
    Aspect.OVERVIEW: "ℹ️ Thông tin chung",
}


def format_aspect(
    procedure: Procedure, aspect: Aspect, address: ResolvedAddress | None = None, brief: bool = False
) -> str:
    """One aspect of ``procedure`` as a short block headed by the procedure's name (``brief``:
    the overview without the fee, time and place summary)."""
    body = {
        Aspect.DOCUMENTS: lambda: _documents(procedure),
        Aspect.FEE: lambda: _per_channel(procedure, fee_summary),
        Aspect.TIME: lambda: _per_channel(procedure, time_summary),
        Aspect.PLACE: lambda: _place(procedure, address),
        Aspect.STEPS: lambda: _steps(procedure),
        Aspect.RESULT: lambda: _results(procedure),
        Aspect.LEGAL_BASIS: lambda: _legal(procedure),
        Aspect.CONDITIONS: lambda: _conditions(procedure),
        Aspect.OVERVIEW: lambda: _overview(procedure, brief),
    }[aspect]()
    return f"{HEADINGS[aspect]} — {procedure.name}:\n" + "\n".join(body)


def format_answer(procedure: Procedure, aspects: list[Aspect], address: ResolvedAddress | None = None) -> str:
    """Several aspects of one procedure, separated by a blank line. Asked beside other aspects
    ("… là thủ tục gì, ai được làm?"), what the procedure is comes first and brief."""
    if Aspect.OVERVIEW in aspects and len(aspects) > 1:
        others = [a for a in aspects if a is not Aspect.OVERVIEW]
        blocks = [format_aspect(procedure, Aspect.OVERVIEW, address, brief=True)]
        return "\n\n".join(blocks + [format_aspect(procedure, aspect, address) for aspect in others])
    return "\n\n".join(format_aspect(procedure, aspect, address) for aspect in aspects)
