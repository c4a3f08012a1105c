"""Find the commune a citizen lives in from a message, converting pre-2025 addresses.

Citizens still name units that the 1 July 2025 reform merged or removed ("xã Đắk R'Moăn,
Gia Nghĩa, Đắk Nông"). underthesea's offline converter maps such an address to the current
commune and province; we then look up that commune's service point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from dichvucong.db.models import CommuneServicePoint
from dichvucong.text.normalize import collapse_spaces, fold, has_diacritics, nfc

_UNIT_START = re.compile(r"\b(xã|phường|thị trấn|thị xã|huyện|quận|xa|phuong|thi tran)\s+\w", re.IGNORECASE)
_STOP = re.compile(
    r"(\s+(cũ|cu|thì|thi|nộp|nop|làm|lam|muốn|muon|đi|di|ạ|a|nay|bây giờ|bay gio|giờ|gio|thuộc|thuoc)\b|[?!\n;]|$)",
    re.IGNORECASE,
)
_PROVINCE_PREFIX = re.compile(r"^(tinh|thanh pho|tp)\s+")


@dataclass(frozen=True)
class ServicePointInfo:
    """Where a commune receives applications."""

    commune: str
    province: str
    service_point: str
    address: str
    phone: str
    opening_hours: str


@dataclass(frozen=True)
class ResolvedAddress:
    """The citizen's address as written, the current unit it maps to, and its service point."""

    original: str
    commune: str
    province: str
    converted: bool
    service_point: ServicePointInfo | None


def commune_key(commune: str, province: str) -> str:
    """Lookup key: folded commune with its type word, folded province without it."""
    province_key = _PROVINCE_PREFIX.sub("", fold(province))
    return f"{fold(commune)}|{province_key}"


# Words that follow "xã"/"phường" in a sentence without naming one ("xã tôi vừa sáp nhập",
# "nộp ở phường khác", "xã nào", "xây nhà ở phường mất bao lâu"): no address starts there.
# Typed with diacritics, only these readings are such words ("phường Bến Thành" and "xã Cần
# Kiệm" are names, "phường bên cạnh" and "xã cần gì" are not); without, the folded forms.
_NOT_A_NAME_READINGS = frozenset(
    ["tôi", "mình", "em", "anh", "chị", "bạn", "nhà", "khác", "nào", "này", "nay", "đó", "kia", "cũ", "mới", "ở",
     "của", "thì", "là", "có", "mà", "và", "với", "sẽ", "đã", "đang", "vừa", "nơi", "cho", "chỗ", "để", "bị",
     "được", "ko", "không", "hay", "hoặc", "nên", "thuộc", "gần", "bên",
     "mất", "cần", "làm", "xin", "nộp", "bao", "gì", "ra", "về", "lên", "tại"]
)
_NOT_A_NAME = frozenset(fold(word) for word in _NOT_A_NAME_READINGS)


def _names_nothing(word: str) -> bool:
    """True when ``word`` after a unit word ("xã", "phường") does not start a name."""
    accented = nfc(word).lower()
    if has_diacritics(accented):
        return accented in _NOT_A_NAME_READINGS
    return fold(word) in _NOT_A_NAME


# "xã hội" (society) after these words is part of a term, not a commune named "Hội":
# "bảo hiểm xã hội", "trợ cấp xã hội", "nhà ở xã hội", "Lao động - Thương binh và Xã hội".
_SOCIETY_BEFORE = frozenset(
    ["bao hiem", "tro cap", "chinh sach", "cong tac", "bao tro", "an sinh", "te nan", "dich vu", "nha o",
     "kinh te", "trat tu", "phuc loi", "to chuc", "cuu tro", "doi song", "van hoa", "chinh tri", "khoa hoc",
     "mang", "va", "tri"]
)
_SOCIETY_AFTER = frozenset(["hoa", "chu"])  # "xã hội hóa", "xã hội chủ nghĩa"


# Services done at the commune, not names of one: "ra xã chứng thực", "lên phường đăng ký".
_SERVICE_AFTER = frozenset(
    ["chung thuc", "cong chung", "dang ky", "xac nhan", "cap giay", "lam giay", "lam ho", "nop ho", "ho so",
     "hanh chinh", "mot cua", "khai sinh", "khai tu", "ket hon", "tam tru", "thuong tru",
     # ... and what a commune does for citizens: "được xã hỗ trợ tiền mai táng", "phường giải quyết"
     "ho tro", "tro cap", "giai quyet", "chi tra", "cap lai", "cap doi", "xac minh", "huong dan", "tiep nhan",
     "tra ket", "thu phi", "cho phep"]
)


