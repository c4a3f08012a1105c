"""Import the national procedure export (a JSON array) into the catalogue, idempotently."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from dichvucong.catalog import export_format as fmt
from dichvucong.db.models import (
    FilingChannel,
    LegalBasis,
    Procedure,
    ProcedureResult,
    ProcedureStep,
    RequiredDocument,
)
from dichvucong.importing import (
    ImportReport,
    ProgressCallback,
    SkippedRecord,
    content_hash,
    describe_validation_error,
)

BATCH_SIZE = 200


class CatalogFileError(ValueError):
    """The file as a whole cannot be read as a procedure export."""


def load_export(path: Path) -> list[Any]:
    """Read the export file: a JSON array of procedures (or one object, or ``{"data": [...]}``)."""
    try:
        with path.open(encoding="utf-8-sig") as handle:
            data = json.load(handle)
    except FileNotFoundError as exc:
        raise CatalogFileError(f"Không tìm thấy tệp {path}.") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CatalogFileError(f"Tệp {path.name} không phải JSON hợp lệ: {exc}") from exc
    if isinstance(data, dict):
        data = [data] if "ma_tthc" in data else data.get("data")
    if not isinstance(data, list):
        raise CatalogFileError(f"Tệp {path.name} phải chứa một mảng JSON các thủ tục.")
    return data


def _record_label(index: int, raw: Any) -> str:
    if isinstance(raw, dict):
        code = raw.get("ma_tthc") or "?"
        name = str(raw.get("ten_tthc") or "")[:60]
        return f"bản ghi #{index + 1} (mã {code}{', ' + name if name else ''})"
    return f"bản ghi #{index + 1}"


def apply_record(session: Session, record: fmt.ExportRecord, source_hash: str) -> str:
    """Insert or update one procedure; returns ``"created"``, ``"updated"`` or ``"unchanged"``."""
    procedure = session.scalar(select(Procedure).where(Procedure.code == record.ma_tthc))
    if procedure is not None and procedure.source_hash == source_hash:
        return "unchanged"
    outcome = "updated" if procedure is not None else "created"
    if procedure is None:
        procedure = Procedure(code=record.ma_tthc)
        session.add(procedure)
    else:
        procedure.version += 1
    for column, value in fmt.procedure_columns(record).items():
        setattr(procedure, column, value)
    procedure.source_hash = source_hash
    procedure.updated_by = "import"
    procedure.channels = [FilingChannel(**row) for row in fmt.channel_rows(record)]
    procedure.steps = [ProcedureStep(**row) for row in fmt.step_rows(record)]
    procedure.documents = [RequiredDocument(**row) for row in fmt.document_rows(record)]
    procedure.results = [ProcedureResult(**row) for row in fmt.result_rows(record)]
    procedure.legal_bases = [LegalBasis(**row) for row in fmt.legal_basis_rows(record)]
    return outcome


def import_catalog(
    session: Session, path: Path, on_progress: ProgressCallback | None = None
) -> ImportReport:
    """Import every valid record of ``path``; malformed ones are skipped and reported.

    Records are committed in batches; a record that fails in the database is rolled back
    alone (savepoint) so one bad row never loses the others.
    """
    records = load_export(path)
    report = ImportReport()
    seen: set[str] = set()
    for index, raw in enumerate(records):
        label = _record_label(index, raw)
        try:
            if not isinstance(raw, dict):
                raise ValueError("không phải một đối tượng JSON")
            record = fmt.ExportRecord.model_validate(raw)
        except (ValidationError, ValueError) as exc:
            report.skipped.append(SkippedRecord(label, describe_validation_error(exc)))
        else:
            if record.ma_tthc in seen:
                report.skipped.append(SkippedRecord(label, "mã thủ tục bị trùng trong tệp"))
            else:
                seen.add(record.ma_tthc)
                try:
                    with session.begin_nested():
                        outcome = apply_record(session, record, content_hash(raw))
                except Exception as exc:  # noqa: BLE001 - reported, import goes on
                    report.skipped.append(SkippedRecord(label, f"lỗi khi lưu: {exc}"))
                else:
                    setattr(report, outcome, getattr(report, outcome) + 1)
        if (index + 1) % BATCH_SIZE == 0:
            session.commit()
        if on_progress:
            on_progress(index + 1, len(records))
    session.commit()
    return report
