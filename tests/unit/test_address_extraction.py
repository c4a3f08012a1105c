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
    # Question words right after the unit word start no name; typed with diacritics, a name
    # that folds like one of them ("Bến" like "bên") still does.
    ("xin giấy phép xây nhà 2 tầng ở phường mất bao lâu", None),
    ("nộp ở xã cần gì", None),
    ("nộp ở phường bên cạnh được không", None),
    ("tôi ở phường Bến Thành cũ thì làm căn cước ở đâu", "phường Bến Thành"),
    # In a message with diacritics, "xa" typed without them is "far", not "xã".
    ("Con trai tôi sắp đi làm ăn xa 5 tháng, khai báo tạm vắng cần giấy gì?", None),
    ("lam can cuoc o xa Tan Phu", "xa Tan Phu"),
    ("di lam an xa 5 thang thi khai bao tam vang o dau", None),
    # A service done at the commune is no commune's name.
    ("ra xã chứng thực bản sao có cần mang bản chính không", None),
    ("mang ra xa cong chung hop dong mua ban", None),
    ("ông ngoại mất rồi, nhà có được xã hỗ trợ tiền mai táng không", None),
    ("ho so nop roi thi phuong giai quyet trong bao lau", None),
    ("tôi ở xã Công Hải, Thuận Nam", "xã Công Hải, Thuận Nam"),
    # Only the name of a real unit (old or new, from underthesea's tables) makes an address:
    # what the commune did or said is no name, and taking it for one would drop the
    # procedure's name from the question.
    ("Chồng tôi đi làm ở tỉnh khác, công an xã bảo phải khai báo tạm vắng. Cần mang giấy gì?", None),
    ("thang sau em sang Nhat, co phai len cong an xa khai bao tam vang khong", None),
    ("ho so bi xa tu choi ma e thay ko hop ly, muon khieu nai thi lam the nao", None),
    ("xin giay xac nhan doc than o xa may ngay co", None),
    ("hai dua cung que o xa Hoa Phu, di dang ky ket hon can giay to gi", "xa Hoa Phu"),
    ("Đăng ký tạm trú ở phường Linh Trung thì bao lâu có kết quả?", "phường Linh Trung"),
    # The address ends where the names of real units end: after a comma the question goes on
    # ("…, tạm trú tuần sau hết hạn"), unless a higher unit is named, with or without its
    # unit word.
    ("tôi ở phường Đông Hải, tạm trú tuần sau hết hạn rồi muốn gia hạn thì làm sao", "phường Đông Hải"),
    ("nhà tôi ở xã Tân Phú, đánh rơi căn cước ngoài chợ, việc đầu tiên phải làm gì", "xã Tân Phú"),
    ("o xa Tan Phu danh roi can cuoc thi lam lai o dau", "xa Tan Phu"),
    ("tôi ở phường Đông Hải, Hải Phòng, muốn gia hạn tạm trú", "phường Đông Hải, Hải Phòng"),
    ("xã Đắk R'Moăn, Gia Nghĩa, Đắk Nông cũ thì nộp ở đâu", "xã Đắk R'Moăn, Gia Nghĩa, Đắk Nông"),
    ("tôi ở phường 3 quận 5 làm căn cước ở đâu", "phường 3 quận 5"),
    ("nhà ở xã Công Hải huyện Thuận Nam tỉnh Ninh Thuận, khai sinh ở đâu", "xã Công Hải huyện Thuận Nam tỉnh Ninh Thuận"),
    ("phường Bến Thành, TP. Hồ Chí Minh cũ thì làm căn cước ở đâu", "phường Bến Thành, TP. Hồ Chí Minh"),
]


@pytest.mark.parametrize(("question", "address"), CASES)
def test_address_in_question(question: str, address: str | None) -> None:
    assert extract_address(question) == address