#: Unit words the names in underthesea's address tables begin with (dropped to get the name).
_UNIT_PREFIX = re.compile(r"^(thanh pho|thi tran|thi xa|phuong|xa|quan|huyen|tinh)\s+")
#: The longest unit name looked for after a unit word, in syllables.
_LONGEST_NAME = 4


@lru_cache(maxsize=1)
def known_unit_names() -> frozenset[str]:
    """Folded names of every commune, ward and district, old and new, and every province, from
    the address tables underthesea ships ("tan phu", "hoa khanh", "3"). Empty when the
    tables cannot be read: every unit word then starts a name, as before."""
    import json
    from pathlib import Path

    import underthesea

    path = Path(underthesea.__file__).parent / "address" / "data" / "mapping.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    names: set[str] = set()
    for record in data.get("ward_mapping", []):
        for key in ("old_ward", "new_ward", "old_district"):
            names.add(_UNIT_PREFIX.sub("", fold(record.get(key) or "")))
    for info in [*data.get("old_province_names", {}).values(), *data.get("province_names", {}).values()]:
        if isinstance(info, dict):
            names.add(fold(info.get("short") or ""))
        elif isinstance(info, str):
            names.add(_UNIT_PREFIX.sub("", fold(info)))
    names.discard("")
    return frozenset(names)


def _known_name_length(words: list[str]) -> int:
    """How many of ``words`` (as written) make the longest name of a real unit they begin
    with, 0 for none. A name ends at punctuation ("Tân Phú, …"); a one-syllable name ("xã
    Từ") counts only when written as a name, and a number ("phường 3") always."""
    known = known_unit_names()
    folded: list[str] = []
    for word in words[:_LONGEST_NAME]:
        bare = word.strip(",.;:!?()")
        if not bare:
            break
        folded.append(fold(bare))
        if bare != word.rstrip("()"):
            break  # punctuation after this word ends the name
    best = 0
    if folded and folded[0] in known and (folded[0].isdigit() or words[0][:1].isupper()):
        best = 1
    for n in range(2, len(folded) + 1):
        if " ".join(folded[:n]) in known:
            best = n
    return best


def _names_a_known_unit(text: str, match: re.Match[str]) -> bool:
    """True when the words after the unit word begin with the name of a real unit: "xã Tân
    Phú", "phường 3", not "công an xã bảo phải khai báo…" or "ra xã hết bao nhiêu tiền".
    (Of the 61 dev questions where a unit word started an address before this check, 9 named
    a real unit; the others lost words of their question, "xa khai bao tam vang khong"
    among them, to an address search.)"""
    if not known_unit_names():
        return True
    return _known_name_length(text[match.end() - 1 :].split()) > 0


def _is_common_word_after(text: str, match: re.Match[str]) -> bool:
    following = text[match.end() - 1 :].split(maxsplit=2)
    word = fold(following[0]) if following else ""
    if following and _names_nothing(following[0].strip(",.;:!?")):
        return True
    if " ".join(fold(w.strip(",.;:!?")) for w in following[:2]) in _SERVICE_AFTER:
        return True
    if word.isdigit() and fold(match.group(1)) == "xa":  # "làm ăn xa 5 tháng": only phường take numbers
        return True
    if word == "hoi" and fold(match.group(1)) == "xa":
        before = fold(text[: match.start()]).replace("-", " ").split()
        after = fold(following[1]) if len(following) > 1 else ""
        return (
            " ".join(before[-2:]) in _SOCIETY_BEFORE or (before[-1:] and before[-1] in _SOCIETY_BEFORE)
            or after in _SOCIETY_AFTER
        )
    return False


def extract_address(text: str) -> str | None:
    """The address part of a message, from the first unit word to the end of the address."""
    text = nfc(text)
    accented = has_diacritics(text)
    start = next(
        (
            m for m in _UNIT_START.finditer(text)
            # In a message typed with diacritics, "xa" is "far" ("đi làm ăn xa 5 tháng"), not "xã".
            if not (accented and not has_diacritics(m.group(1))) and not _is_common_word_after(text, m)
            and _names_a_known_unit(text, m)
        ),
        None,
    )
    if not start:
        return None
    rest = text[start.start() :]
    if known_unit_names():
        fragment = _known_units_from(rest, len(start.group(1).split()))
    else:
        # No tables: the address ends at the first word that starts the question.
        end = _STOP.search(rest, pos=len(start.group(0)))
        fragment = rest[: end.start() if end else len(rest)]
    fragment = collapse_spaces(fragment.strip(" ,.-"))
    return fragment or None


