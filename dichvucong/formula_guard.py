"""Keep spreadsheet cells from running as formulas (CSV injection), and undo our own guard.

Excel, LibreOffice and Google Sheets treat a cell starting with ``= + - @`` (or a tab or
carriage return before one) as a formula. Text officials or citizens typed is written with
a leading apostrophe in CSV (OWASP's advice), and as a text cell with Excel's "quote
prefix" in XLSX (see :func:`dichvucong.console.services.transfer.to_xlsx`).

So that our own export imports back to exactly the original text, a cell that already starts
with an apostrophe is guarded too, and :func:`unguard_cell` removes exactly one apostrophe
when it stands before a formula character or another apostrophe.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def needs_guard(text: str) -> bool:
    return text.startswith(FORMULA_START) or text.startswith(GUARD)


def guard_cell(value: object) -> str:
    """The cell as CSV text that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return GUARD + text if needs_guard(text) else text


def unguard_cell(text: str) -> str:
    """The original text of a cell :func:`guard_cell` wrote; other text is left as it is."""
    if text.startswith(GUARD) and needs_guard(text[1:]):
        return text[1:]
    return text
