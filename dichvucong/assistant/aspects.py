"""What a citizen wants to know about a procedure, from the intent and from key phrases."""

from __future__ import annotations

import re
from enum import Enum

from dichvucong.text.normalize import fold


class Aspect(str, Enum):
    """One part of a procedure a citizen can ask about."""

    DOCUMENTS = "documents"
    FEE = "fee"
    TIME = "time"
    PLACE = "place"
    STEPS = "steps"
    RESULT = "result"
    LEGAL_BASIS = "legal_basis"
    CONDITIONS = "conditions"
    OVERVIEW = "overview"


INTENT_ASPECTS: dict[str, Aspect] = {
    "ask_documents": Aspect.DOCUMENTS,
    "ask_fee": Aspect.FEE,
    "ask_processing_time": Aspect.TIME,
    "ask_place": Aspect.PLACE,
    "ask_steps": Aspect.STEPS,
    "ask_result": Aspect.RESULT,
    "ask_legal_basis": Aspect.LEGAL_BASIS,
    "ask_conditions": Aspect.CONDITIONS,
    "ask_overview": Aspect.OVERVIEW,
}

ASPECT_INTENTS: dict[Aspect, str] = {aspect: intent for intent, aspect in INTENT_ASPECTS.items()}

#: Button labels offering another aspect of the same procedure.
ASPECT_LABELS: dict[Aspect, str] = {
    Aspect.DOCUMENTS: "Giấy tờ cần nộp",
    Aspect.FEE: "Lệ phí",
    Aspect.TIME: "Thời gian giải quyết",
    Aspect.PLACE: "Nộp ở đâu",
    Aspect.STEPS: "Các bước thực hiện",
    Aspect.RESULT: "Kết quả nhận được",
    Aspect.LEGAL_BASIS: "Căn cứ pháp lý",
    Aspect.CONDITIONS: "Điều kiện",
    Aspect.OVERVIEW: "Tổng quan",
}

