"""What every importer reports: counts and the records it skipped, with reasons."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dichvucong.formula_guard import unguard_cell

ProgressCallback = Callable[[int, int], None]


@dataclass
class SkippedRecord:
    """A record the importer could not use; ``where`` names it for the person importing."""

    where: str
    reason: str


@dataclass
class ImportReport:
    """Counts of one import run."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[SkippedRecord] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.skipped)

    def summary(self) -> str:
        """One line in Vietnamese for the command line and the console."""
        return (
            f"Thêm mới {self.created}, cập nhật {self.updated}, không đổi {self.unchanged}, "
            f"bỏ qua {len(self.skipped)} (tổng {self.total} bản ghi)."
        )


class StorageError(RuntimeError):
    """The database cannot store anything now (disk full, read-only, connection lost): the
    import stops and its whole transaction is rolled back, so nothing is half-written."""


# SQLSTATE classes that are about the database, not the record: 08 connection, 53 insufficient
# resources (disk full, out of memory), 57 operator intervention, 58 system error, and 25006
# read-only transaction.
_STORAGE_SQLSTATES = ("08", "53", "57", "58", "25006")


def storage_failure(exc: BaseException) -> StorageError | None:
    """A :class:`StorageError` when ``exc`` means the database cannot write at all, else None."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    if not isinstance(exc, DBAPIError):
        return None
    code = str(getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or "")
    if isinstance(exc, OperationalError) or code.startswith(_STORAGE_SQLSTATES):
        detail = str(exc.orig).strip().splitlines()[0][:200] if str(exc.orig).strip() else type(exc.orig).__name__
        return StorageError(f"Cơ sở dữ liệu không ghi được ({detail}); không có gì được thay đổi.")
    return None


def content_hash(data: Any) -> str:
    """Stable fingerprint of a record, to tell unchanged re-imports from real updates."""
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def describe_validation_error(exc: Exception) -> str:
    """A short, readable reason from a pydantic ValidationError (or any exception)."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        parts = []
        for error in errors()[:3]:
            location = ".".join(str(p) for p in error.get("loc", ()))
            parts.append(f"{location}: {error.get('msg', '')}" if location else str(error.get("msg", "")))
        return "; ".join(parts)
    return str(exc)


_COUNT_WORDS = {1: "một", 2: "hai", 3: "ba", 4: "bốn", 5: "năm"}


def read_table_rows(
    path: Path, required: tuple[str, ...], error: type[ValueError]
) -> Iterator[tuple[str, Any]]:
    """Yield ``(label, row)`` from a .csv or .jsonl file; a bad JSON line yields an error row.

    CSV needs the ``required`` columns; cells our own exports guarded against spreadsheet
    formulas are read back as written. Problems with the whole file raise ``error`` with a
    Vietnamese message.
    """
    suffix = path.suffix.lower()
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError as exc:
        raise error(f"Không tìm thấy tệp {path}.") from exc
    with handle:
        if suffix == ".csv":
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not set(required) <= {f.strip() for f in reader.fieldnames}:
                count = _COUNT_WORDS.get(len(required), str(len(required)))
                raise error(f"Tệp CSV cần có ít nhất {count} cột: {', '.join(required)}.")
            for line_no, row in enumerate(reader, start=2):
                yield f"dòng {line_no}", {k.strip(): unguard_cell(v) if isinstance(v, str) else v for k, v in row.items() if k}
        elif suffix in {".jsonl", ".ndjson"}:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield f"dòng {line_no}", json.loads(line)
                except json.JSONDecodeError as exc:
                    yield f"dòng {line_no}", ValueError(f"JSON không hợp lệ: {exc.msg}")
        else:
            raise error("Chỉ nhận tệp .csv hoặc .jsonl.")
