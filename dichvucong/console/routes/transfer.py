"""Import (upload → preview → "Nhập") and export (CSV, XLSX)."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from dichvucong.api.deps import SessionDep
from dichvucong.console.deps import ConsoleDep, CurrentUser, EditorUser, FormDep
from dichvucong.console.errors import ConsoleError
from dichvucong.console.routes.common import console_router, form_text
from dichvucong.console.services import transfer as service
from dichvucong.console.services.zipcheck import XlsxLimits
from dichvucong.console.templating import redirect, render
from dichvucong.console.timeutil import VIETNAM_TZ
from dichvucong.db.base import utcnow

log = logging.getLogger(__name__)
router = console_router()
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get("/import")
def import_page(request: Request, user: EditorUser) -> Response:
    return render(request, "transfer/import.html", {"nav": "import"})


def _import_error(request: Request, message: str, status_code: int = 400) -> Response:
    return render(request, "transfer/import.html", {"nav": "import", "error": message}, status_code=status_code)


@router.post("/import/preview")
def import_preview(request: Request, user: EditorUser, form: FormDep, ctx: ConsoleDep) -> Response:
    """Store the file and run the importer in a transaction that is rolled back."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _import_error(request, "Hãy chọn một tệp để nhập.")
    settings = ctx.settings
    try:
        stored = service.store_upload(
            settings.console_upload_dir, user.id, upload.filename, upload.file, ctx.max_upload_bytes,
            XlsxLimits.from_settings(settings),
        )
        outcome = service.run_import(settings.database_url, stored, user.username, commit=False)
    except service.UploadError as exc:
        return _import_error(request, str(exc))
    except ConsoleError as exc:
        return _import_error(request, exc.message, exc.status_code)
    except Exception:  # noqa: BLE001 - the official gets a message, the log gets the trace
        log.exception("console import preview failed")
        return _import_error(request, "Không đọc được tệp này. Hãy kiểm tra định dạng rồi thử lại.")
    context = {"nav": "import", "upload": stored, "outcome": outcome, "kind_label": service.KIND_LABELS[stored.kind]}
    return render(request, "transfer/preview.html", context)


@router.post("/import/commit")
def import_commit(request: Request, user: EditorUser, form: FormDep, ctx: ConsoleDep) -> Response:
    """Run the same importer on the same stored file, and commit."""
    settings = ctx.settings
    token = form_text(form, "upload")
    try:
        stored = service.load_upload(settings.console_upload_dir, token, user.id)
        outcome = service.run_import(settings.database_url, stored, user.username, commit=True)
    except service.UploadError as exc:
        return _import_error(request, str(exc))
    except Exception:  # noqa: BLE001
        log.exception("console import failed")
        return _import_error(request, "Nhập không thành công; dữ liệu chưa thay đổi. Hãy thử lại hoặc báo quản trị viên.")
    service.discard_upload(settings.console_upload_dir, token)
    context = {"nav": "import", "upload": stored, "outcome": outcome, "kind_label": service.KIND_LABELS[stored.kind]}
    return render(request, "transfer/done.html", context)


@router.post("/import/cancel")
def import_cancel(request: Request, user: EditorUser, form: FormDep, ctx: ConsoleDep) -> Response:
    service.discard_upload(ctx.settings.console_upload_dir, form_text(form, "upload"))
    return redirect(request, "/console/import", "Đã hủy, không có gì được nhập.", "info")


@router.get("/export")
def export_page(request: Request, user: CurrentUser) -> Response:
    return render(request, "transfer/export.html", {"nav": "export"})


@router.get("/export/{what}.{fmt}")
def export_file(what: str, fmt: str, user: CurrentUser, db: SessionDep) -> Response:
    """FAQs or the thesaurus (importable as-is), or procedures, as CSV or XLSX."""
    if what == "faqs":
        header, rows, title = service.FAQ_COLUMNS, service.faq_rows(db), "Cau hoi thuong gap"
    elif what == "procedures":
        header, rows, title = service.PROCEDURE_COLUMNS, service.procedure_rows(db), "Thu tuc"
    elif what == "thesaurus":
        header, rows, title = service.THESAURUS_COLUMNS, service.thesaurus_rows(db), "Tu dong nghia"
    else:
        raise ConsoleError("Không có dữ liệu này để xuất.")
    if fmt == "csv":
        body = service.to_csv(header, rows)
    elif fmt == "xlsx":
        body = service.to_xlsx(title, header, rows)
    else:
        raise ConsoleError("Chỉ xuất được CSV hoặc XLSX.")
    stamp = utcnow().astimezone(VIETNAM_TZ).strftime("%Y%m%d-%H%M")
    headers = {"Content-Disposition": f'attachment; filename="{what}-{stamp}.{fmt}"', "Cache-Control": "no-store"}
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)
