"""Importing applications from CSV: demo file, idempotency, history, labels, bad rows."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dichvucong.applications.dates import as_utc, format_date
from dichvucong.applications.importer import ApplicationFileError, import_applications
from dichvucong.applications.statuses import STATUS_LABELS, parse_status
from dichvucong.db.models import Application, ApplicationStatusEvent
from dichvucong.seed import APPLICATIONS_FILE, CATALOG_FILE
from tests.applications.conftest import COLUMNS, add_procedures, row, write_csv

LATER = datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)


def _events(session: Session, code: str) -> list[ApplicationStatusEvent]:
    return list(
        session.scalars(
            select(ApplicationStatusEvent)
            .join(Application)
            .where(Application.code == code)
            .order_by(ApplicationStatusEvent.id)
        )
    )


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_demo_file_imports_cleanly_with_every_status_twice(db_session: Session) -> None:
    catalogue = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    add_procedures(db_session, {p["ma_tthc"]: p["ten_tthc"] for p in catalogue})
    report = import_applications(db_session, APPLICATIONS_FILE)
    assert not report.skipped and report.created >= 24
    statuses = Counter(db_session.scalars(select(Application.status)))
    assert set(statuses) == set(STATUS_LABELS) and min(statuses.values()) >= 2
    assert not db_session.scalar(select(func.count()).where(Application.procedure_name == ""))
    assert all(phone.startswith("09000") for phone in db_session.scalars(select(Application.phone)))
    again = import_applications(db_session, APPLICATIONS_FILE)
    assert again.unchanged == report.created and again.created == again.updated == 0


def test_reimport_is_idempotent_and_changes_add_history(db_session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [row()])
    first = import_applications(db_session, path)
    assert (first.created, first.updated, first.unchanged) == (1, 0, 0)
    assert [e.status for e in _events(db_session, row()["code"])] == ["processing"]

    assert import_applications(db_session, path).unchanged == 1
    assert len(_events(db_session, row()["code"])) == 1  # unchanged rows add no history

    write_csv(path, [row(phone="0900009999")])  # a change nobody follows: no history event
    assert import_applications(db_session, path).updated == 1
    assert len(_events(db_session, row()["code"])) == 1

    write_csv(path, [row(phone="0900009999", current_step="Trình ký")])
    import_applications(db_session, path, clock=lambda: LATER)
    write_csv(path, [row(phone="0900009999", current_step="Trả kết quả", status="ready", pickup_place="Quầy 3")])
    import_applications(db_session, path, clock=lambda: LATER)
    events = _events(db_session, row()["code"])
    assert [(e.status, e.current_step) for e in events] == [
        ("processing", "Thẩm định hồ sơ"),
        ("processing", "Trình ký"),
        ("ready", "Trả kết quả"),
    ]
    assert all(e.source == "import" for e in events)
    assert as_utc(events[-1].recorded_at) == LATER
    assert _count(db_session, Application) == 1


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("đã tiếp nhận", "received"),
        ("Đang xử lý", "processing"),
        ("yêu cầu bổ sung", "needs_documents"),
        ("quá hạn", "overdue"),
        ("đã có kết quả", "ready"),
        ("Chờ trả kết quả", "ready"),
        ("đã trả kết quả", "returned"),
        ("từ chối", "rejected"),
        ("da tra ket qua", "returned"),  # typed without accents
        ("NEEDS_DOCUMENTS", "needs_documents"),
        ("needs documents", "needs_documents"),
    ],
)
def test_status_labels(label: str, key: str) -> None:
    assert parse_status(label) == key


def test_vietnamese_labels_in_a_file(db_session: Session, tmp_path: Path) -> None:
    rows = [
        row(code="000.21.10.H51-261120-0001", status="đã tiếp nhận"),
        row(code="000.21.10.H51-261120-0002", status="Yêu cầu bổ sung", missing_documents="Tờ khai| Bản sao CCCD |"),
        row(code="000.21.10.H51-261120-0003", status="chờ trả kết quả", fees_due="50.000 đồng"),
        row(code="000.21.10.H51-261120-0004", status="từ chối", note="Không đủ điều kiện"),
    ]
    report = import_applications(db_session, write_csv(tmp_path / "vi.csv", rows))
    assert report.created == 4 and not report.skipped
    stored = {a.code[-4:]: a for a in db_session.scalars(select(Application))}
    assert [stored[k].status for k in ("0001", "0002", "0003", "0004")] == [
        "received", "needs_documents", "ready", "rejected",
    ]
    assert stored["0002"].missing_documents == ["Tờ khai", "Bản sao CCCD"]
    assert stored["0003"].fees_due == 50000


def test_bad_rows_are_reported_by_line_and_the_rest_imported(db_session: Session, tmp_path: Path) -> None:
    rows = [
        row(code="000.21.10.H51-261120-0001"),
        row(code="000.21.10.H51-26112-0002"),  # line 3: bad code
        row(code="000.21.10.H51-261120-0003", status="đang chờ phép màu"),  # line 4
        row(code="000.21.10.H51-261120-0004", received_at="31/02/2026"),  # line 5
        row(code="000.21.10.H51-261120-0005", due_at="01/11/2026"),  # line 6: due before received
        row(code="000.21.10.H51-261120-0006", phone="12345"),  # line 7
        row(code="000.21.10.h51-261120-0001"),  # line 8: same code as line 2, other spelling
        row(code="000.21.10.H51-261120-0009", fees_due="năm chục"),  # line 9
        row(code="000.21.10.H51-261120-0010", applicant_name=""),  # line 10
        row(code="000.21.10.H51-261120-0011", phone="+84 900 001 234"),  # fine
    ]
    report = import_applications(db_session, write_csv(tmp_path / "bad.csv", rows))
    assert (report.created, len(report.skipped)) == (2, 8)
    where = [s.where for s in report.skipped]
    assert where == [f"dòng {n}" for n in (3, 4, 5, 6, 7, 8, 9, 10)]
    reasons = " ".join(s.reason for s in report.skipped)
    for fragment in ("mã hồ sơ", "trạng thái", "ngày", "due_at", "số điện thoại", "trùng mã", "phí"):
        assert fragment in reasons
    phone = db_session.scalar(select(Application.phone).where(Application.code.endswith("0011")))
    assert phone == "0900001234"


def test_codes_and_dates_are_normalised(db_session: Session, tmp_path: Path) -> None:
    rows = [
        row(code=" 000 21 10 h51 261120 0007 ", received_at="2026-11-20T08:30:00+07:00", due_at="2026-12-01"),
        row(code="000.21.10.H51-261120-0008", received_at="20/11/2026", completed_at="25/11/2026 23:30",
            status="returned"),
    ]
    import_applications(db_session, write_csv(tmp_path / "n.csv", rows, delimiter=";"))
    first = db_session.scalar(select(Application).where(Application.code == "000.21.10.H51-261120-0007"))
    assert as_utc(first.received_at) == datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc)
    assert format_date(first.due_at) == "01/12/2026"
    second = db_session.scalar(select(Application).where(Application.code == "000.21.10.H51-261120-0008"))
    assert format_date(second.completed_at) == "25/11/2026"  # 23:30 in Vietnam is still the 25th


def test_procedure_name_comes_from_the_catalogue(db_session: Session, tmp_path: Path) -> None:
    add_procedures(db_session, {"1.004194": "Đăng ký thường trú"})
    columns = [*COLUMNS, "procedure_name"]
    rows = [
        row(code="000.21.10.H51-261120-0001", procedure_name="tên trong tệp"),
        row(code="000.21.10.H51-261120-0002", procedure_code="9.999999", procedure_name="Thủ tục ngoài danh mục"),
    ]
    import_applications(db_session, write_csv(tmp_path / "p.csv", rows, columns=columns))
    names = {code: name for code, name in db_session.execute(select(Application.code, Application.procedure_name))}
    assert names["000.21.10.H51-261120-0001"] == "Đăng ký thường trú"
    assert names["000.21.10.H51-261120-0002"] == "Thủ tục ngoài danh mục"


def test_whole_file_problems(db_session: Session, tmp_path: Path) -> None:
    with pytest.raises(ApplicationFileError, match="thiếu cột"):
        import_applications(db_session, write_csv(tmp_path / "c.csv", [row()], columns=["code", "status"]))
    with pytest.raises(ApplicationFileError, match="Không tìm thấy"):
        import_applications(db_session, tmp_path / "none.csv")
    with pytest.raises(ApplicationFileError, match=".csv"):
        import_applications(db_session, tmp_path / "a.json")


def test_progress_is_reported(db_session: Session, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    rows = [row(code=f"000.21.10.H51-261120-000{i}") for i in range(1, 4)]
    import_applications(db_session, write_csv(tmp_path / "p.csv", rows), on_progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 3), (2, 3), (3, 3)]