#: A unit word that continues an address ("phường 3, quận 5", "xã Công Hải huyện Thuận Nam").
_NEXT_UNIT = re.compile(
    r"(thành phố|thị trấn|thị xã|tp\.?|tỉnh|huyện|quận|xã|phường|thanh pho|thi tran|thi xa|tinh|huyen|quan|xa|phuong)$",
    re.IGNORECASE,
)


def _known_units_from(rest: str, unit_words: int) -> str:
    """The address at the start of ``rest`` (which begins with a unit word of ``unit_words``
    words): that unit's name, then each higher unit named after it, with its unit word ("…,
    huyện Thuận Nam") or after a comma (", Gia Nghĩa, Đắk Nông"). The address ends where the
    names of real units end: "phường Đông Hải, tạm trú tuần sau hết hạn" is "phường Đông Hải",
    and the rest is the question."""
    tokens = list(re.finditer(r"\S+", rest))
    words = [t.group() for t in tokens]
    last = unit_words + _known_name_length(words[unit_words:]) - 1
    while last + 1 < len(words):
        nxt = last + 1
        extended = _unit_named_at(words, nxt)
        if extended is None and (words[last].endswith(",") or rest[tokens[last].end() : tokens[nxt].start()].strip() == ","):
            named = _known_name_length(words[nxt:])
            extended = nxt + named - 1 if named else None
        if extended is None:
            break
        last = extended
    return rest[: tokens[last].end()]


def _unit_named_at(words: list[str], at: int) -> int | None:
    """Index of the last word of "unit word + real name" starting at ``at`` ("quận 5",
    "tỉnh Ninh Thuận"), or None."""
    for size in (2, 1):  # "thành phố", "thị xã" before "tỉnh", "xã"
        if at + size < len(words) and _NEXT_UNIT.match(" ".join(words[at : at + size]).strip(",.;:!?")):
            named = _known_name_length(words[at + size :])
            if named:
                return at + size + named - 1
    return None


def without_address(text: str, fragment: str) -> str:
    """``text`` with the address ``fragment`` (and a trailing "cũ" marking it old) removed."""
    pattern = re.escape(fragment) + r"(\s+(cũ|cu)\b)?"
    return collapse_spaces(re.sub(pattern, " ", nfc(text), count=1, flags=re.IGNORECASE))


@lru_cache(maxsize=1)
def _converter():  # type: ignore[no-untyped-def]
    from underthesea import convert_address

    return convert_address


def convert_old_address(address: str) -> tuple[str, str] | None:
    """Current ``(commune, province)`` for an address, or None when it cannot be mapped."""
    result = _converter()(address)
    if result.new.ward and result.new.province:
        return result.new.ward, result.new.province
    return None


def _service_point(session: Session, commune: str, province: str) -> ServicePointInfo | None:
    row = session.scalar(
        select(CommuneServicePoint).where(CommuneServicePoint.commune_key == commune_key(commune, province))
    )
    return _info(row) if row else None


def _info(row: CommuneServicePoint) -> ServicePointInfo:
    return ServicePointInfo(row.commune, row.province, row.service_point, row.address, row.phone, row.opening_hours)


def _current_commune_named_in(session: Session, text: str) -> CommuneServicePoint | None:
    """A commune of ours whose current name appears in the text (already-new addresses)."""
    folded = f" {fold(text)} "
    best: CommuneServicePoint | None = None
    for row in session.scalars(select(CommuneServicePoint)):
        name = fold(row.commune)
        bare = name.split(" ", 1)[1] if " " in name else name
        if f" {name} " in folded and (best is None or len(row.commune) > len(best.commune)) or len(bare.split()) >= 2 and f" {bare} " in folded and best is None:
            best = row
    return best


def resolve_address(session: Session, text: str) -> ResolvedAddress | None:
    """Resolve the commune named in ``text`` (old or new name) and its service point."""
    fragment = extract_address(text)
    if fragment:
        converted = convert_old_address(fragment)
        if converted:
            commune, province = converted
            point = _service_point(session, commune, province)
            was_renamed = fold(commune) not in fold(fragment)
            return ResolvedAddress(fragment, commune, province, was_renamed, point)
    row = _current_commune_named_in(session, text)
    if row is not None:
        return ResolvedAddress(fragment or row.commune, row.commune, row.province, False, _info(row))
    return None
