"""Importing FAQs from CSV and JSONL: round trip, idempotency, bad rows."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dichvucong.db.models import Faq
from dichvucong.faqs.importer import FaqFileError, import_faqs
from dichvucong.seed import DATA_DIR


def _csv(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "faqs.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "question", "answer", "alt_questions", "procedure_codes", "tags"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Faq)) or 0


def test_seed_faqs_import(db_session: Session) -> None:
    report = import_faqs(db_session, DATA_DIR / "faqs.jsonl")
    assert report.created >= 60 and not report.skipped
    assert _count(db_session) == report.created


def test_csv_round_trip_with_pipe_separated_lists(db_session: Session, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        [{"id": "f1", "question": "Giờ làm việc của bộ phận một cửa?", "answer": "Sáng 7h30–11h30.",
          "alt_questions": "may gio mo cua|gio lam viec", "procedure_codes": "", "tags": "chung|giờ làm việc"}],
    )
    assert import_faqs(db_session, path).created == 1
    faq = db_session.scalar(select(Faq).where(Faq.external_id == "f1"))
    assert faq.alt_questions == ["may gio mo cua", "gio lam viec"]
    assert faq.tags == ["chung", "giờ làm việc"] and faq.procedure_codes == []


def test_reimport_is_idempotent_and_updates_changed_answers(db_session: Session, tmp_path: Path) -> None:
    row = {"id": "f1", "question": "Hỏi?", "answer": "Đáp.", "alt_questions": "", "procedure_codes": "1.001193", "tags": ""}
    path = _csv(tmp_path, [row])
    import_faqs(db_session, path)
    again = import_faqs(db_session, path)
    assert (again.created, again.unchanged) == (0, 1)
    updated = import_faqs(db_session, _csv(tmp_path, [{**row, "answer": "Đáp mới."}]))
    assert updated.updated == 1 and _count(db_session) == 1
    assert db_session.scalar(select(Faq.answer).where(Faq.external_id == "f1")) == "Đáp mới."


def test_rows_without_id_are_identified_by_their_question(db_session: Session, tmp_path: Path) -> None:
    rows = [{"id": "", "question": "Mất giấy khai sinh thì làm sao?", "answer": "Xin trích lục.",
             "alt_questions": "", "procedure_codes": "", "tags": ""}]
    import_faqs(db_session, _csv(tmp_path, rows))
    rows[0]["question"] = "mat giay khai sinh thi lam sao"  # same question typed differently
    report = import_faqs(db_session, _csv(tmp_path, rows))
    assert report.created == 0 and _count(db_session) == 1


def test_bad_jsonl_lines_are_reported_and_good_ones_kept(db_session: Session, tmp_path: Path) -> None:
    path = tmp_path / "faqs.jsonl"
    lines = [
        json.dumps({"id": "a", "question": "Câu một?", "answer": "Một.", "alt_questions": ["cau mot"]}, ensure_ascii=False),
        "{broken json",
        json.dumps({"id": "b", "question": "", "answer": "Thiếu câu hỏi."}, ensure_ascii=False),
        json.dumps({"id": "c", "question": "Câu ba?"}, ensure_ascii=False),
        json.dumps({"id": "a", "question": "Trùng?", "answer": "x"}, ensure_ascii=False),
        json.dumps({"id": "d", "question": "Câu bốn?", "answer": "Bốn.", "tags": "x|y"}, ensure_ascii=False),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_faqs(db_session, path)
    assert report.created == 2
    assert [s.where for s in report.skipped] == ["dòng 2", "dòng 3", "dòng 4", "dòng 5"]
    assert _count(db_session) == 2


def test_html_is_stored_as_given_never_executed(db_session: Session, tmp_path: Path) -> None:
    path = _csv(tmp_path, [{"id": "x", "question": "<script>alert(1)</script>?", "answer": "<b>đậm</b>",
                            "alt_questions": "", "procedure_codes": "", "tags": ""}])
    import_faqs(db_session, path)
    assert db_session.scalar(select(Faq.answer).where(Faq.external_id == "x")) == "<b>đậm</b>"


@pytest.mark.parametrize(("name", "content"), [("faqs.txt", "x"), ("faqs.csv", "cau_hoi,tra_loi\na,b\n")])
def test_wrong_file_shape_gives_a_clear_error(db_session: Session, tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FaqFileError):
        import_faqs(db_session, path)
