"""Fees and processing times parsed from the export's free text."""

import pytest

from dichvucong.catalog.parsing import format_amount, parse_fee, parse_processing_time


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("Lệ phí: 70.000 Đồng", 70000, ""),
        ("Phí: 0 VNĐ", 0, ""),
        ("Miễn lệ phí", 0, ""),
        ("Không thu phí", 0, ""),
        ("Phí: 2.000 Đồng/trang", 2000, "trang"),
        ("Lệ phí 50.000đ/lần", 50000, "lần"),
        ("le phi 200000 dong", 200000, ""),
        ("Theo quy định của HĐND tỉnh", None, ""),
        ("", None, ""),
    ],
)
def test_parse_fee(text: str, amount: int | None, unit: str) -> None:
    fee = parse_fee(text)
    assert (fee.amount, fee.unit) == (amount, unit)


@pytest.mark.parametrize(
    ("text", "days", "kind"),
    [
        ("7 Ngày làm việc", 7, "working"),
        ("05 ngày làm việc kể từ ngày nhận đủ hồ sơ", 5, "working"),
        ("Trong ngày", 0, "working"),
        ("Ngay trong ngày làm việc", 0, "working"),
        ("15 ngày", 15, "calendar"),
        ("08 giờ làm việc", 1, "working"),
        ("02 tháng và 15 ngày làm việc", None, ""),
        ("Khác", None, ""),
    ],
)
def test_parse_processing_time(text: str, days: float | None, kind: str) -> None:
    time = parse_processing_time(text)
    assert (time.days, time.kind) == (days, kind)


def test_processing_time_falls_back_to_description() -> None:
    assert parse_processing_time("Khác", "Trong thời hạn 10 ngày làm việc").days == 10


def test_format_amount_uses_vietnamese_grouping() -> None:
    assert format_amount(70000) == "70.000 đồng"
    assert format_amount(1500000) == "1.500.000 đồng"
