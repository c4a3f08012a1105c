"""Hide personal data: phone numbers, citizen ID numbers and application codes.

:func:`mask_phone` and :func:`mask_code` are for text people read (console, reports);
:class:`SensitiveDataFilter` rewrites every log record so that logs never hold a phone number,
a 12-digit citizen ID (số định danh / CCCD) or a full application code.
"""

from __future__ import annotations

import logging
import re

from dichvucong.applications.codes import CODE_PATTERN, normalize_code

_PHONE = re.compile(r"(?<![\d+])(?:\+84|84|0)(?:[ .\-]?\d){9}(?!\d)")
_CITIZEN_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")


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


def mask_sensitive(text: str) -> str:
    """Mask every application code, citizen ID and phone number found in ``text``."""
    text = CODE_PATTERN.sub(_mask_code_match, text)
    text = _CITIZEN_ID.sub(lambda m: "*" * 9 + m.group(0)[-3:], text)
    return _PHONE.sub(lambda m: mask_phone(re.sub(r"[ .\-]", "", m.group(0))), text)


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
