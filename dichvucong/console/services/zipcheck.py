"""Refuse zip bombs disguised as .xlsx before openpyxl opens them.

An .xlsx is a zip archive. A few kilobytes can declare (or really hold) gigabytes of XML, or
thousands of entries, and openpyxl would inflate them all. The declared sizes are checked
first (cheap); then every entry is really inflated in chunks, counting, and the check stops as
soon as a limit is crossed, so a forged header cannot hide the real size either.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from dichvucong.config import Settings

_CHUNK = 1024 * 1024
_RATIO_FLOOR = 1024 * 1024  # small entries may compress very well (shared strings, styles)


class UnsafeArchive(ValueError):
    """The workbook breaks a limit (message in Vietnamese for the official)."""


@dataclass(frozen=True)
class XlsxLimits:
    max_entries: int = 200
    max_uncompressed_bytes: int = 100 * 1024 * 1024
    max_ratio: float = 100.0

    @classmethod
    def from_settings(cls, settings: Settings) -> XlsxLimits:
        return cls(
            settings.console_xlsx_max_entries,
            int(settings.console_xlsx_max_uncompressed_mb * 1024 * 1024),
            settings.console_xlsx_max_ratio,
        )


def _too_big(limits: XlsxLimits) -> UnsafeArchive:
    return UnsafeArchive(
        f"Tệp Excel khi giải nén lớn hơn {limits.max_uncompressed_bytes / (1024 * 1024):g} MB hoặc nén bất thường, "
        "nên không được mở. Hãy kiểm tra lại tệp, hoặc chia nhỏ rồi nhập từng phần."
    )


def check_xlsx_archive(path: Path, limits: XlsxLimits) -> None:
    """Raise :class:`UnsafeArchive` unless ``path`` is a zip within every limit."""
    if not zipfile.is_zipfile(path):
        raise UnsafeArchive("Tệp .xlsx bị hỏng hoặc không phải tệp Excel. Hãy mở lại bằng Excel và lưu dạng .xlsx.")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > limits.max_entries:
                raise UnsafeArchive(
                    f"Tệp Excel có quá nhiều thành phần ({len(entries)}, tối đa {limits.max_entries}), nên không được mở."
                )
            declared = sum(e.file_size for e in entries)
            compressed = sum(e.compress_size for e in entries)
            if declared > limits.max_uncompressed_bytes or declared > max(compressed, 1) * limits.max_ratio + _RATIO_FLOOR:
                raise _too_big(limits)
            total = 0
            for entry in entries:
                inflated = 0
                with archive.open(entry) as member:
                    while chunk := member.read(_CHUNK):
                        inflated += len(chunk)
                        total += len(chunk)
                        ratio_cap = max(entry.compress_size, 1) * limits.max_ratio + _RATIO_FLOOR
                        if total > limits.max_uncompressed_bytes or inflated > ratio_cap:
                            raise _too_big(limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise UnsafeArchive("Tệp .xlsx bị hỏng hoặc không phải tệp Excel. Hãy mở lại bằng Excel và lưu dạng .xlsx.") from exc
