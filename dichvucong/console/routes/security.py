"""Codes whose online lookup is throttled or locked by the guessing budget; admins lift locks."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from dichvucong.applications.budget import CodeBudget, wait_text
from dichvucong.console.deps import ConsoleDep, CurrentUser, FormDep
from dichvucong.console.errors import Forbidden
from dichvucong.console.routes.common import console_router, form_text
from dichvucong.console.templating import redirect, render

router = console_router("/security")


def code_budget(request: Request, ctx: ConsoleDep) -> CodeBudget:
    return CodeBudget(request.app.state.sessionmaker, ctx.settings)


@router.get("/codes")
def locked_codes(request: Request, user: CurrentUser, ctx: ConsoleDep) -> Response:
    """Every code with a spent or strained budget: masked code, counts, first and last failure."""
    rows = code_budget(request, ctx).alerts()
    context = {"nav": "security", "rows": rows, "wait_text": wait_text, "settings": ctx.settings}
    return render(request, "security/codes.html", context)


@router.post("/codes/{row_id}/lift")
def lift_lock(request: Request, row_id: int, user: CurrentUser, form: FormDep, ctx: ConsoleDep) -> Response:
    """After checking the citizen's ID at the office: the code can be looked up online again."""
    if user.role != "admin":
        raise Forbidden("Chỉ quản trị viên mới được mở lại tra cứu cho một mã hồ sơ (sau khi kiểm tra giấy tờ tùy thân).")
    masked = code_budget(request, ctx).lift(row_id, user.username, form_text(form, "note")[:500])
    if masked is None:
        return redirect(request, "/console/security/codes", "Không tìm thấy mã này (có thể đã được mở).", "info")
    return redirect(request, "/console/security/codes", f"Đã mở lại tra cứu trực tuyến cho mã {masked}.")
