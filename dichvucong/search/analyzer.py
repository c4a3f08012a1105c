"""Turn Vietnamese text into search terms: folded syllables and syllable pairs.

Vietnamese words are mostly one or two syllables ("khai sinh", "căn cước"). Indexing each
folded syllable plus each pair of neighbouring syllables matches compound words whether or
not the citizen typed diacritics, without depending on how a segmenter splits unaccented
text. Question words ("bao nhiêu", "ở đâu", "giấy tờ gì") carry the *aspect*, not the
procedure, so they are stop words here.
"""

from __future__ import annotations

import re

from dichvucong.search.synonyms import Canonicalizer
from dichvucong.text.normalize import fold

STOPWORDS: frozenset[str] = frozenset(
    ["a", "ah", "ak", "ba", "ban", "bao", "bay", "be", "bi", "biet", "bo", "buoc", "cac", "cach", "cai", "can", "cang", "cha", "chi", "chiu", "cho", "chu", "chua", "co", "con", "cua", "cuoi", "da", "dau", "day", "de", "den", "deu", "di", "dia", "diem", "do", "doi", "du", "duoc", "gi", "gio", "giup", "hay", "het", "hien", "hoi", "ha", "hom", "hu", "khi", "khoang", "kia", "ko", "khong", "la", "lai", "lam", "lau", "len", "le", "luc", "ma", "may", "minh", "moi", "mot", "muon", "nao", "nay", "ne", "neu", "ngay", "nhe", "nhi", "nhieu", "nhu", "nhung", "no", "noi", "nop", "o", "oi", "ong", "phai", "phi", "qua", "ra", "rang", "rat", "roi", "sao", "se", "sau", "so", "sang", "ta", "tai", "tam", "the", "theo", "thi", "thoi", "thu", "thuc", "thuong", "ti", "tien", "tinh", "to", "toi", "tra", "trong", "tu", "tuc", "va", "vao", "vay", "ve", "vi", "viec", "voi", "xin", "xong", "y", "gium", "dum", "hoac", "cung", "ho"]
)

# Words that never belong to a procedure's name: a pair containing one is not a term.
# Everything else may pair, so "mất căn cước", "cấp lại", "hết hạn", "y tế" stay matchable.
PAIR_BREAKERS: frozenset[str] = frozenset(
    ["a", "ah", "ak", "ban", "cach", "cho", "co", "da", "day", "de", "den", "duoc", "gi", "gio", "giup", "hay", "hoi", "khi", "khong", "ko", "la", "lau", "len", "luc", "ma", "may", "muon", "nao", "nay", "ne", "neu", "ngay", "nhe", "nhi", "nhieu", "nhu", "nhung", "no", "nop", "o", "oi", "phai", "phi", "le", "ra", "roi", "sao", "se", "thi", "thoi", "tien", "toi", "trong", "tuc", "thu", "va", "vay", "ve", "voi", "xin", "gium", "dum"]
)


# Question phrases that name the aspect ("mất bao nhiêu tiền", "nộp ở đâu"). They are cut
# out before matching, so "mất" left in the question means "lost" ("mất căn cước").
QUESTION_PHRASES: tuple[str, ...] = (
    "mat bao nhieu tien", "mat bao nhieu ngay", "mat bao nhieu", "mat bao lau", "mat may ngay", "mat may thang",
    "mat phi", "mat tien", "het bao nhieu tien", "het bao nhieu", "ton bao nhieu", "bao nhieu tien",
    "bao nhieu ngay", "bao nhieu", "bao lau", "may ngay", "can giay to gi", "can nhung giay to gi",
    "can nhung gi", "can mang gi", "can mang theo gi", "giay to gi", "can gi", "nop o dau", "lam o dau", "o dau",
    "cho nao", "noi nao", "nhu the nao", "the nao", "lam sao", "ra sao", "duoc khong", "co duoc khong", "co can",
    "co phai", "khong a", "vay a", "a", "nhe", "oi", "giay to", "nhung gi", "thi sao", "ho so", "le phi",
    "thu tuc", "con thi sao", "the con", "thi lay duoc", "lay duoc giay", "lay giay",
    # where / what documents, as citizens say it ("ra đâu làm", "hồ sơ gồm những gì")
    "ra dau lam", "ra dau", "lam cho nao", "nop cho nao", "di dau", "gom nhung gi", "gom nhung giay to gi",
    "gom gi", "can nhung giay to nao", "can giay to nao", "giay to nao", "can chuan bi gi", "chuan bi gi",
    "bao gio", "khi nao", "co mat phi khong", "co ton phi khong", "co mat tien khong", "lam gi", "gi",
)

# Aspect phrases that also say *which* question it is: "khai sinh trực tuyến" is an FAQ of
# its own, not the place of "đăng ký khai sinh". They name the aspect and stay search terms.
CONTENT_ASPECT_PHRASES: frozenset[str] = frozenset(["truc tuyen", "nop online", "qua mang"])


def _question_pattern() -> re.Pattern[str]:
    """Question phrases plus every phrase that names an aspect (they say *what*, not *which*),
    except those that are also content (``CONTENT_ASPECT_PHRASES``)."""
    from dichvucong.assistant.aspects import ASPECT_PHRASES

    phrases = set(QUESTION_PHRASES) | {p for group in ASPECT_PHRASES.values() for p in group}
    phrases -= CONTENT_ASPECT_PHRASES
    return re.compile(r"\b(" + "|".join(p.replace(" ", r"\s+") for p in sorted(phrases, key=len, reverse=True)) + r")\b")


_QUESTION_PHRASES = _question_pattern()


# Punctuation ends a phrase: no syllable pair is formed across it ("khai sinh, kết hôn").
_SEGMENT_BREAKS = re.compile(r"[.,;:!?|()\[\]/\n\r\t\\\"“”]+")


def syllables_of(text: str, synonyms: Canonicalizer | None = None) -> list[str]:
    """Folded syllables of ``text``, synonyms made canonical, question phrases removed
    (they mark a break)."""
    result: list[str] = []
    for segment in _SEGMENT_BREAKS.split(text):
        folded = fold(segment)
        if synonyms is not None:
            folded = synonyms.apply(folded)
        folded = _QUESTION_PHRASES.sub(" | ", folded)
        if result and folded.strip():
            result.append("|")
        result.extend(folded.split())
    return result


def terms(syllables: list[str]) -> list[str]:
    """Search terms of a syllable sequence: content syllables and neighbouring pairs."""
    result: list[str] = []
    for index, syllable in enumerate(syllables):
        if syllable == "|":
            continue
        if syllable not in STOPWORDS and len(syllable) > 1:
            result.append(syllable)
        if index + 1 < len(syllables):
            nxt = syllables[index + 1]
            if syllable not in PAIR_BREAKERS and nxt not in PAIR_BREAKERS and "|" not in (syllable, nxt):
                result.append(f"{syllable}_{nxt}")
    return result


def is_pair(term: str) -> bool:
    """True for a syllable-pair term such as ``khai_sinh``."""
    return "_" in term


def analyze(text: str, synonyms: Canonicalizer | None = None) -> list[str]:
    """Search terms of ``text``."""
    return terms(syllables_of(text, synonyms))