# Folded phrases (no diacritics) that name an aspect inside a longer question, so
# "đăng ký kết hôn nộp ở đâu, mất mấy ngày?" is answered on both place and time.
ASPECT_PHRASES: dict[Aspect, tuple[str, ...]] = {
    Aspect.DOCUMENTS: ("giay to gi", "giay to nao", "can giay to", "ho so gom", "ho so can", "can nhung gi", "can mang", "can chuan bi", "thanh phan ho so", "gom gi", "gom nhung", "ho so gi", "ho so nhung gi", "mang theo gi", "giay to can", "chuan bi gi", "lam lai nhung gi", "mang nhung gi", "mang gi", "can giay gi", "giay gi", "nhung giay nao", "can nhung giay", "mang theo", "dem theo", "dem gi", "can co gi", "nop nhung gi", "nop gi", "can nhung", "giay to can co", "to gi", "nhung gi nua", "can them gi", "can gi"),
    Aspect.FEE: ("le phi", "bao nhieu tien", "mat tien", "mat phi", "ton phi", "chi phi", "het bao nhieu", "phi bao nhieu", "co mat phi", "mien phi", "tien phi", "ton tien", "ton bao nhieu", "co ton", "phai dong", "dong bao nhieu", "nhieu tien", "may tien", "het may", "tinh phi", "thu phi", "phi khong", "phi la bao nhieu", "mat dong nao", "ton dong nao", "duoc mien", "mien le phi", "co mien", "tinh tien", "tra bao nhieu", "dong tien", "mat bao nhieu", "het bao nhieu tien", "ton kem", "nop thue", "dong thue", "chiu thue", "bao nhieu mot thang", "duoc bao nhieu", "nhan bao nhieu", "phi gi", "bao nhieu mot trang", "bao nhieu mot ban", "mot trang bao nhieu", "mot ban bao nhieu"),
    Aspect.TIME: ("bao lau", "may ngay", "bao nhieu ngay", "bao gio co", "khi nao co", "thoi gian giai quyet", "thoi han", "mat may", "lau khong", "bao gio", "khi nao thi co", "may hom", "bao nhieu lau", "may ngay thi", "bao lau thi", "lau ko", "mat bao lau", "thi xong", "bao lau co", "lau thi", "nhanh khong", "co nhanh", "nhieu ngay", "trong bao lau", "thoi gian", "may thang", "may tuan", "bao gio xong", "khi nao xong", "bao lau moi", "bnhieu ngay", "chung nao", "lay lien", "lay ngay", "lay luon", "trong ngay", "phai hen", "bao lau nua", "khi nao moi", "may bua", "co giay luon", "co luon khong"),
    Aspect.PLACE: ("o dau", "noi nao", "cho nao", "nop online", "truc tuyen", "qua mang", "co quan nao", "nop tai", "ra dau", "di dau", "dia chi nop", "lam tai dau", "len cong an", "ra cong an", "ra uy ban", "len uy ban", "hay cong an", "hay uy ban", "cong an nao", "uy ban nao", "nop o", "lam o", "xa nao", "phuong nao", "tinh nao", "huyen nao", "online duoc", "qua buu dien", "buu chinh", "dau lam", "len dau", "noi nop", "cho nao nop"),
    Aspect.STEPS: ("cac buoc", "trinh tu", "nhu the nao", "the nao", "ra sao", "lam sao", "quy trinh", "buoc nao", "cach lam", "tung buoc", "nhung buoc", "cach dang ky", "may buoc"),
    Aspect.RESULT: ("nhan duoc gi", "ket qua la", "duoc cap gi", "nhan lai gi", "duoc nhan gi", "nhan duoc nhung gi", "duoc nhan nhung gi", "ket qua nhan", "duoc cap nhung gi", "cap nhung gi", "nhan nhung gi", "lam xong duoc", "xong duoc nhan", "xong thi nhan", "xong nhan duoc", "xong duoc cap", "nhan giay gi", "cap giay gi", "nhan duoc giay", "nhan lai giay", "nhan lai cai gi", "nhan duoc ket qua", "nhan duoc nhung ket qua", "ket qua minh nhan", "xong thi duoc", "duoc giay gi", "cam ve", "dua lai", "nhan gi", "xong nhan", "duoc cai gi", "nhan cai gi"),
    Aspect.LEGAL_BASIS: ("can cu phap ly", "can cu", "nghi dinh nao", "luat nao", "thong tu nao", "van ban nao", "quy dinh nao", "quy dinh o dau", "theo luat", "theo nghi dinh", "theo thong tu", "nghi dinh", "thong tu", "phap luat", "dieu may", "van ban phap", "quy dinh tai", "luat gi", "luat so"),
    Aspect.CONDITIONS: ("dieu kien", "ai duoc", "doi tuong nao", "co duoc lam", "khi nao duoc", "truong hop nao", "doi tuong", "yeu cau gi", "bat buoc", "duoc phep", "tieu chuan", "du dieu kien", "bao nhieu tuoi thi", "may tuoi thi", "ai thi duoc", "khong duoc cap"),
}
#: Question words of Central speech ("ở mô" = where, "ra răng" / "làm răng" = how, "giấy chi"
#: = which papers, "bữa mô" = which day), folded. Only phrases whose folded form reads no other
#: way in a question about a procedure: "khi mo" is also "khi mở (quán)", "cho mo" also "cho
#: mở", "di mo" also "đi mổ", so "where" takes "ở / nộp / làm / tới chỗ mô" and "nơi mô".
CENTRAL_ASPECT_PHRASES: dict[Aspect, tuple[str, ...]] = {
    Aspect.DOCUMENTS: ("giay chi", "giay to chi", "ho so chi", "can chi", "mang chi", "chuan bi chi", "nop chi"),
    Aspect.TIME: ("bua mo", "ngay mo"),
    Aspect.PLACE: ("o mo", "o cho mo", "nop cho mo", "lam cho mo", "toi cho mo", "den cho mo", "noi mo", "ra mo", "len mo"),
    Aspect.STEPS: ("ra rang", "lam rang", "tinh rang", "the rang"),
}
ASPECT_PHRASES.update({a: ASPECT_PHRASES[a] + extra for a, extra in CENTRAL_ASPECT_PHRASES.items()})

