"""Thesaurus: list/search synonym groups, test a question, create, edit, switch off, trash."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from dichvucong.api.deps import SessionDep
from dichvucong.console.deps import ConsoleDep, CurrentUser, EditorUser, FormDep
from dichvucong.console.errors import ConsoleError, VersionConflict
from dichvucong.console.routes.common import console_router, form_int
from dichvucong.console.services import thesaurus as service
from dichvucong.console.templating import redirect, render
from dichvucong.db.models import SynonymGroup
from dichvucong.thesaurus import load_thesaurus

router = console_router("/thesaurus")
SAVED = "Đã lưu. Trợ lý hiểu cách gọi mới trong vài giây, không cần huấn luyện lại."


@router.get("")
def thesaurus_list(
    request: Request, user: CurrentUser, db: SessionDep, ctx: ConsoleDep,
    q: str = "", status: str = "", page: int = 1, test: str = "",
) -> Response:
    flt = service.ThesaurusFilter(q=q.strip(), status=status if status in service.STATUS_LABELS else "", page=page)
    result = service.list_groups(db, flt, ctx.settings.console_page_size)
    test = test.strip()[:500]
    found = load_thesaurus(db).groups_in(test) if test else []
    context = {
        "nav": "thesaurus", "filter": flt, "page": result, "trash_count": len(service.deleted_groups(db)),
        "test": test, "found": found,
    }
    return render(request, "thesaurus/list.html", context)


@router.get("/trash")
def thesaurus_trash(request: Request, user: CurrentUser, db: SessionDep) -> Response:
    return render(request, "thesaurus/trash.html", {"nav": "thesaurus", "items": service.deleted_groups(db)})


def _form_page(request: Request, group: SynonymGroup | None, values: dict[str, str], errors=None, error=None, status_code=200):  # type: ignore[no-untyped-def]
    context = {"nav": "thesaurus", "group": group, "values": values, "errors": errors or {}, "error": error}
    return render(request, "thesaurus/form.html", context, status_code=status_code)


@router.get("/new")
def thesaurus_new(request: Request, user: EditorUser, canonical: str = "", variant: str = "") -> Response:
    values = service.form_values(data=service.SynonymInput(canonical=canonical.strip()[:300], variants=service.split_lines(variant[:200])))
    return _form_page(request, None, values)


@router.post("/new")
def thesaurus_create(request: Request, user: EditorUser, db: SessionDep, form: FormDep) -> Response:
    data = service.parse_form(form)
    errors = service.validate(db, data)
    if errors:
        return _form_page(request, None, service.form_values(data=data), errors, "Hãy sửa các ô được đánh dấu.", 400)
    try:
        group = service.create_group(db, data, user.username)
    except ConsoleError as exc:
        db.rollback()
        return _form_page(request, None, service.form_values(data=data), error=exc.message, status_code=400)
    state = SAVED if group.enabled else "Đã lưu (đang tắt — trợ lý chưa dùng)."
    return redirect(request, f"/console/thesaurus/{group.id}", state)


@router.get("/{group_id}")
def thesaurus_view(request: Request, group_id: int, user: CurrentUser, db: SessionDep) -> Response:
    group = service.get_group(db, group_id, include_deleted=True)
    return render(request, "thesaurus/view.html", {"nav": "thesaurus", "group": group})


@router.get("/{group_id}/edit")
def thesaurus_edit(request: Request, group_id: int, user: EditorUser, db: SessionDep) -> Response:
    group = service.get_group(db, group_id)
    return _form_page(request, group, service.form_values(group))


@router.post("/{group_id}/edit")
def thesaurus_update(request: Request, group_id: int, user: EditorUser, db: SessionDep, form: FormDep) -> Response:
    group = service.get_group(db, group_id)
    data = service.parse_form(form)
    errors = service.validate(db, data, group)
    if errors:
        return _form_page(request, group, service.form_values(data=data), errors, "Hãy sửa các ô được đánh dấu.", 400)
    try:
        changed = service.update_group(db, group, form_int(form, "version"), data, user.username)
    except VersionConflict as exc:
        db.rollback()
        group = service.get_group(db, group_id, include_deleted=True)
        return _form_page(request, group, service.form_values(data=data), error=exc.message, status_code=409)
    if not changed:
        return redirect(request, f"/console/thesaurus/{group.id}", "Không có thay đổi nào để lưu.", "info")
    return redirect(request, f"/console/thesaurus/{group.id}", SAVED)


@router.post("/{group_id}/toggle")
def thesaurus_toggle(request: Request, group_id: int, user: EditorUser, db: SessionDep) -> Response:
    group = service.get_group(db, group_id)
    service.set_enabled(db, group, not group.enabled, user.username)
    text = "Đã bật nhóm: trợ lý dùng lại trong vài giây." if group.enabled else "Đã tắt nhóm: trợ lý thôi dùng trong vài giây."
    return redirect(request, f"/console/thesaurus/{group.id}", text)


@router.post("/{group_id}/delete")
def thesaurus_delete(request: Request, group_id: int, user: EditorUser, db: SessionDep) -> Response:
    group = service.get_group(db, group_id)
    service.delete_group(db, group, user.username)
    undo = {"action": f"/console/thesaurus/{group.id}/restore", "label": "Hoàn tác"}
    return redirect(request, "/console/thesaurus", f"Đã chuyển nhóm “{group.canonical}” vào thùng rác.", undo=undo)


@router.post("/{group_id}/restore")
def thesaurus_restore(request: Request, group_id: int, user: EditorUser, db: SessionDep) -> Response:
    group = service.get_group(db, group_id, include_deleted=True)
    try:
        service.restore_group(db, group, user.username)
    except ConsoleError as exc:
        db.rollback()
        return redirect(request, f"/console/thesaurus/{group.id}", exc.message, "error")
    return redirect(request, f"/console/thesaurus/{group.id}", "Đã khôi phục nhóm từ thùng rác.")
