"""Turn Vietnamese text into search terms: folded syllables and syllable pairs.

Vietnamese words are mostly one or two syllables ("khai sinh", "căn cước"). Indexing each
folded syllable plus each pair of neighbouring syllables matches compound words whether or
not the citizen typed diacritics, without depending on how a segmenter splits unaccented
text. Question words ("bao nhiêu", "ở đâu", "giấy tờ gì") carry the *aspect*, not the
procedure, so they are stop words here. Diacritics, when the citizen typed them, decide
whether a syllable whose folded form is a stop word is one ("thế") or a content word
("thẻ"): see ``CONTENT_READINGS``.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from dichvucong.search.synonyms import Canonicalizer
from dichvucong.text.normalize import normalize_text, strip_accents

STOPWORDS: frozenset[str] = frozenset(
    ["a", "ah", "ak", "ba", "ban", "bao", "bay", "be", "bi", "biet", "bo", "buoc", "cac", "cach", "cai", "can", "cang", "cha", "chi", "chiu", "cho", "chu", "chua", "co", "con", "cua", "cuoi", "da", "dau", "day", "de", "den", "deu", "di", "dia", "diem", "do", "doi", "du", "duoc", "gi", "gio", "giup", "hay", "het", "hien", "hoi", "ha", "hom", "hu", "khi", "khoang", "kia", "ko", "khong", "la", "lai", "lam", "lau", "len", "le", "luc", "ma", "may", "minh", "moi", "mot", "muon", "nao", "nay", "ne", "neu", "ngay", "nhe", "nhi", "nhieu", "nhu", "nhung", "no", "noi", "nop", "o", "oi", "ong", "phai", "phi", "qua", "ra", "rang", "rat", "roi", "sao", "se", "sau", "so", "sang", "ta", "tai", "tam", "the", "theo", "thi", "thoi", "thu", "thuc", "thuong", "ti", "tien", "tinh", "to", "toi", "tra", "trong", "tu", "tuc", "va", "vao", "vay", "ve", "vi", "viec", "voi", "xin", "xong", "y", "gium", "dum", "hoac", "cung", "ho",
     "em", "e", "anh", "tui", "ad", "admin", "mn", "luon", "hong", "nhen", "nghen"]
)

# Forms of address, pronouns and particles of chat ("em", "anh chị", "tui", "ad", "luôn",
# "hông"): never a term alone, and in a question they pair only into pairs the index holds
# ("anh em" as siblings, "trẻ em", "em bé"); "tui em", "con em", "hông anh" are noise that no
# procedure or FAQ contains and that would only count against every unit's coverage.
SOFT_BREAKERS: frozenset[str] = frozenset(
    ["em", "e", "anh", "chi", "tui", "ad", "admin", "mn", "luon", "hong", "nhen", "nghen", "nha", "ha", "a", "ah", "ak"]
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
CONTENT_ASPECT_PHRASES: frozenset[str] = frozenset(
    [
        "truc tuyen", "nop online", "qua mang", "online duoc", "buu chinh", "qua buu dien",
        "bat buoc", "doi tuong", "tieu chuan", "duoc phep", "nghi dinh", "thong tu", "phap luat",
        "len cong an", "ra cong an", "ra uy ban", "len uy ban", "hay cong an", "hay uy ban", "cong an nao", "uy ban nao",
    ]
)


def _question_pattern() -> re.Pattern[str]:
    """Question phrases plus every phrase that names an aspect (they say *what*, not *which*),
    except those that are also content (``CONTENT_ASPECT_PHRASES``)."""
    from dichvucong.assistant.aspects import ASPECT_PHRASES

    phrases = set(QUESTION_PHRASES) | {p for group in ASPECT_PHRASES.values() for p in group}
    phrases -= CONTENT_ASPECT_PHRASES
    return re.compile(r"\b(" + "|".join(p.replace(" ", r"\s+") for p in sorted(phrases, key=len, reverse=True)) + r")\b")


_QUESTION_PHRASES = _question_pattern()


#: Accented readings that are content words although their folded form is a stop word or
#: a pair breaker: "thẻ" (card) folds to "the" like "thế" (so), "máy" (xe máy) to "may" like
#: "mấy" (how many), "bản" (bản sao) to "ban" like "bạn" (you). When the text carries its
#: diacritics, these count as content and pair with their neighbours ("thư viện", "trích
#: lục", "mã số"); without diacritics the folded reading is ambiguous and stays a stop word.
CONTENT_READINGS: frozenset[str] = frozenset(
    ["bà", "bản", "bán", "bố", "căn", "cán", "chủ", "chữ", "cơ", "dấu", "địa", "đề", "đẻ", "đền", "đỏ", "đổi",
     "hộ", "lẻ", "lễ", "lục", "mã", "máy", "nợ", "số", "sổ", "sở", "tài", "tạm", "thẻ", "thư", "thú", "tỉnh",
     "tình", "tội", "tờ", "tư", "tử", "vé", "vẽ", "ví", "vị", "hỏng"]
)

#: Suffix of a folded syllable read as content from its diacritics ("the" + CONTENT_MARK for
#: "thẻ"), and of one whose folded form is a stop word typed without diacritics (ambiguous).
CONTENT_MARK = "\u2020"
AMBIGUOUS_MARK = "\u2021"

# Punctuation ends a phrase: no syllable pair is formed across it ("khai sinh, kết hôn").
_SEGMENT_BREAKS = re.compile(r"[.,;:!?|()\[\]/\n\r\t\\\"“”]+")
_FUNCTION_FORMS = STOPWORDS | PAIR_BREAKERS


def _mark(folded: str, accented: str) -> str:
    """``folded`` with the mark its accented reading calls for (see ``CONTENT_MARK``)."""
    if folded not in _FUNCTION_FORMS:
        return folded
    if accented in CONTENT_READINGS:
        return folded + CONTENT_MARK
    return folded + AMBIGUOUS_MARK if accented == folded else folded


def plain(syllable: str) -> str:
    """A syllable without its reading mark."""
    return syllable.rstrip(CONTENT_MARK + AMBIGUOUS_MARK)


def _replace_spans(words: list[str], spans: list[tuple[int, int, list[str]]]) -> list[str]:
    """``words`` with each character span of their single-spaced plain text replaced by the
    given words (spans in order, not overlapping, at word boundaries)."""
    joined = " ".join(plain(w) for w in words)
    starts = [0] + [i + 1 for i, ch in enumerate(joined) if ch == " "]
    result: list[str] = []
    position = 0
    for start, end, replacement in spans:
        first = bisect_right(starts, start) - 1
        result.extend(words[position:first])
        result.extend(replacement)
        position = bisect_right(starts, max(end - 1, start))
    result.extend(words[position:])
    return result


def _marked_words(segment: str, synonyms: Canonicalizer | None) -> list[str]:
    """Folded, marked words of one phrase, synonyms made canonical, question phrases as "|"."""
    accented = normalize_text(segment).split()
    words = [_mark(strip_accents(a), a) for a in accented]
    if not words:
        return words
    if synonyms is not None:
        spans = synonyms.spans(" ".join(plain(w) for w in words))
        words = _replace_spans(
            words,
            [
                (start, end, [_mark(f, a) for f, a in zip(canonical.split(), synonyms.accented(canonical).split(), strict=False)])
                for start, end, canonical in spans
            ],
        )
    joined = " ".join(plain(w) for w in words)
    return _replace_spans(words, [(m.start(), m.end(), ["|"]) for m in _QUESTION_PHRASES.finditer(joined)])


def syllables_of(text: str, synonyms: Canonicalizer | None = None) -> list[str]:
    """Folded syllables of ``text``, synonyms made canonical, question phrases removed
    (they mark a break). A syllable whose folded form is a stop word carries a mark for how
    its diacritics read it (see ``CONTENT_MARK``)."""
    result: list[str] = []
    for segment in _SEGMENT_BREAKS.split(text):
        words = _marked_words(segment, synonyms)
        if result and words:
            result.append("|")
        result.extend(words)
    return result


def _is_content(syllable: str) -> bool:
    return syllable.endswith(CONTENT_MARK) or (plain(syllable) not in STOPWORDS)


def _pairs_with(syllable: str) -> bool:
    return syllable.endswith(CONTENT_MARK) or (plain(syllable) not in PAIR_BREAKERS)


def terms(
    syllables: list[str],
    content_pairs: frozenset[str] | set[str] = frozenset(),
    known_pairs: frozenset[str] | set[str] | None = None,
) -> list[str]:
    """Search terms of a syllable sequence: content syllables and neighbouring pairs.

    ``content_pairs`` are pairs the index formed from content readings ("xe_may" from "xe
    máy"): a question typed without diacritics still forms them ("xe may"), and only them.
    A stop word typed without diacritics next to a content reading pairs with it ("bản sao").
    ``known_pairs`` (for a question): the index's pairs; a pair with a word of chat
    (``SOFT_BREAKERS``) is kept only when it is one of them.
    """
    result: list[str] = []
    for index, syllable in enumerate(syllables):
        if syllable == "|":
            continue
        bare = plain(syllable)
        if _is_content(syllable) and len(bare) > 1:
            result.append(bare)
        if index + 1 < len(syllables):
            nxt = syllables[index + 1]
            if nxt == "|":
                continue
            pair = f"{bare}_{plain(nxt)}"
            if known_pairs is not None and pair not in known_pairs and (bare in SOFT_BREAKERS or plain(nxt) in SOFT_BREAKERS):
                continue
            if _pairs_with(syllable) and _pairs_with(nxt):
                result.append(pair)
            elif all(_pairs_with(s) or s.endswith(AMBIGUOUS_MARK) for s in (syllable, nxt)) and (
                CONTENT_MARK in syllable + nxt or pair in content_pairs
            ):
                # "bản sao": a content reading pairs with a neighbour typed without marks;
                # "ban sao" typed without any forms the pair the index knows.
                result.append(pair)
    return result


def breaks_by_fold(pair: str) -> bool:
    """True for a pair the folded rules alone would not form ("xe_may"): it comes from a
    content reading."""
    return any(part in PAIR_BREAKERS for part in pair.split("_"))


def is_pair(term: str) -> bool:
    """True for a syllable-pair term such as ``khai_sinh``."""
    return "_" in term


def analyze(text: str, synonyms: Canonicalizer | None = None) -> list[str]:
    """Search terms of ``text``."""
    return terms(syllables_of(text, synonyms))
