"""Read application codes and phone digits out of what citizens type.

The code itself (``000.00.04.H51-251120-0007``, in any of the spellings citizens use) is
recognised in :mod:`dichvucong.text.application_codes`, shared with the NLU component; this
module adds what only the lookup needs: telling a mistyped code from a message without one.

Phone digits: :func:`extract_phone_last4` accepts exactly four digits *or* a whole Vietnamese
phone number, of which it keeps the last four (a citizen who pastes the full number should not
be told off; the number is never stored). Any other run of digits is refused.
"""

from __future__ import annotations

import re

from dichvucong.text.application_codes import (
    CANONICAL_CODE,
    CODE_PATTERN,
    extract_application_code,
    extract_application_codes,
    is_valid_code,
    normalize_code,
    prepare,
)

# Fragments that show the citizen was trying to type a code (used when no full code is found).
_ATTEMPT_PATTERNS = (
    re.compile(r"(?<![0-9])\d{3}\s*[.,]\s*\d{2}\s*[.,]\s*\d{2}(?![0-9])"),  # 000.00.04
    re.compile(r"(?<![0-9])\d{2}\s*\.\s*[A-Za-z]\d{2}(?![0-9])"),  # 04.H51
    re.compile(r"(?<![0-9A-Za-z])[A-Za-z]\d{2}\s*-\s*\d{3,}"),  # H51-2511
    re.compile(r"-\s*\d{5,7}\s*-\s*\d{2,7}(?![0-9])"),  # -251120-0007
)

_DIGIT_GROUP = re.compile(r"\+?\d(?:[ .\-]?\d)*")
_DIGIT_RUN = re.compile(r"\d+")


def looks_like_code_attempt(text: str) -> bool:
    """True when ``text`` holds no valid code but something code-shaped (explain the format)."""
    if extract_application_codes(text):
        return False
    prepared = prepare(text)
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
    prepared = CODE_PATTERN.sub(" ", prepare(text))
    candidates: list[str] = []
    for group in _DIGIT_GROUP.findall(prepared):
        for candidate in _digit_candidates(group):
            if candidate not in candidates:
                candidates.append(candidate)
    return candidates[0] if len(candidates) == 1 else None


__all__ = [
    "CANONICAL_CODE",
    "CODE_PATTERN",
    "extract_application_code",
    "extract_application_codes",
    "extract_phone_last4",
    "is_valid_code",
    "looks_like_code_attempt",
    "normalize_code",
]
