"""Which procedure fields the console shows and edits, with their Vietnamese labels."""

from __future__ import annotations

from typing import Any

from dichvucong.catalog.parsing import parse_fee, parse_processing_time

# Scalar columns, in the order the form shows them: (column, label, multi-line?)
SCALAR_FORM: tuple[tuple[str, str, bool], ...] = (
    ("name", "Tên thủ tục", False),
    ("field", "Lĩnh vực", False),
    ("level", "Cấp thực hiện", False),
    ("keywords", "Từ khóa (tu_khoa, ngăn cách bởi dấu phẩy)", False),
    ("applicants", "Đối tượng thực hiện", True),
    ("filing_address", "Nơi tiếp nhận hồ sơ", True),
    ("handling_agency", "Cơ quan thực hiện", True),
    ("competent_authority", "Cơ quan có thẩm quyền", True),
    ("conditions", "Yêu cầu, điều kiện", True),
    ("description", "Mô tả", True),
    ("procedure_type", "Loại thủ tục", False),
    ("coordinating_agency", "Cơ quan phối hợp", False),
    ("delegated_agency", "Cơ quan được ủy quyền", False),
    ("publication_status", "Tình trạng công bố", False),
    ("portal_url", "Đường dẫn trên Cổng DVC", False),
    ("decision_number", "Số quyết định công bố", False),
    ("decision_date", "Ngày quyết định", False),
    ("decision_issuer", "Cơ quan ban hành quyết định", False),
)
SCALAR_FIELDS = tuple(name for name, _, _ in SCALAR_FORM)
MAIN_FIELDS = ("name", "field", "level", "keywords", "applicants", "filing_address", "handling_agency", "conditions")

CHILD_FIELDS: dict[str, tuple[str, ...]] = {
    "channels": ("method", "time_text", "time_description", "fee_text"),
    "documents": ("document_code", "name", "kind", "issuer", "original", "copy", "eform"),
    "steps": ("case", "description"),
    "results": ("result_code", "name", "issuer", "description"),
    "legal_bases": ("number", "title", "issuer", "issued_on", "effective_on", "url"),
}
# The field a child row cannot be without (an empty one means "no row").
CHILD_REQUIRED = {"channels": "method", "documents": "name", "steps": "description", "results": "name", "legal_bases": "number"}
CHILD_BOOLEANS = {"original", "copy"}
CHILD_LABELS = {
    "channels": "Cách thức nộp, thời hạn và lệ phí",
    "documents": "Thành phần hồ sơ",
    "steps": "Trình tự thực hiện",
    "results": "Kết quả thực hiện",
    "legal_bases": "Căn cứ pháp lý",
}
PROCEDURE_FIELD_LABELS: dict[str, str] = {
    "code": "Mã thủ tục",
    **{name: label.split(" (")[0] for name, label, _ in SCALAR_FORM},
    "enabled": "Bật/tắt",
    **CHILD_LABELS,
}
MAX_FIELD = 20_000


def channel_parsed_values(fee_text: str, time_text: str, time_description: str) -> dict[str, Any]:
    """The numbers the bot answers with, parsed from the texts exactly as the importer does."""
    fee = parse_fee(fee_text)
    time = parse_processing_time(time_text, time_description)
    return {
        "fee_amount": fee.amount,
        "fee_unit": fee.unit,
        "processing_days": time.days,
        "processing_day_kind": time.kind,
    }
