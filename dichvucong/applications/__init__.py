"""Citizens check the status of their application (hồ sơ), safely.

The chatbot actions need only: :func:`extract_application_code`, :func:`extract_phone_last4`,
:func:`looks_like_code_attempt`, :class:`StatusLookupService` (``verify``, ``check_lock``,
``subscribe``), :func:`make_source`, :func:`format_status` and :func:`format_code_help`.
"""

from dichvucong.applications.codes import (
    extract_application_code,
    extract_application_codes,
    extract_phone_last4,
    is_valid_code,
    looks_like_code_attempt,
    normalize_code,
)
from dichvucong.applications.formatting import format_code_help, format_status, format_status_change
from dichvucong.applications.lookup import LockState, LookupOutcome, LookupResult, StatusLookupService
from dichvucong.applications.masking import (
    SensitiveDataFilter,
    install_log_masking,
    mask_code,
    mask_phone,
    mask_sensitive,
)
from dichvucong.applications.records import ApplicationRecord, StatusEvent, StatusView
from dichvucong.applications.sources import (
    ApplicationSource,
    DatabaseSource,
    OneStopHttpSource,
    SourceUnavailable,
    make_source,
)
from dichvucong.applications.statuses import STATUS_LABELS, ApplicationStatus, parse_status

__all__ = [
    "STATUS_LABELS",
    "ApplicationRecord",
    "ApplicationSource",
    "ApplicationStatus",
    "DatabaseSource",
    "LockState",
    "LookupOutcome",
    "LookupResult",
    "OneStopHttpSource",
    "SensitiveDataFilter",
    "SourceUnavailable",
    "StatusEvent",
    "StatusLookupService",
    "StatusView",
    "extract_application_code",
    "extract_application_codes",
    "extract_phone_last4",
    "format_code_help",
    "format_status",
    "format_status_change",
    "install_log_masking",
    "is_valid_code",
    "looks_like_code_attempt",
    "make_source",
    "mask_code",
    "mask_phone",
    "mask_sensitive",
    "normalize_code",
    "parse_status",
]
