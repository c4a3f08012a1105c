"""Hide personal data: phone numbers, ID numbers, e-mail addresses and application codes.

:func:`mask_phone` and :func:`mask_code` are for text people read (console, reports);
:func:`mask_sensitive` (used by the review pages and by :class:`SensitiveDataFilter`, which
rewrites every log record) finds every shape citizens type: 12-digit citizen IDs (CCCD / số
định danh), 9-digit old ID numbers (CMND), phone numbers with spaces, dots, dashes, brackets
or +84, e-mail addresses, full-width digits (the text is NFKC-normalised first), and
application codes (whose date part is hidden, and whose digits are never taken for a phone).
"""

from __future__ import annotations

import logging
import re
import unicodedata

from dichvucong.applications.codes import CODE_PATTERN, normalize_code

_SEP = r"[ .\-\u00a0]"
# A Vietnamese number: 0 + 9 or 10 digits, or 84 / +84 / (+84) + 9 or 10 digits (a leading 0
# after the country code is tolerated), with separators and an area code in brackets allowed.
_PHONE = re.compile(
    r"(?<![\w+*])"
    r"(?:\(\s*\+?84\s*\)|\+84|(?<![\d.])84(?=[ .\-]?\(?[1-9])|\(0|0)"
    r"(?:[ .\-()\u00a0]{0,2}\d){8,11}"
    r"(?![\d*])"
)
_CITIZEN_ID = re.compile(r"(?<![\d*])(?:\d{12}|\d{3} \d{3} \d{3} \d{3}|\d{4} \d{4} \d{4})(?![\d*])")
_OLD_ID = re.compile(r"(?<![\d*.,])(?:\d{9}|\d{3} \d{3} \d{3})(?![\d*]|[.,]\d)")
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)")


def _valid_phone_digits(digits: str) -> bool:
    if digits.startswith("84"):
        rest = digits[2:].removeprefix("0")
        return len(rest) in (9, 10)
    return digits.startswith("0") and len(digits) in (10, 11)


def mask_phone(phone: str) -> str:
    """``"0912345678"`` → ``"091****678"``: first three and last three characters stay."""
    value = (phone or "").strip()
    if len(value) <= 6:
        return "*" * max(len(value) - 2, 0) + value[-2:]
    return value[:3] + "*" * (len(value) - 6) + value[-3:]


def mask_code(code: str) -> str:
    """``"000.00.04.H51-251120-0007"`` → ``"000.00.04.H51-******-**07"`` (agency stays)."""
    canonical = normalize_code(code or "")
    if canonical is None:
        value = (code or "").strip()
        return "*" * max(len(value) - 2, 0) + value[-2:]
    agency, day, serial = canonical.split("-")
    return f"{agency}-{'*' * len(day)}-{'*' * (len(serial) - 2)}{serial[-2:]}"


def _mask_code_match(match: re.Match[str]) -> str:
    a, b, c, unit, day, serial = match.groups()
    return f"{a}.{b}.{c}.{unit.upper()}-{'*' * len(day)}-{'*' * (len(serial) - 2)}{serial[-2:]}"


def _mask_phone_match(match: re.Match[str]) -> str:
    raw = match.group(0)
    digits = re.sub(r"\D", "", raw)
    if not _valid_phone_digits(digits):
        return raw
    return ("+" if raw.lstrip("( ").startswith("+") else "") + mask_phone(digits)


def _mask_email(match: re.Match[str]) -> str:
    local, domain = match.groups()
    return f"{local[0]}***@{domain}"


def mask_sensitive(text: str) -> str:
    """Mask every application code, e-mail, phone number and ID number found in ``text``."""
    text = unicodedata.normalize("NFKC", text or "")
    text = CODE_PATTERN.sub(_mask_code_match, text)
    text = _EMAIL.sub(_mask_email, text)
    text = _PHONE.sub(_mask_phone_match, text)
    text = _CITIZEN_ID.sub(lambda m: "*" * 9 + re.sub(r"\D", "", m.group(0))[-3:], text)
    return _OLD_ID.sub(lambda m: "*" * 6 + re.sub(r"\D", "", m.group(0))[-3:], text)


class SensitiveDataFilter(logging.Filter):
    """Rewrites each record's message (and traceback text) with personal data masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is logging's to report
            return True
        record.msg, record.args = mask_sensitive(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_sensitive(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_sensitive(record.stack_info)
        return True


def _add_once(target: logging.Logger | logging.Handler, log_filter: SensitiveDataFilter) -> None:
    if not any(isinstance(f, SensitiveDataFilter) for f in target.filters):
        target.addFilter(log_filter)


def install_log_masking(logger: logging.Logger | None = None) -> SensitiveDataFilter:
    """Attach the filter to ``logger`` (default: root) and its handlers; call after logging setup.

    With no argument, handlers of every logger created so far get it too, so records that
    reach any configured handler are masked. Calling it again does not add a second filter.
    """
    log_filter = SensitiveDataFilter()
    loggers = [logger] if logger is not None else [logging.getLogger()]
    if logger is None:
        loggers += [item for item in logging.Logger.manager.loggerDict.values() if isinstance(item, logging.Logger)]
    for item in loggers:
        _add_once(item, log_filter)
        for handler in item.handlers:
            _add_once(handler, log_filter)
    return log_filter
