"""What every importer reports: counts and the records it skipped, with reasons."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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
