"""Which part of a question is the citizen's address (and which only looks like one)."""

from __future__ import annotations

import pytest

from dichvucong.addresses.lookup import extract_address

CASES = [
    ("khai sinh cho con nộp ở xã Tân Phú", "xã Tân Phú"),
    ("làm căn cước ở phường 3 cũ thì đi đâu", "phường 3"),
    ("bảo hiểm xã hội một lần làm ở đâu", None),
    ("trợ cấp xã hội cho người già cần giấy tờ gì", None),
    ("tro cap xa hoi cho nguoi khuyet tat nop o dau", None),
    ("mua nhà ở xã hội cần điều kiện gì", None),
    ("Sở Lao động - Thương binh và Xã hội ở đâu", None),
    ("trợ cấp xã hội nộp ở xã Tân Phú", "xã Tân Phú"),
    ("đăng ký kết hôn ở xã Hội Hoan", "xã Hội Hoan"),
    ("xã tôi vừa sáp nhập thì nộp ở đâu", None),
]


@pytest.mark.parametrize(("question", "address"), CASES)
def test_address_in_question(question: str, address: str | None) -> None:
    assert extract_address(question) == address
