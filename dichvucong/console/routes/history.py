"""History of an FAQ or procedure: every version, its snapshot, and restore."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import select

from dichvucong.api.deps import SessionDep
from dichvucong.console.deps import CurrentUser, EditorUser, FormDep
from dichvucong.console.errors import NotFound, VersionConflict
from dichvucong.console.routes.common import console_router, form_int
from dichvucong.console.services import history as service
from dichvucong.console.services.procedure_fields import CHILD_FIELDS
from dichvucong.console.templating import redirect, render
from dichvucong.db.models import ContentVersion

router = console_router("/history")


def _version(db: SessionDep, entity_type: str, entity_id: int, version_id: int) -> ContentVersion:
    version = db.scalar(
        select(ContentVersion).where(
            ContentVersion.id == version_id, ContentVersion.entity_type == entity_type, ContentVersion.entity_id == entity_id
        )
    )
    if version is None:
        raise NotFound("Không tìm thấy phiên bản này.")
    return version


def _item_url(entity_type: str, entity_id: int) -> str:
    return f"/console/{'faqs' if entity_type == 'faq' else 'procedures'}/{entity_id}"


@router.get("/{entity_type}/{entity_id}")
def history_page(request: Request, entity_type: str, entity_id: int, user: CurrentUser, db: SessionDep) -> Response:
    entity = service.load_entity(db, entity_type, entity_id)
    context = {
        "nav": "faqs" if entity_type == "faq" else "procedures",
        "entity": entity, "entity_type": entity_type, "title": service.entity_title(entity),
        "versions": service.versions_of(db, entity_type, entity_id), "item_url": _item_url(entity_type, entity_id),
        "action_labels": service.ACTION_LABELS,
    }
    return render(request, "history/list.html", context)


@router.get("/{entity_type}/{entity_id}/{version_id}")
def version_page(request: Request, entity_type: str, entity_id: int, version_id: int, user: CurrentUser, db: SessionDep) -> Response:
    entity = service.load_entity(db, entity_type, entity_id)
    version = _version(db, entity_type, entity_id, version_id)
    current = service.snapshot_of(entity)
    labels = service.field_labels(entity_type)
    rows = [
        {"key": key, "label": label, "old": version.snapshot.get(key), "new": current.get(key), "changed": version.snapshot.get(key) != current.get(key)}
        for key, label in labels.items()
    ]
    context = {
        "nav": "faqs" if entity_type == "faq" else "procedures", "entity": entity, "entity_type": entity_type,
        "title": service.entity_title(entity), "version": version, "rows": rows, "same": current == version.snapshot,
        "item_url": _item_url(entity_type, entity_id), "child_fields": CHILD_FIELDS, "action_labels": service.ACTION_LABELS,
    }
    return render(request, "history/version.html", context)


@router.post("/{entity_type}/{entity_id}/{version_id}/restore")
def restore_version(
    request: Request, entity_type: str, entity_id: int, version_id: int, user: EditorUser, db: SessionDep, form: FormDep
) -> Response:
    entity = service.load_entity(db, entity_type, entity_id)
    version = _version(db, entity_type, entity_id, version_id)
    try:
        service.revert_to(db, entity, version, form_int(form, "current_version"), user.username)  # type: ignore[arg-type]
    except VersionConflict as exc:
        db.rollback()
        return redirect(request, f"/console/history/{entity_type}/{entity_id}/{version_id}", exc.message, "error")
    return redirect(
        request, _item_url(entity_type, entity_id), f"Đã khôi phục phiên bản v{version.version} (lưu thành phiên bản mới)."
    )
