"""Reading application codes and phone digits out of what citizens type."""

from __future__ import annotations

import pytest

from dichvucong.applications.codes import (
    extract_application_code,
    extract_application_codes,
    extract_phone_last4,
    is_valid_code,
    looks_like_code_attempt,
    normalize_code,
)

CODE = "000.00.04.H51-251120-0007"


@pytest.mark.parametrize(
    "text",
    [
        "000.00.04.H51-251120-0007",
        "000.00.04.h51-251120-0007",
        "000.00.04.h51 - 251120 - 0007",
        "000 00 04 H51 251120 0007",
        "000.00.04.H51 251120 0007",
        "000.00.04.H51–251120–0007",  # en dashes from a phone keyboard
        "000.00.04.H51_251120_0007",
        "0000004H512511200007",
        "Mã hồ sơ của tôi là 000.00.04.H51-251120-0007, nhờ kiểm tra giúp",
        "tra cuu ho so 000.00.04.h51-251120-0007 giup em",
        "(000.00.04.H51-251120-0007)",
        "mã:000.00.04.H51-251120-0007.",
        "０００.００.０４.Ｈ５１-２５１１２０-０００７",  # full-width characters
    ],
)
def test_code_is_found_and_normalised(text: str) -> None:
    assert extract_application_code(text) == CODE


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tôi muốn tra cứu hồ sơ",
        "000.00.04.H51-251320-0007",  # month 13
        "000.00.04.H51-250230-0007",  # 30 February
        "000.00.04.H51-2511-0007",  # date too short
        "000.00.04.H51-251120-007",  # serial too short
        "000.00.04.51-251120-0007",  # letter missing
        "000.00.4.H51-251120-0007",  # agency group too short
        "X000.00.04.H51-251120-0007",  # glued to a word
        "000.00.04.H51-251120-00071234",  # serial runs on into more digits
        "0912345678",
        "1.001193",
    ],
)
def test_no_code_is_found(text: str) -> None:
    assert extract_application_code(text) is None


def test_longer_serials_are_kept_and_several_codes_are_listed_once() -> None:
    assert extract_application_code("000.00.04.H51-251120-00123") == "000.00.04.H51-251120-00123"
    text = "hai hồ sơ 000.00.04.H51-251120-0007 và 000.21.10.h51-261118-0001, lại 000.00.04.H51-251120-0007"
    assert extract_application_codes(text) == [CODE, "000.21.10.H51-261118-0001"]
    assert extract_application_code(text) == CODE


def test_is_valid_code_wants_the_canonical_form_and_normalize_code_the_whole_string() -> None:
    assert is_valid_code(CODE)
    assert not is_valid_code(CODE.lower())
    assert not is_valid_code("000.00.04.H51-251320-0007")
    assert not is_valid_code(f" {CODE}")
    assert normalize_code(" 000 00 04 h51 251120 0007 ") == CODE
    assert normalize_code(f"mã {CODE}") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("000.00.04.H51-2511-0007", True),
        ("000.00.04.H51-251320-0007", True),
        ("000.00.04.H51", True),
        ("mã là 04.H51-251120", True),
        ("H51-25112", True),
        ("-251120-0007", True),
        (CODE, False),  # a valid code is not a malformed attempt
        ("tôi muốn hỏi lệ phí làm căn cước", False),
        ("0912345678", False),
        ("1.001193", False),
        ("26/11/2026", False),
        ("2026-11-26", False),
        ("lệ phí 50.000 đồng", False),
    ],
)
def test_looks_like_code_attempt(text: str, expected: bool) -> None:
    assert looks_like_code_attempt(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5678", "5678"),
        (" 5678 ", "5678"),
        ("4 số cuối là 5678", "5678"),
        ("bốn số cuối: 5 6 7 8", "5678"),
        ("0912345678", "5678"),  # a whole number: its last four digits
        ("0912 345 678", "5678"),
        ("0912.345.678", "5678"),
        ("+84 912 345 678", "5678"),
        ("84912345678", "5678"),
        ("số 4 5678", "5678"),
        (f"mã {CODE} số cuối 5678", "5678"),  # the code's serial is not the answer
        ("567", None),
        ("56789", None),
        ("123456", None),
        ("091234567", None),  # nine digits: not a phone number
        ("068123456789", None),  # twelve digits: a citizen ID, not a phone
        ("5678 hoặc 1234", None),  # ambiguous
        ("không nhớ", None),
        (CODE, None),
    ],
)
def test_extract_phone_last4(text: str, expected: str | None) -> None:
    assert extract_phone_last4(text) == expected
