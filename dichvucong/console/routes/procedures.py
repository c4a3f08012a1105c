"""Procedures: list/search, view, edit, enable/disable, create."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from dichvucong.api.deps import SessionDep
from dichvucong.console.deps import ConsoleDep, CurrentUser, EditorUser, FormDep
from dichvucong.console.errors import ConsoleError, VersionConflict
from dichvucong.console.routes.common import console_router, form_int
from dichvucong.console.services import procedures as service
from dichvucong.console.services.history import load_entity, versions_of
from dichvucong.console.services.procedure_fields import CHILD_FIELDS, CHILD_LABELS, MAIN_FIELDS, SCALAR_FORM
from dichvucong.console.templating import redirect, render
from dichvucong.db.models import Faq, Procedure

router = console_router("/procedures")


@router.get("")
def procedure_list(
    request: Request, user: CurrentUser, db: SessionDep, ctx: ConsoleDep,
    q: str = "", field: str = "", status: str = "", page: int = 1,
) -> Response:
    status = status if status in ("enabled", "disabled") else ""
    flt = service.ProcedureFilter(q=q.strip(), field=field, status=status, page=page)
    result = service.list_procedures(db, flt, ctx.settings.console_page_size)
    context = {"nav": "procedures", "filter": flt, "page": result, "fields": service.all_fields(db)}
    return render(request, "procedures/list.html", context)


def _procedure(db: Session, procedure_id: int) -> Procedure:
    entity = load_entity(db, "procedure", procedure_id)
    assert isinstance(entity, Procedure)
    return entity


def _form_page(request: Request, procedure: Procedure | None, values: dict, errors=None, error=None, status_code=200):  # type: ignore[no-untyped-def]
    context = {
        "nav": "procedures", "procedure": procedure, "values": values, "errors": errors or {}, "error": error,
        "scalar_form": SCALAR_FORM, "main_fields": MAIN_FIELDS, "child_fields": CHILD_FIELDS, "child_labels": CHILD_LABELS,
    }
    return render(request, "procedures/form.html", context, status_code=status_code)


def _empty_values() -> dict:
    values: dict = {name: "" for name, _, _ in SCALAR_FORM}
    values.update({relation: [] for relation in CHILD_FIELDS}, code="", enabled=True)
    return values


@router.get("/new")
def procedure_new(request: Request, user: EditorUser) -> Response:
    return _form_page(request, None, _empty_values())


@router.post("/new")
def procedure_create(request: Request, user: EditorUser, db: SessionDep, form: FormDep) -> Response:
    data = service.parse_form(form, with_code=True)
    if data.errors:
        return _form_page(request, None, data.values, data.errors, "Hãy sửa các ô được đánh dấu.", 400)
    try:
        procedure = service.create_procedure(db, data, user.username)
    except ConsoleError as exc:
        db.rollback()
        return _form_page(request, None, data.values, error=exc.message, status_code=400)
    return redirect(request, f"/console/procedures/{procedure.id}", "Đã thêm thủ tục. Trợ lý dùng ngay.")


@router.get("/{procedure_id}")
def procedure_view(request: Request, procedure_id: int, user: CurrentUser, db: SessionDep) -> Response:
    procedure = _procedure(db, procedure_id)
    faqs = [f for f in db.scalars(select(Faq).where(Faq.deleted_at.is_(None))) if procedure.code in (f.procedure_codes or [])]
    context = {
        "nav": "procedures", "procedure": procedure, "versions": versions_of(db, "procedure", procedure.id)[:5],
        "scalar_form": SCALAR_FORM, "faqs": faqs,
    }
    return render(request, "procedures/view.html", context)


@router.get("/{procedure_id}/edit")
def procedure_edit(request: Request, procedure_id: int, user: EditorUser, db: SessionDep) -> Response:
    procedure = _procedure(db, procedure_id)
    return _form_page(request, procedure, service.form_values(procedure))


@router.post("/{procedure_id}/edit")
def procedure_update(request: Request, procedure_id: int, user: EditorUser, db: SessionDep, form: FormDep) -> Response:
    procedure = _procedure(db, procedure_id)
    data = service.parse_form(form)
    data.values["code"] = procedure.code
    if data.errors:
        return _form_page(request, procedure, data.values, data.errors, "Hãy sửa các ô được đánh dấu.", 400)
    try:
        changed = service.update_procedure(db, procedure, form_int(form, "version"), data, user.username)
    except VersionConflict as exc:
        db.rollback()
        return _form_page(request, _procedure(db, procedure_id), data.values, error=exc.message, status_code=409)
    if not changed:
        return redirect(request, f"/console/procedures/{procedure.id}", "Không có thay đổi nào để lưu.", "info")
    return redirect(request, f"/console/procedures/{procedure.id}", "Đã lưu. Trợ lý dùng nội dung mới ngay.")


@router.post("/{procedure_id}/toggle")
def procedure_toggle(request: Request, procedure_id: int, user: EditorUser, db: SessionDep, form: FormDep) -> Response:
    procedure = _procedure(db, procedure_id)
    enable = form.get("enabled") == "1"
    service.set_enabled(db, procedure, enable, user.username)
    message = "Đã bật thủ tục: trợ lý trả lời về thủ tục này." if enable else "Đã tắt thủ tục: trợ lý không trả lời về thủ tục này nữa."
    return redirect(request, f"/console/procedures/{procedure.id}", message)
