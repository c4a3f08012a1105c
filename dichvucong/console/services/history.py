"""Content history: a JSON snapshot per saved version, change summaries and restore."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from dichvucong.console.errors import ConsoleError, NotFound, VersionConflict
from dichvucong.console.services.procedure_fields import (
    CHILD_FIELDS,
    PROCEDURE_FIELD_LABELS,
    SCALAR_FIELDS,
    channel_parsed_values,
)
from dichvucong.console.timeutil import local_time
from dichvucong.db.base import utcnow
from dichvucong.db.models import (
    ContentVersion,
    Faq,
    FilingChannel,
    LegalBasis,
    Procedure,
    ProcedureResult,
    ProcedureStep,
    RequiredDocument,
)

EntityType = Literal["faq", "procedure"]
Entity = Faq | Procedure

FAQ_FIELD_LABELS = {
    "question": "Câu hỏi",
    "alt_questions": "Cách hỏi khác",
    "answer": "Câu trả lời",
    "procedure_codes": "Thủ tục liên quan",
    "tags": "Nhãn",
    "published": "Trạng thái",
    "deleted": "Thùng rác",
}
ACTION_LABELS = {
    "baseline": "Nội dung ban đầu",
    "create": "Tạo mới",
    "update": "Sửa",
    "delete": "Xóa (vào thùng rác)",
    "restore": "Khôi phục từ thùng rác",
    "revert": "Khôi phục phiên bản cũ",
    "enable": "Bật",
    "disable": "Tắt",
    "import": "Nhập từ tệp",
}
_CHILD_MODELS = {
    "channels": FilingChannel,
    "documents": RequiredDocument,
    "steps": ProcedureStep,
    "results": ProcedureResult,
    "legal_bases": LegalBasis,
}


def entity_type_of(entity: Entity) -> EntityType:
    return "faq" if isinstance(entity, Faq) else "procedure"


def entity_key(entity: Entity) -> str:
    return entity.external_id if isinstance(entity, Faq) else entity.code


def entity_title(entity: Entity) -> str:
    return entity.question if isinstance(entity, Faq) else entity.name


def model_of(entity_type: str) -> type[Faq] | type[Procedure]:
    if entity_type == "faq":
        return Faq
    if entity_type == "procedure":
        return Procedure
    raise NotFound("Loại nội dung không tồn tại.")


def load_entity(session: Session, entity_type: str, entity_id: int) -> Entity:
    """The FAQ or procedure (with its child rows), or a 404 page."""
    model = model_of(entity_type)
    query = select(model).where(model.id == entity_id)
    if model is Procedure:
        query = query.options(*(selectinload(getattr(Procedure, name)) for name in CHILD_FIELDS))
    entity = session.scalar(query)
    if entity is None:
        raise NotFound("Không tìm thấy nội dung này (có thể đã bị xóa hẳn).")
    return entity


# -- snapshots --------------------------------------------------------------------------------
def faq_snapshot(faq: Faq) -> dict[str, Any]:
    return {
        "external_id": faq.external_id,
        "question": faq.question,
        "alt_questions": list(faq.alt_questions or []),
        "answer": faq.answer,
        "procedure_codes": list(faq.procedure_codes or []),
        "tags": list(faq.tags or []),
        "published": bool(faq.published),
        "deleted": faq.deleted_at is not None,
    }


def procedure_snapshot(procedure: Procedure) -> dict[str, Any]:
    snapshot: dict[str, Any] = {name: getattr(procedure, name) for name in SCALAR_FIELDS}
    snapshot["code"] = procedure.code
    snapshot["enabled"] = bool(procedure.enabled)
    for relation, fields in CHILD_FIELDS.items():
        snapshot[relation] = [{f: getattr(row, f) for f in fields} for row in getattr(procedure, relation)]
    return snapshot


def snapshot_of(entity: Entity) -> dict[str, Any]:
    return faq_snapshot(entity) if isinstance(entity, Faq) else procedure_snapshot(entity)


def field_labels(entity_type: str) -> dict[str, str]:
    return FAQ_FIELD_LABELS if entity_type == "faq" else PROCEDURE_FIELD_LABELS


def changed_fields(entity_type: str, old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """Labels of the fields that differ between two snapshots."""
    if old is None:
        return []
    labels = field_labels(entity_type)
    return [label for key, label in labels.items() if old.get(key) != new.get(key)]


def summarize(entity_type: str, action: str, old: dict[str, Any] | None, new: dict[str, Any]) -> str:
    """One line such as ``Sửa: Câu trả lời, Nhãn``."""
    label = ACTION_LABELS.get(action, action)
    fields = changed_fields(entity_type, old, new)
    return f"{label}: {', '.join(fields)}" if fields else label


# -- versions ---------------------------------------------------------------------------------
def versions_of(session: Session, entity_type: str, entity_id: int) -> list[ContentVersion]:
    return list(
        session.scalars(
            select(ContentVersion)
            .where(ContentVersion.entity_type == entity_type, ContentVersion.entity_id == entity_id)
            .order_by(ContentVersion.id.desc())
        )
    )


def ensure_baseline(session: Session, entity: Entity, snapshot: dict[str, Any] | None = None) -> None:
    """Before the first recorded change, keep the state it had (imported or seeded) as a version."""
    entity_type = entity_type_of(entity)
    exists = session.scalar(
        select(func.count())
        .select_from(ContentVersion)
        .where(ContentVersion.entity_type == entity_type, ContentVersion.entity_id == entity.id)
    )
    if exists:
        return
    session.add(
        ContentVersion(
            entity_type=entity_type,
            entity_id=entity.id,
            entity_key=entity_key(entity),
            version=entity.version,
            action="baseline",
            author=entity.updated_by or "import",
            summary=ACTION_LABELS["baseline"],
            snapshot=snapshot if snapshot is not None else snapshot_of(entity),
            created_at=entity.updated_at or utcnow(),
        )
    )


def record_version(
    session: Session, entity: Entity, action: str, author: str, before: dict[str, Any] | None, summary: str = ""
) -> ContentVersion:
    """Add the version row for the entity's current state (flushes to get ids)."""
    session.flush()
    entity_type = entity_type_of(entity)
    after = snapshot_of(entity)
    version = ContentVersion(
        entity_type=entity_type,
        entity_id=entity.id,
        entity_key=entity_key(entity),
        version=entity.version,
        action=action,
        author=author,
        summary=summary or summarize(entity_type, action, before, after),
        snapshot=after,
    )
    session.add(version)
    return version


