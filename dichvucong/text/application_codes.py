"""Recognise one-stop application codes in what citizens type (standard library only).

A code looks like ``000.00.04.H51-251120-0007``: the receiving agency's code (three digit
groups and a letter with two digits), the date received as ``yyMMdd`` and a serial (four
digits; up to six are accepted for systems with long serials). Citizens type it in lower
case, with stray spaces ("000.00.04.h51 - 251120 - 0007"), with spaces instead of the
punctuation ("000 00 04 H51 251120 0007") or inside a sentence. Every group has a fixed width
(only the serial, last, may be longer), so these spellings are read without ambiguity; the
date part must be a real calendar date.

It lives here, beside the other text handling, because both sides read codes: the Rasa NLU
component that turns any message with a code into a status lookup (the Rasa image ships only
``dichvucong.text``) and the lookup service (``dichvucong.applications.codes``).
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


def prepare(text: str) -> str:
    """Unify width (full-width digits) and dash variants before matching."""
    return unicodedata.normalize("NFKC", text or "").translate(_DASHES)


def is_real_date(yymmdd: str) -> bool:
    """True when ``yymmdd`` is a calendar date of this century (the code's "received" part)."""
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
    for match in CODE_PATTERN.finditer(prepare(text)):
        code = _canonical(match)
        if is_real_date(match.group(5)) and code not in found:
            found.append(code)
    return found


def extract_application_code(text: str) -> str | None:
    """The first well-formed code in ``text``, normalised (``000.00.04.H51-251120-0007``)."""
    codes = extract_application_codes(text)
    return codes[0] if codes else None


def normalize_code(value: str) -> str | None:
    """``value`` as a canonical code when the whole string is one code (any spelling), else None."""
    prepared = prepare(value).strip()
    match = CODE_PATTERN.fullmatch(prepared)
    if match is None or not is_real_date(match.group(5)):
        return None
    return _canonical(match)


def is_valid_code(code: str) -> bool:
    """True for a code in canonical form: upper case, ``.`` and ``-`` in place, a real date."""
    match = CANONICAL_CODE.fullmatch(code or "")
    return bool(match) and is_real_date(match.group(1))
