"""Staff see application codes locked by the guessing budget; only admins lift a lock (audited)."""

from __future__ import annotations

from sqlalchemy import select

from dichvucong.config import Settings
from dichvucong.db.base import utcnow
from dichvucong.db.models import LookupCodeBudget, SecurityAudit
from dichvucong.db.session import get_sessionmaker
from tests.console.conftest import ConsoleClient, page_text

CODE = "000.21.12.H51-261125-0027"
MASKED = "000.21.12.H51-******-**27"


def _locked_code(settings: Settings) -> int:
    now = utcnow()
    with get_sessionmaker(settings.database_url)() as session:
        row = LookupCodeBudget(
            code=CODE, failures=[now.timestamp() - n for n in range(10)], total_failures=10,
            first_failure_at=now, last_failure_at=now, locked_at=now, version=1,
        )
        session.add(row)
        session.commit()
        return row.id


def test_banner_list_and_audited_lift(admin: ConsoleClient, console_settings: Settings) -> None:
    row_id = _locked_code(console_settings)
    home = page_text(admin.get("/console"))
    assert "Cảnh báo bảo mật: 1 mã hồ sơ đã bị khóa" in home
    listing = admin.get("/console/security/codes")
    assert MASKED in listing.text and CODE not in listing.text and "Mở lại tra cứu" in listing.text
    lifted = admin.post(f"/console/security/codes/{row_id}/lift", {"note": "đã xem Căn cước"})
    assert f"Đã mở lại tra cứu trực tuyến cho mã {MASKED}" in admin.follow(lifted).text
    assert "Cảnh báo bảo mật" not in admin.get("/console").text
    with get_sessionmaker(console_settings.database_url)() as session:
        [audit] = session.scalars(select(SecurityAudit)).all()
        row = session.get(LookupCodeBudget, row_id)
    assert (audit.action, audit.subject) == ("lift_code_lock", MASKED) and "đã xem Căn cước" in audit.detail
    assert row is not None and row.locked_at is None and row.failures == [] and row.lifted_by == "admin1"


def test_editors_see_the_list_but_cannot_lift(editor: ConsoleClient, console_settings: Settings) -> None:
    row_id = _locked_code(console_settings)
    assert "Cảnh báo bảo mật" in editor.get("/console").text
    listing = editor.get("/console/security/codes")
    assert MASKED in listing.text and "Mở lại tra cứu</button>" not in listing.text
    refused = editor.post(f"/console/security/codes/{row_id}/lift", {})
    assert refused.status_code == 403 and "Chỉ quản trị viên mới được mở lại tra cứu" in refused.text
