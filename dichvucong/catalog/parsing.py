"""Parse the free-text fee and time fields of the national export into numbers.

The export keeps fees ("Lệ phí: 70.000 Đồng") and processing times ("7 Ngày làm việc") as
free text. We keep the text and add what can be parsed, so answers can be short and exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dichvucong.text.normalize import fold, nfc, strip_accents

_AMOUNT_RE = re.compile(
    r"(?P<amount>\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?P<currency>dong|vnd|d)\b(?:\s*/\s*(?P<unit>[a-z ]{1,20}))?"
)
_FREE_RE = re.compile(r"\b(mien|khong thu|khong mat)\b")
_DAYS_RE = re.compile(r"(?P<n>\d+(?:[.,]\d+)?)\s*(?P<kind>ngay lam viec|ngay|gio lam viec|gio)\b")
_MONTHS_RE = re.compile(r"\d+\s*thang\b")
_SAME_DAY_RE = re.compile(r"\b(trong ngay|ngay trong ngay|trong ngay lam viec)\b")


@dataclass(frozen=True)
class Fee:
    """A fee parsed from free text: amount in đồng (0 = free) and its unit ("trang", "lần")."""

    amount: int | None
    unit: str = ""


@dataclass(frozen=True)
class ProcessingTime:
    """A processing time: days (0 = same day) and whether they are working days."""

    days: float | None
    kind: str = ""  # "working", "calendar" or "" when unknown


def _fold_keep_punct(text: str) -> str:
    """Fold accents and case but keep punctuation; positions match ``nfc(text).lower()``."""
    return strip_accents(nfc(text).lower())


def parse_fee(text: str) -> Fee:
    """Parse ``"Lệ phí: 70.000 Đồng"`` → 70000; ``"Miễn lệ phí"`` → 0; unknown → None."""
    folded = _fold_keep_punct(text or "")
    match = _AMOUNT_RE.search(folded)
    if match:
        amount = int(re.sub(r"[.,]", "", match.group("amount")))
        unit = ""
        if match.group("unit"):
            original = nfc(text).lower()[match.start("unit") : match.end("unit")]
            unit = original.split()[0] if original.split() else ""
        return Fee(amount=amount, unit=unit)
    if _FREE_RE.search(fold(text or "")):
        return Fee(amount=0)
    return Fee(amount=None)


def parse_processing_time(*texts: str) -> ProcessingTime:
    """Parse the first of ``texts`` that states a time: ``"7 Ngày làm việc"`` → 7 working days."""
    for text in texts:
        folded = _fold_keep_punct(text or "")
        if _MONTHS_RE.search(folded):
            return ProcessingTime(days=None)
        if _SAME_DAY_RE.search(folded) and not re.search(r"\d", folded.split("trong ngay")[0]):
            return ProcessingTime(days=0, kind="working")
        match = _DAYS_RE.search(folded)
        if match:
            days = float(match.group("n").replace(",", "."))
            kind = match.group("kind")
            if kind.startswith("gio"):
                return ProcessingTime(days=round(days / 8, 2), kind="working")
            return ProcessingTime(days=days, kind="working" if "lam viec" in kind else "calendar")
    return ProcessingTime(days=None)


def format_amount(amount: int) -> str:
    """Vietnamese money format: 70000 → ``"70.000 đồng"``."""
    return f"{amount:,}".replace(",", ".") + " đồng"
