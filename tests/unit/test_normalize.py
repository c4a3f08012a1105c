"""The text normaliser: how citizens type versus the canonical forms we match on."""

import unicodedata

import pytest

from dichvucong.text.normalize import fold, has_diacritics, normalize_text, strip_accents, syllables


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("Làm lại CCCD mất bn tiền?", "làm lại căn cước công dân mất bao nhiêu tiền"),
        ("gks mat thi lam sao", "giấy khai sinh mat thi lam sao"),
        ("ko có sđt thì sao", "không có số điện thoại thì sao"),
        ("k biết nộp ở đâu", "không biết nộp ở đâu"),
        ("đc ko", "được không"),
        ("dc hok", "được không"),
        ("can giay to j", "can giay to gì"),
        ("lam ntn", "lam như thế nào"),
        ("dang ky dkkd", "dang ky đăng ký kinh doanh"),
        ("đổi gplx", "đổi giấy phép lái xe"),
        ("cmnd cũ", "chứng minh nhân dân cũ"),
        ("  đăng   ký\tkết  hôn \n", "đăng ký kết hôn"),
        ("<b>khai sinh</b>", "b khai sinh b"),
        ("", ""),
        ("🙂🙂", ""),
    ],
)
def test_normalize_text_expands_chat_spellings_and_cleans_spacing(typed: str, canonical: str) -> None:
    assert normalize_text(typed) == canonical


@pytest.mark.parametrize(
    ("accented", "plain"),
    [
        ("Làm lại căn cước công dân mất bao nhiêu tiền", "lam lai cccd mat bn tien"),
        ("Đăng ký khai sinh cần giấy tờ gì", "dang ky khai sinh can giay to j"),
        ("Đăng ký kết hôn nộp ở đâu", "dang  ky ket hon nop o dau"),
        ("Xin giấy xác nhận tình trạng hôn nhân được không", "xin giay xac nhan tinh trang hon nhan dc ko"),
        ("Đổi giấy phép lái xe như thế nào", "doi gplx ntn"),
    ],
)
def test_fold_makes_accented_and_unaccented_typing_equal(accented: str, plain: str) -> None:
    assert fold(accented) == fold(plain)


def test_nfd_input_folds_like_nfc() -> None:
    text = "Đăng ký thường trú ở đâu"
    assert fold(unicodedata.normalize("NFD", text)) == fold(text) == "dang ky thuong tru o dau"


def test_old_style_tone_placement_folds_the_same() -> None:
    assert fold("hoà giải") == fold("hòa giải")


def test_strip_accents_handles_d_with_stroke() -> None:
    assert strip_accents("Đắk Nông đường") == "Dak Nong duong"


def test_syllables_and_diacritics_flag() -> None:
    assert syllables("Hộ chiếu, 200.000đ!") == ["ho", "chieu", "200", "000d"]
    assert has_diacritics("hộ chiếu") and not has_diacritics("ho chieu")


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("có sao hông", "có sao không"),
        ("ba má tui", "ba mẹ tôi"),
        ("vợ mới sanh", "vợ mới sinh"),
        ("mất nhiu tiền", "mất nhiêu tiền"),
        ("so sánh", "so sánh"),  # only the exact spoken form: "sánh" is another word
        ("thẻ bị hỏng", "thẻ bị hỏng"),
    ],
)
def test_spoken_and_regional_forms_read_as_the_standard_word(typed: str, canonical: str) -> None:
    assert normalize_text(typed) == canonical


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("cần đk gì", "cần điều kiện gì"),
        ("đủ đk chưa", "đủ điều kiện chưa"),
        ("có cần dk không", "có cần đăng ký không"),
        ("dk tam tru o dau", "đăng ký tam tru o dau"),
    ],
)
def test_dk_reads_as_conditions_only_where_it_asks_them(typed: str, canonical: str) -> None:
    assert normalize_text(typed) == canonical
