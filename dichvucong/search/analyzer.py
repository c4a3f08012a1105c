"""Turn Vietnamese text into search terms: folded syllables and syllable pairs.

Vietnamese words are mostly one or two syllables ("khai sinh", "căn cước"). Indexing each
folded syllable plus each pair of neighbouring syllables matches compound words whether or
not the citizen typed diacritics, without depending on how a segmenter splits unaccented
text. Question words ("bao nhiêu", "ở đâu", "giấy tờ gì") carry the *aspect*, not the
procedure, so they are stop words here.
"""

from __future__ import annotations

from dichvucong.text.normalize import fold

STOPWORDS: frozenset[str] = frozenset(
    """
    a ah ak ba ban bao bay be bi biet bo buoc cac cach cai can cang cha chi chiu cho chu chua co
    con cua cuoi da dau day de den deu di dia diem do doi du duoc gi gio giup hay het hien
    hoi ha hom hu khi khoang kia ko khong la lai lam lau len le luc ma mat may minh moi mot
    muon nao nay ne neu ngay nhe nhi nhieu nhu nhung no noi nop o oi ong phai phi qua ra rang
    rat roi sao se sau so sang ta tai tam the theo thi thoi thu thuc thuong ti tien tinh to toi
    tra trong tu tuc va vao vay ve vi viec voi xin xong y gium dum hoac cung ho
    """.split()
)

# Words that never belong to a procedure's name: a pair containing one is not a term.
# Everything else may pair, so "mất căn cước", "cấp lại", "hết hạn", "y tế" stay matchable.
PAIR_BREAKERS: frozenset[str] = frozenset(
    """
    a ah ak ban cach cho co cua da day de den duoc gi gio giup hay hoi khi khong ko
    la lau len luc ma may muon nao nay ne neu ngay nhe nhi nhieu nhu nhung no nop o oi
    phai phi le ra roi sao se thi thoi tien toi trong tuc thu va vay ve voi xin gium dum
    """.split()
)


def syllables_of(text: str) -> list[str]:
    """Folded syllables of ``text`` (abbreviations expanded, punctuation dropped)."""
    return fold(text).split()


def terms(syllables: list[str]) -> list[str]:
    """Search terms of a syllable sequence: content syllables and neighbouring pairs."""
    result: list[str] = []
    for index, syllable in enumerate(syllables):
        if syllable not in STOPWORDS and len(syllable) > 1:
            result.append(syllable)
        if index + 1 < len(syllables):
            nxt = syllables[index + 1]
            if syllable not in PAIR_BREAKERS and nxt not in PAIR_BREAKERS:
                result.append(f"{syllable}_{nxt}")
    return result


def is_pair(term: str) -> bool:
    """True for a syllable-pair term such as ``khai_sinh``."""
    return "_" in term


def analyze(text: str) -> list[str]:
    """Search terms of ``text``."""
    return terms(syllables_of(text))