#: Phrases that ask for the steps themselves ("làm theo các bước nào"), not just "how".
_EXPLICIT_STEPS = re.compile(r"\b(cac buoc|trinh tu|quy trinh|buoc nao|may buoc)\b")
_PATTERNS = {
    aspect: re.compile(r"\b(" + "|".join(re.escape(p) for p in phrases) + r")\b") for aspect, phrases in ASPECT_PHRASES.items()
}
#: "phí" on its own folds like "phi" of "đất phi nông nghiệp": it asks the fee when the
#: question opens with it ("Phí đổi bằng lái?") or it comes before "bao nhiêu" ("phí đổi
#: bằng lái bao nhiêu").
_PATTERNS[Aspect.FEE] = re.compile(
    _PATTERNS[Aspect.FEE].pattern + r"|^(le )?phi\b|\bphi (?!nong nghiep)(\w+ ){0,6}(bao nhieu|het may|may tien)\b"
)


#: A comparison ("công chứng với chứng thực khác nhau chỗ nào", "phiếu số 1 và số 2 khác
#: nhau thế nào") asks neither the place nor the steps its question words would name.
_COMPARISON = re.compile(r"\b(khac nhau|khac gi|khac cho nao|phan biet|giong nhau|giong hay khac)\b")


#: Words that ask what a procedure is ("… là thủ tục gì", "… là gì vậy").
#: "… cần làm là gì" asks what to do, not what something is.
_WHAT_IT_IS = re.compile(r"(?<!lam )\b(la gi|la thu tuc gi|nghia la gi|la cai gi|dung de lam gi)\b")


def asks_what_it_is(text: str) -> bool:
    """True when ``text`` asks what something is or is for."""
    return bool(_WHAT_IT_IS.search(fold(text)))


def asks_the_steps(text: str) -> bool:
    """True when ``text`` asks for the steps themselves ("các bước", "trình tự"), not just how."""
    return bool(_EXPLICIT_STEPS.search(fold(text)))


def is_comparison(text: str) -> bool:
    """True when ``text`` asks how two things differ."""
    return bool(_COMPARISON.search(fold(text)))


def detect_aspects(text: str) -> list[Aspect]:
    """Aspects named in ``text``, in the order they appear (none for "how" and "where" in a
    comparison)."""
    folded = fold(text)
    comparison = bool(_COMPARISON.search(folded))
    matches: list[tuple[int, int, Aspect]] = []
    for aspect, pattern in _PATTERNS.items():
        if comparison and aspect in (Aspect.STEPS, Aspect.PLACE):
            continue
        matches += [(m.start(), m.end(), aspect) for m in pattern.finditer(folded)]
    # Where phrases of two aspects overlap, the longer one says what is asked: "mất bao nhiêu
    # ngày" is the time, not the fee; "nhận được giấy gì" the result, not the documents.
    kept = [
        (start, aspect)
        for start, end, aspect in matches
        if not any(
            other is not aspect and s < end and start < e and e - s > end - start for s, e, other in matches
        )
    ]
    first: dict[Aspect, int] = {}
    for start, aspect in sorted(kept, key=lambda pair: pair[0]):
        first.setdefault(aspect, start)
    return list(first)


def aspects_for(intent: str | None, text: str) -> list[Aspect]:
    """The intent's aspect first, then any other aspect the text names (at most three)."""
    ordered: list[Aspect] = []
    primary = INTENT_ASPECTS.get(intent or "")
    if primary is not None:
        ordered.append(primary)
    for aspect in detect_aspects(text):
        if aspect not in ordered:
            ordered.append(aspect)
    what_it_is = asks_what_it_is(text)
    if what_it_is and Aspect.OVERVIEW not in ordered:
        ordered.append(Aspect.OVERVIEW)  # "… là thủ tục gì, ai được làm?" asks both
    if len(ordered) > 1 and Aspect.OVERVIEW in ordered and not what_it_is:
        ordered.remove(Aspect.OVERVIEW)
    if len(ordered) > 1 and Aspect.STEPS in ordered and ordered[0] != Aspect.STEPS and not _EXPLICIT_STEPS.search(fold(text)):
        ordered.remove(Aspect.STEPS)  # "nộp ở đâu, làm thế nào" asks where, not every step
    return ordered[:3] or [Aspect.OVERVIEW]


_SENTENCE_END = re.compile(r"(?<=[.?!\n])\s+")


def asked_part(text: str) -> str:
    """The sentences of ``text`` that ask (ending in "?"), or its last sentence when none
    does: "Mảnh đất không có giấy tờ gì. Con cháu làm sổ đỏ có được không?" asks whether,
    not which papers."""
    sentences = [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]
    asking = [s for s in sentences if s.endswith("?")]
    return " ".join(asking) if asking else (sentences[-1] if sentences else "")
