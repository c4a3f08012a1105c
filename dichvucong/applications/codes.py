"""Read application codes and phone digits out of what citizens type.

A one-stop application code looks like ``000.00.04.H51-251120-0007``: the receiving agency's
code (three digit groups and a letter with two digits), the date received as ``yyMMdd`` and a
serial (four digits; up to six are accepted for systems with long serials). Citizens type it
in lower case, with stray spaces ("000.00.04.h51 - 251120 - 0007"), with spaces instead of
the punctuation ("000 00 04 H51 251120 0007") or inside a sentence. Every group has a fixed
width (only the serial, last, may be longer), so these spellings are read without ambiguity;
the date part must be a real calendar date.

Phone digits: :func:`extract_phone_last4` accepts exactly four digits *or* a whole Vietnamese
phone number, of which it keeps the last four (a citizen who pastes the full number should not
be told off; the number is never stored). Any other run of digits is refused.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"})

# Separators tolerated inside the agency part, and between agency, date and serial.
_AGENCY_SEP = r"[ \t.,]{0,3}"
_PART_SEP = r"[ \t.\-_/]{0,4}"

CODE_PATTERN = re.compile(
    r"(?<![0-9A-Za-z])"
    rf"(\d{{3}}){_AGENCY_SEP}(\d{{2}}){_AGENCY_SEP}(\d{{2}}){_AGENCY_SEP}([A-Za-z]\d{{2}})"
    rf"{_PART_SEP}(\d{{6}}){_PART_SEP}(\d{{4,6}})"
    r"(?![0-9])"
)
CANONICAL_CODE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-(\d{6})-\d{4,6}$")

# Fragments that show the citizen was trying to type a code (used when no full code is found).
_ATTEMPT_PATTERNS = (
    re.compile(r"(?<![0-9])\d{3}\s*[.,]\s*\d{2}\s*[.,]\s*\d{2}(?![0-9])"),  # 000.00.04
    re.compile(r"(?<![0-9])\d{2}\s*\.\s*[A-Za-z]\d{2}(?![0-9])"),  # 04.H51
    re.compile(r"(?<![0-9A-Za-z])[A-Za-z]\d{2}\s*-\s*\d{3,}"),  # H51-2511
    re.compile(r"-\s*\d{5,7}\s*-\s*\d{2,7}(?![0-9])"),  # -251120-0007
)

_DIGIT_GROUP = re.compile(r"\+?\d(?:[ .\-]?\d)*")
_DIGIT_RUN = re.compile(r"\d+")


def _prepare(text: str) -> str:
    """Unify width (full-width digits) and dash variants before matching."""
    return unicodedata.normalize("NFKC", text or "").translate(_DASHES)


def _is_real_date(yymmdd: str) -> bool:
    try:
        date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
    except ValueError:
        return False
    return True


def _canonical(match: re.Match[str]) -> str:
    a, b, c, unit, day, serial = match.groups()
    return f"{a}.{b}.{c}.{unit.upper()}-{day}-{serial}"


def extract_application_codes(text: str) -> list[str]:
    """Every well-formed code in ``text``, normalised, in order of appearance, without repeats."""
    found: list[str] = []
    for match in CODE_PATTERN.finditer(_prepare(text)):
        code = _canonical(match)
        if _is_real_date(match.group(5)) and code not in found:
            found.append(code)
    return found


def extract_application_code(text: str) -> str | None:
    """The first well-formed code in ``text``, normalised (``000.00.04.H51-251120-0007``)."""
    codes = extract_application_codes(text)
    return codes[0] if codes else None


def normalize_code(value: str) -> str | None:
    """``value`` as a canonical code when the whole string is one code (any spelling), else None."""
    prepared = _prepare(value).strip()
    match = CODE_PATTERN.fullmatch(prepared)
    if match is None or not _is_real_date(match.group(5)):
        return None
    return _canonical(match)


def is_valid_code(code: str) -> bool:
    """True for a code in canonical form: upper case, ``.`` and ``-`` in place, a real date."""
    match = CANONICAL_CODE.fullmatch(code or "")
    return bool(match) and _is_real_date(match.group(1))


def looks_like_code_attempt(text: str) -> bool:
    """True when ``text`` holds no valid code but something code-shaped (explain the format)."""
    if extract_application_codes(text):
        return False
    prepared = _prepare(text)
    return any(pattern.search(prepared) for pattern in _ATTEMPT_PATTERNS)


def _phone_last4(digits: str) -> str | None:
    """Last four digits of a whole Vietnamese number (0xxxxxxxxx[x] or 84xxxxxxxxx)."""
    if digits.startswith("0") and len(digits) in (10, 11):
        return digits[-4:]
    if digits.startswith("84") and len(digits) in (11, 12):
        return digits[-4:]
    return None


def _digit_candidates(group: str) -> list[str]:
    """Four-digit answers one group of digits can stand for (a group may hold spaces or dots)."""
    joined = re.sub(r"\D", "", group)
    if len(joined) == 4:
        return [joined]
    whole = _phone_last4(joined)
    if whole:
        return [whole]
    runs = _DIGIT_RUN.findall(group)
    if len(runs) == 1:  # one run, already judged as a whole above
        return []
    found = []
    for run in runs:  # "4 5678": the runs may make sense one by one
        candidate = run if len(run) == 4 else _phone_last4(run)
        if candidate:
            found.append(candidate)
    return found


def extract_phone_last4(text: str) -> str | None:
    """The four last phone digits the citizen gave, or None when absent or ambiguous.

    Accepts "5678", "4 số cuối là 5678", "5 6 7 8" and a whole number ("0912 345 678" →
    "5678"). Application codes in the same message are ignored (their serial is not a phone
    number). Two different candidates, or digit runs of any other length, give None.
    """
    prepared = CODE_PATTERN.sub(" ", _prepare(text))
    candidates: list[str] = []
    for group in _DIGIT_GROUP.findall(prepared):
        for candidate in _digit_candidates(group):
            if candidate not in candidates:
                candidates.append(candidate)
    return candidates[0] if len(candidates) == 1 else None
