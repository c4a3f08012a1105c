"""Import and export the thesaurus as CSV or JSONL, idempotently (keyed by the folded term).

Columns/keys: ``canonical``, ``variants`` (``|``-separated in CSV; a list or a ``|``-string
in JSONL), optional ``note`` and ``enabled``. A row is skipped, with its line named, when it
is malformed or when one of its phrases already belongs to another group (a phrase with two
meanings would make search pick one at random).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from dichvucong.db.models import SynonymGroup
from dichvucong.importing import (
    ImportReport,
    ProgressCallback,
    SkippedRecord,
    content_hash,
    describe_validation_error,
    read_table_rows,
)
from dichvucong.text.normalize import fold
from dichvucong.thesaurus.records import SynonymRecord

COLUMNS = ("canonical", "variants", "note", "enabled")


class ThesaurusFileError(ValueError):
    """The file as a whole cannot be read as a thesaurus."""


def read_rows(path: Path) -> Iterator[tuple[str, Any]]:
    """Yield ``(label, row)`` from a .csv or .jsonl file; a bad JSON line yields an error row."""
    return read_table_rows(path, ("canonical", "variants"), ThesaurusFileError)


def phrase_owners(session: Session) -> dict[str, str]:
    """Folded phrase → canonical key of the (not deleted) group that has it."""
    owners: dict[str, str] = {}
    rows = session.execute(
        select(SynonymGroup.canonical_key, SynonymGroup.canonical, SynonymGroup.variants)
        .where(SynonymGroup.deleted_at.is_(None))
        .order_by(SynonymGroup.id)
    )
    for key, canonical, variants in rows:
        for text in (canonical, *(variants or [])):
            owners.setdefault(fold(text), key)
    return owners


def conflicts(record: SynonymRecord, owners: dict[str, str]) -> list[str]:
    """Phrases of ``record`` that another group already uses."""
    key = record.key()
    return [t for t in (record.canonical, *record.variants) if owners.get(fold(t), key) != key]


def record_hash(record: SynonymRecord) -> str:
    """Fingerprint of what a group says, to tell unchanged re-imports from updates."""
    return content_hash({**record.model_dump(), "variants": record.clean_variants()})


def apply_record(session: Session, record: SynonymRecord, author: str = "import") -> tuple[str, SynonymGroup]:
    """Insert or update one group; ``"created"``, ``"updated"`` or ``"unchanged"``.

    A group in the console's trash is brought back by an import that names it.
    """
    digest = record_hash(record)
    group = session.scalar(select(SynonymGroup).where(SynonymGroup.canonical_key == record.key()))
    if group is not None and group.source_hash == digest and group.deleted_at is None:
        return "unchanged", group
    outcome = "updated" if group is not None else "created"
    if group is None:
        group = SynonymGroup(canonical_key=record.key(), version=1, created_by=author)
        session.add(group)
    else:
        group.version += 1
    group.canonical = record.canonical
    group.variants = record.clean_variants()
    group.note = record.note
    group.enabled = record.enabled
    group.source_hash = digest
    group.updated_by = author
    group.deleted_at = None
    return outcome, group


def import_thesaurus(session: Session, path: Path, on_progress: ProgressCallback | None = None) -> ImportReport:
    """Import every valid row of ``path``; malformed or conflicting rows are skipped and reported."""
    rows = list(read_rows(path))
    report = ImportReport()
    seen: set[str] = set()
    owners = phrase_owners(session)
    for index, (label, raw) in enumerate(rows):
        try:
            if isinstance(raw, Exception):
                raise raw
            if not isinstance(raw, dict):
                raise ValueError("không phải một đối tượng JSON")
            record = SynonymRecord.model_validate(raw)
            if record.key() in seen:
                raise ValueError(f"thuật ngữ “{record.canonical}” xuất hiện hai lần trong tệp")
            problems = record.problems()
            if problems:
                raise ValueError("; ".join(problems))
            taken = conflicts(record, owners)
            if taken:
                raise ValueError(
                    "cách gọi đã thuộc nhóm khác: " + ", ".join(f"“{t}”" for t in taken)
                )
            seen.add(record.key())
        except (ValidationError, ValueError) as exc:
            report.skipped.append(SkippedRecord(label, describe_validation_error(exc)))
        else:
            try:
                with session.begin_nested():
                    outcome, _group = apply_record(session, record)
            except Exception as exc:  # noqa: BLE001 - reported, import goes on
                report.skipped.append(SkippedRecord(label, f"lỗi khi lưu: {exc}"))
            else:
                setattr(report, outcome, getattr(report, outcome) + 1)
                key = record.key()
                for stale in [p for p, k in owners.items() if k == key]:
                    del owners[stale]
                for text in (record.canonical, *record.variants):
                    owners[fold(text)] = key
        if on_progress:
            on_progress(index + 1, len(rows))
    session.commit()
    return report


# -- export -----------------------------------------------------------------------------------
def export_rows(session: Session) -> list[list[str]]:
    """Every group not in the trash, in :data:`COLUMNS` order; re-importing it changes nothing."""
    rows = []
    query = select(SynonymGroup).where(SynonymGroup.deleted_at.is_(None)).order_by(SynonymGroup.id)
    for group in session.scalars(query):
        rows.append([group.canonical, "|".join(group.variants or []), group.note, "true" if group.enabled else "false"])
    return rows


def export_csv(session: Session) -> str:
    """The thesaurus as CSV text (header included)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(export_rows(session))
    return buffer.getvalue()


def export_jsonl(session: Session) -> str:
    """The thesaurus as JSON lines, variants as lists."""
    lines = []
    for canonical, variants, note, enabled in export_rows(session):
        item = {"canonical": canonical, "variants": variants.split("|") if variants else [], "note": note,
                "enabled": enabled == "true"}
        lines.append(json.dumps(item, ensure_ascii=False))
    return "\n".join(lines) + ("\n" if lines else "")
