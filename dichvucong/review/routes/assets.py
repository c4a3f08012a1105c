"""The review pages' own files (charts script, styles, vendored Chart.js): served locally."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import FileResponse, Response
from sqlalchemy import select

from dichvucong.api.deps import SessionDep
from dichvucong.console.deps import AdminUser
from dichvucong.console.errors import NotFound
from dichvucong.db.models import ReviewAudit
from dichvucong.review.routes.common import page, review_router

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".md": "text/plain; charset=utf-8"}
ACTION_LABELS = {
    "reveal": "Xem nội dung gốc", "export_csv": "Xuất hội thoại (CSV)", "export_nlu": "Xuất dữ liệu NLU",
    "retention": "Xóa theo thời hạn lưu",
    "attach_faq": "Gắn câu hỏi vào câu hỏi thường gặp", "attach_procedure": "Gắn câu hỏi vào thủ tục",
    "attach_thesaurus": "Gắn câu hỏi vào từ đồng nghĩa",
}

router = review_router()


@router.get("/static/{name:path}")
def static_file(name: str) -> Response:
    path = (STATIC_DIR / name).resolve()
    if not path.is_file() or STATIC_DIR not in path.parents or path.suffix not in MEDIA_TYPES:
        raise NotFound("Không có tệp này.")
    headers = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=headers)


@router.get("/audit")
def audit_log(request: Request, user: AdminUser, db: SessionDep) -> Response:
    """Admins: who revealed which message, who exported what, what retention deleted."""
    items = list(db.scalars(select(ReviewAudit).order_by(ReviewAudit.id.desc()).limit(500)))
    return page(request, "audit.html", {"items": items, "labels": ACTION_LABELS})