def claim_version(session: Session, entity: Entity, expected: int) -> None:
    """Atomically move ``version`` from ``expected`` to the next one, or refuse (409).

    A conditional UPDATE, so two officials saving the same item at the same moment can never
    both win, in one process or several.
    """
    table = type(entity).__table__
    result = session.execute(
        update(table).where(table.c.id == entity.id, table.c.version == expected).values(version=expected + 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        session.refresh(entity)
        raise VersionConflict(local_time(entity.updated_at, with_seconds=True), entity.updated_by)
    entity.version = expected + 1


def check_version(entity: Entity, expected: int | None) -> None:
    """Refuse at once when the form was opened on an older version."""
    if expected is None or entity.version != expected:
        raise VersionConflict(local_time(entity.updated_at, with_seconds=True), entity.updated_by)


# -- applying snapshots -----------------------------------------------------------------------
def apply_faq_snapshot(faq: Faq, snapshot: dict[str, Any]) -> None:
    faq.question = snapshot["question"]
    faq.alt_questions = list(snapshot.get("alt_questions") or [])
    faq.answer = snapshot["answer"]
    faq.procedure_codes = list(snapshot.get("procedure_codes") or [])
    faq.tags = list(snapshot.get("tags") or [])
    faq.published = bool(snapshot.get("published"))
    if snapshot.get("deleted"):
        faq.deleted_at = faq.deleted_at or utcnow()
    else:
        faq.deleted_at = None


def apply_procedure_snapshot(procedure: Procedure, snapshot: dict[str, Any]) -> None:
    for name in SCALAR_FIELDS:
        if name in snapshot:
            setattr(procedure, name, snapshot[name])
    procedure.enabled = bool(snapshot.get("enabled", True))
    for relation, model in _CHILD_MODELS.items():
        rows = []
        for position, row in enumerate(snapshot.get(relation) or []):
            values = {f: row.get(f) for f in CHILD_FIELDS[relation] if f in row}
            if relation == "channels":
                values.update(channel_parsed_values(values.get("fee_text") or "", values.get("time_text") or "", values.get("time_description") or ""))
            rows.append(model(position=position, **values))
        setattr(procedure, relation, rows)


def apply_snapshot(entity: Entity, snapshot: dict[str, Any]) -> None:
    if isinstance(entity, Faq):
        apply_faq_snapshot(entity, snapshot)
    else:
        apply_procedure_snapshot(entity, snapshot)


def revert_to(session: Session, entity: Entity, version: ContentVersion, expected: int, author: str) -> ContentVersion:
    """Make ``version``'s snapshot current again; the restore is itself a new version."""
    check_version(entity, expected)
    before = snapshot_of(entity)
    if before == version.snapshot:
        raise ConsoleError("Nội dung hiện tại đã giống hệt phiên bản này; không có gì để khôi phục.")
    ensure_baseline(session, entity, before)
    claim_version(session, entity, expected)
    apply_snapshot(entity, version.snapshot)
    entity.updated_by = author
    summary = f"{ACTION_LABELS['revert']} v{version.version}"
    fields = changed_fields(entity_type_of(entity), before, snapshot_of(entity))
    if fields:
        summary += ": " + ", ".join(fields)
    recorded = record_version(session, entity, "revert", author, before, summary)
    session.commit()
    return recorded
