"""Import commune service points (``data/service_points.json``), idempotently by commune."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from dichvucong.addresses.lookup import commune_key
from dichvucong.db.models import CommuneServicePoint
from dichvucong.importing import ImportReport, ProgressCallback, SkippedRecord, describe_validation_error


class ServicePointFileError(ValueError):
    """The file cannot be read as a list of service points."""


class ServicePointRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    province: str = Field(min_length=1)
    commune: str = Field(min_length=1)
    service_point: str = Field(min_length=1)
    address: str = Field(min_length=1)
    phone: str = ""
    opening_hours: str = ""


def import_service_points(session: Session, path: Path, on_progress: ProgressCallback | None = None) -> ImportReport:
    """Insert or update each commune's service point; report bad records."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise ServicePointFileError(f"Không tìm thấy tệp {path}.") from exc
    except json.JSONDecodeError as exc:
        raise ServicePointFileError(f"Tệp {path.name} không phải JSON hợp lệ: {exc}") from exc
    rows = data.get("service_points", []) if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise ServicePointFileError("Cần một mảng các điểm tiếp nhận.")
    report = ImportReport()
    for index, raw in enumerate(rows):
        try:
            record = ServicePointRecord.model_validate(raw)
        except ValidationError as exc:
            report.skipped.append(SkippedRecord(f"bản ghi #{index + 1}", describe_validation_error(exc)))
            continue
        key = commune_key(record.commune, record.province)
        point = session.scalar(select(CommuneServicePoint).where(CommuneServicePoint.commune_key == key))
        values = record.model_dump()
        if point is None:
            session.add(CommuneServicePoint(commune_key=key, **values))
            report.created += 1
        elif all(getattr(point, k) == v for k, v in values.items()):
            report.unchanged += 1
        else:
            for k, v in values.items():
                setattr(point, k, v)
            report.updated += 1
        if on_progress:
            on_progress(index + 1, len(rows))
    session.commit()
    return report
