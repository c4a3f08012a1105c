"""Chat spellings and abbreviations Vietnamese citizens type, with their full forms.

Keys are lowercase and written without diacritics (so ``sđt`` and ``sdt`` share one entry);
values are the proper Vietnamese words. The table is deliberately conservative: a short form
that is ambiguous in this domain ("bn" = "bao nhiêu" or "bạn") is resolved to the meaning a
question about procedures most often has. Only whole words are replaced.
"""

from __future__ import annotations

ABBREVIATIONS: dict[str, str] = {
    # documents and identity
    "cccd": "căn cước công dân",
    "cmnd": "chứng minh nhân dân",
    "cmt": "chứng minh thư",
    "gks": "giấy khai sinh",
    "gkh": "giấy kết hôn",
    "gcn": "giấy chứng nhận",
    "gcnqsdd": "giấy chứng nhận quyền sử dụng đất",
    "qsdd": "quyền sử dụng đất",
    "gplx": "giấy phép lái xe",
    "gpxd": "giấy phép xây dựng",
    "gpkd": "giấy phép kinh doanh",
    "dkkd": "đăng ký kinh doanh",
    "hkd": "hộ kinh doanh",
    "bhyt": "bảo hiểm y tế",
    "bhxh": "bảo hiểm xã hội",
    "lltp": "lý lịch tư pháp",
    "sdt": "số điện thoại",
    "tthc": "thủ tục hành chính",
    "dvc": "dịch vụ công",
    "ubnd": "ủy ban nhân dân",
    "hs": "hồ sơ",
    "tp": "thành phố",
    # chat spellings
    "ko": "không",
    "k": "không",
    "kg": "không",
    "kh": "không",
    "hok": "không",
    "dc": "được",
    "dk": "đăng ký",
    "j": "gì",
    "bn": "bao nhiêu",
    "bnh": "bao nhiêu",
    "ntn": "như thế nào",
    "vs": "với",
    "ng": "người",
    "mik": "mình",
    "mk": "mình",
    "r": "rồi",
    "ak": "à",
    "z": "vậy",
    "trc": "trước",
    "lm": "làm",
    "xog": "xong",
    "bik": "biết",
    "bt": "biết",
    "cty": "công ty",
    "dki": "đăng ký",
    "dky": "đăng ký",
    "hd": "hợp đồng",
    "vk": "vợ",
    "ck": "chồng",
    "bme": "bố mẹ",
    "tgian": "thời gian",
    "tg": "thời gian",
    "bgio": "bao giờ",
    "bjo": "bao giờ",
    "ntnao": "như thế nào",
    "lsao": "làm sao",
    "kd": "kinh doanh",
    "cq": "cơ quan",
    "qs": "quân sự",
    "v": "vậy",
    "ah": "à",
    "dt": "điện thoại",
}


#: Regional and spoken spellings, matched on the exact lower-case word (with its diacritics,
#: so "sánh" in "so sánh" or "hỏng" are left alone): "có sao hông", "ba má tui", "mới sanh".
SPOKEN_FORMS: dict[str, str] = {
    "hông": "không",
    "hổng": "không",
    "hem": "không",
    "tui": "tôi",
    "sanh": "sinh",
    "nhiu": "nhiêu",
    "má": "mẹ",
    "mần": "làm",
    "xài": "dùng",
    "xai": "dùng",
    "dzậy": "vậy",
    "dzay": "vậy",
    "zậy": "vậy",
    "zay": "vậy",
    "khum": "không",
}
