"""FAQs: list/search/filter, view, create, edit, delete to the trash and restore."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from dichvucong.api.deps import SessionDep
from dichvucong.console.deps import ConsoleDep, CurrentUser, EditorUser, FormDep
from dichvucong.console.errors import ConsoleError, VersionConflict
from dichvucong.console.routes.common import console_router, form_int
from dichvucong.console.services import faqs as service
from dichvucong.console.services.history import versions_of
from dichvucong.console.services.procedures import all_codes
from dichvucong.console.templating import redirect, render

router = console_router("/faqs")


@router.get("")
def faq_list(
    request: Request, user: CurrentUser, db: SessionDep, ctx: ConsoleDep,
    q: str = "", tag: str = "", code: str = "", status: str = "", page: int = 1,
) -> Response:
    flt = service.FaqFilter(q=q.strip(), tag=tag, code=code.strip(), status=status if status in service.STATUS_LABELS else "", page=page)
    result = service.list_faqs(db, flt, ctx.settings.console_page_size)
    context = {"nav": "faqs", "filter": flt, "page": result, "tags": service.all_tags(db), "trash_count": len(service.deleted_faqs(db))}
    return render(request, "faqs/list.html", context)


@router.get("/trash")
def faq_trash(request: Request, user: CurrentUser, db: SessionDep) -> Response:
    return render(request, "faqs/trash.html", {"nav": "faqs", "items": service.deleted_faqs(db)})


def _form_page(request: Request, db: SessionDep, faq, values, errors=None, error=None, status_code=200):  # type: ignore[no-untyped-def]
    context = {"nav": "faqs", "faq": faq, "values": values, "errors": errors or {}, "error": error, "codes": all_codes(db)}
    return render(request, "faqs/form.html", context, status_code=status_code)


@router.get("/new")
def faq_new(request: Request, user: EditorUser, db: SessionDep) -> Response:
    return _form_page(request, db, None, service.form_values())


@router.post("/new")
def faq_create(request: Request, user: EditorUser, db: SessionDep, form: FormDep) -> Response:
    data = service.parse_form(form)
    errors = service.validate(db, data)
    if errors:
        return _form_page(request, db, None, service.form_values(data=data), errors, "Hãy sửa các ô được đánh dấu.", 400)
    try:
        faq = service.create_faq(db, data, user.username)
    except ConsoleError as exc:
        db.rollback()
        return _form_page(request, db, None, service.form_values(data=data), error=exc.message, status_code=400)
    state = "đã xuất bản — trợ lý dùng ngay" if faq.published else "lưu nháp — trợ lý chưa dùng"
    return redirect(request, f"/console/faqs/{faq.id}", f"Đã tạo câu hỏi ({state}).")


@router.get("/{faq_id}")
def faq_view(request: Request, faq_id: int, user: CurrentUser, db: SessionDep) -> Response:
    faq = service.get_faq(db, faq_id, include_deleted=True)
    versions = versions_of(db, "faq", faq.id)[:5]
    return render(request, "faqs/view.html", {"nav": "faqs", "faq": faq, "versions": versions})


@router.get("/{faq_id}/edit")
def faq_edit(request: Request, faq_id: int, user: EditorUser, db: SessionDep) -> Response:
    faq = service.get_faq(db, faq_id)
    return _form_page(request, db, faq, service.form_values(faq))


@router.post("/{faq_id}/edit")
def faq_update(request: Request, faq_id: int, user: EditorUser, db: SessionDep, form: FormDep) -> Response:
    faq = service.get_faq(db, faq_id)
    data = service.parse_form(form)
    errors = service.validate(db, data)
    if errors:
        return _form_page(request, db, faq, service.form_values(data=data), errors, "Hãy sửa các ô được đánh dấu.", 400)
    try:
        changed = service.update_faq(db, faq, form_int(form, "version"), data, user.username)
    except VersionConflict as exc:
        db.rollback()
        faq = service.get_faq(db, faq_id, include_deleted=True)
        return _form_page(request, db, faq, service.form_values(data=data), error=exc.message, status_code=409)
    if not changed:
        return redirect(request, f"/console/faqs/{faq.id}", "Không có thay đổi nào để lưu.", "info")
    return redirect(request, f"/console/faqs/{faq.id}", "Đã lưu. Trợ lý dùng nội dung mới ngay.")


@router.post("/{faq_id}/delete")
def faq_delete(request: Request, faq_id: int, user: EditorUser, db: SessionDep, form: FormDep) -> Response:
    faq = service.get_faq(db, faq_id)
    service.delete_faq(db, faq, user.username)
    undo = {"action": f"/console/faqs/{faq.id}/restore", "label": "Hoàn tác"}
    return redirect(request, "/console/faqs", f"Đã chuyển “{_short(faq.question)}” vào thùng rác.", undo=undo)


@router.post("/{faq_id}/restore")
def faq_restore(request: Request, faq_id: int, user: EditorUser, db: SessionDep) -> Response:
    faq = service.get_faq(db, faq_id, include_deleted=True)
    service.restore_faq(db, faq, user.username)
    return redirect(request, f"/console/faqs/{faq.id}", "Đã khôi phục câu hỏi từ thùng rác.")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

