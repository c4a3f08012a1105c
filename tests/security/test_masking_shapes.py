"""Attack: personal numbers slip into logs or the review pages because they were typed in an
unexpected shape. Defended: every shape below is masked; dates, fees, procedure codes and the
shape of application codes stay readable."""

from __future__ import annotations

import logging

import pytest

from dichvucong.applications.masking import SensitiveDataFilter, mask_sensitive
from dichvucong.review.events import mask as review_mask

# (what a citizen typed, the secret digits/text that must disappear, what must be shown instead)
SECRETS = [
    ("sđt 0912345678", "0912345678", "091****678"),
    ("sđt 0912 345 678", "345", "091****678"),
    ("sđt 0912.345.678", "345", "091****678"),
    ("sđt 0912-345-678", "345", "091****678"),
    ("sđt (0912) 345 678", "345", "091****678"),
    ("gọi +84 912 345 678", "345", "+849*****678"),
    ("gọi +84912345678", "912345", "+849*****678"),
    ("gọi (+84) 912-345-678", "345", "+849*****678"),
    ("gọi 84912345678", "912345", "849*****678"),
    ("máy bàn (028) 3829 1234", "3829", "028*****234"),
    ("máy bàn 0263.3822.123", "3822", "026*****123"),
    ("số cũ 01234567890", "4567", "012*****890"),
    ("sđt ０９１２３４５６７８ nhé", "345", "091****678"),  # full-width digits
    ("CCCD 068123456789", "068123456789", "*********789"),
    ("CCCD 068 123 456 789", "123 456", "*********789"),
    ("CCCD ０６８１２３４５６７８９", "123456", "*********789"),
    ("CMND 250123456", "250123456", "******456"),
    ("CMND 250 123 456", "250 123", "******456"),
    ("email nguyen.van.a+hs@gmail.com", "nguyen.van.a", "n***@gmail.com"),
    ("email TRAN_B@so-tu-phap.lamdong.gov.vn", "TRAN_B", "T***@so-tu-phap.lamdong.gov.vn"),
    ("hồ sơ 000.21.10.H51-261118-0001", "261118", "000.21.10.H51-******-**01"),
    ("hồ sơ 000 21 10 h51 261118 0001", "261118", "000.21.10.H51-******-**01"),
]

# text that must come out unchanged
KEPT = [
    "lúc 2026-11-26 10:00",
    "ngày 26/11/2026, hẹn 01/12/2026",
    "mã thủ tục 1.004194 và 2.001417",
    "lệ phí 50.000 đồng, 150.000.000 đồng",
    "số 25 đường 3/2, tổ 7",
    "4 số cuối là 1111",
    "1022",
]


@pytest.mark.parametrize(("typed", "secret", "shown"), SECRETS, ids=[s[0] for s in SECRETS])
def test_every_shape_is_masked(typed: str, secret: str, shown: str) -> None:
    for mask in (mask_sensitive, review_mask):
        masked = mask(typed)
        assert secret not in masked, masked
        assert shown in masked, masked
        assert mask(masked) == masked  # idempotent


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_numbers_stay_readable(text: str) -> None:
    assert mask_sensitive(text) == text


def test_log_records_are_masked_in_every_shape() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "hỏi: %s", (" | ".join(s[0] for s in SECRETS),), None)
    SensitiveDataFilter().filter(record)
    message = record.getMessage()
    for _, secret, shown in SECRETS:
        assert secret not in message and shown in message
