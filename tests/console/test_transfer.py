"""Import preview = import result, bad uploads get clear messages, export round trips."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from dichvucong.db.models import ContentVersion, Faq, Procedure
from dichvucong.db.revision import current_revision
from dichvucong.db.session import get_sessionmaker
from dichvucong.seed import CATALOG_FILE
from tests.console.conftest import ConsoleClient, page_text

CSV_HEADER = "id,question,answer,alt_questions,procedure_codes,tags,published\n"


def counts(text: str) -> dict[str, int]:
    """The four numbers of a preview/result page."""
    found = dict((label, int(n)) for n, label in re.findall(r"<strong>(\d+)</strong><span>([^<]+)</span>", text))
    return {
        "created": found.get("Sẽ thêm mới", found.get("Đã thêm", -1)),
        "updated": found.get("Sẽ cập nhật", found.get("Đã cập nhật", -1)),
        "unchanged": found.get("Không đổi", -1),
        "skipped": found.get("Bản ghi lỗi (bỏ qua)", -1),
    }


def upload(client: ConsoleClient, name: str, content: bytes):  # type: ignore[no-untyped-def]
    client.get("/console/import")
    return client.post("/console/import/preview", files={"file": (name, content)})


def commit(client: ConsoleClient, preview):  # type: ignore[no-untyped-def]
    token = re.search(r'name="upload" value="([^"]+)"', preview.text)
    assert token, preview.text[:3000]
    return client.post("/console/import/commit", {"upload": token.group(1)})


def state(client: ConsoleClient) -> tuple[int, int, int, int]:
    with get_sessionmaker(client.http.app.state.console.settings.database_url)() as session:
        return (
            session.scalar(select(func.count()).select_from(Faq)) or 0,
            session.scalar(select(func.count()).select_from(Procedure)) or 0,
            current_revision(session),
            session.scalar(select(func.sum(Faq.version))) or 0,
        )


def faq_csv(rows: list[str]) -> bytes:
    return (CSV_HEADER + "\n".join(rows) + "\n").encode("utf-8")


GOOD_AND_BAD = faq_csv(
    [
        'imp-1,Làm thẻ bảo hiểm y tế cho trẻ em ở đâu?,Tại UBND xã nơi trẻ đăng ký khai sinh.,the bhyt tre em,,y tế,true',
        'imp-2,,Thiếu câu hỏi,,,,true',
        'imp-3,Câu hỏi nháp mới?,Bản nháp.,,,,false',
        'imp-1,Trùng mã trong tệp?,Trả lời,,,,true',
    ]
)


def test_preview_equals_import_and_changes_nothing(editor: ConsoleClient) -> None:
    before = state(editor)
    preview = upload(editor, "cau-hoi.csv", GOOD_AND_BAD)
    assert preview.status_code == 200, page_text(preview)[:2000]
    expected = counts(preview.text)
    assert expected == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 2}
    text = page_text(preview)
    assert "dòng 3" in text and "dòng 5" in text and "trùng mã câu hỏi imp-1" in text
    assert "question: không được để trống" in text and "String should" not in text
    assert "Làm thẻ bảo hiểm y tế cho trẻ em ở đâu?" in text
    assert state(editor) == before  # nothing written, not even the content revision
    done = commit(editor, preview)
    assert done.status_code == 200 and counts(done.text) == expected
    assert "Thêm mới 2, cập nhật 0, không đổi 0, bỏ qua 2" in page_text(done)
    after = state(editor)
    assert after[0] == before[0] + 2 and after[2] > before[2]
    app = editor.http.app
    assert app.state.assistant.answer_question("làm thẻ bảo hiểm y tế cho trẻ em ở đâu", None).text.startswith("Tại UBND xã")
    with get_sessionmaker(app.state.console.settings.database_url)() as session:
        imported = session.scalar(select(Faq).where(Faq.external_id == "imp-1"))
        history = list(session.scalars(select(ContentVersion).where(ContentVersion.entity_id == imported.id, ContentVersion.entity_type == "faq")))  # type: ignore[union-attr]
    assert [(v.action, v.author) for v in history] == [("import", "editor1")]
    assert "Nhập từ tệp cau-hoi.csv (thêm mới)" in history[0].summary
    again = upload(editor, "cau-hoi.csv", GOOD_AND_BAD)
    assert counts(again.text) == {"created": 0, "updated": 0, "unchanged": 2, "skipped": 2}


def test_catalogue_preview_and_import(editor: ConsoleClient) -> None:
    records = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    changed = dict(records[0], yeu_cau_dieu_kien="Điều kiện mới theo Nghị định 2026.")
    new = dict(records[1], ma_tthc="9.999001", ten_tthc="Thủ tục thử nghiệm nhập từ tệp")
    bad = {"ma_tthc": "", "ten_tthc": "Không có mã"}
    content = json.dumps([changed, *records[2:5], new, bad], ensure_ascii=False).encode("utf-8")
    before = state(editor)
    preview = upload(editor, "export.json", content)
    expected = counts(preview.text)
    assert expected == {"created": 1, "updated": 1, "unchanged": 3, "skipped": 1}
    assert "Yêu cầu, điều kiện" in page_text(preview) and state(editor) == before
    done = commit(editor, preview)
    assert counts(done.text) == expected
    assert state(editor)[1] == before[1] + 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("cau-hoi.txt", b"question,answer\n", "Chỉ nhận tệp .json"),
        ("cau-hoi.csv", b"", "Tệp rỗng"),
        ("cau-hoi.csv", "question,answer\nCâu hỏi,Trả lời\n".encode("cp1258", errors="replace") + b"\xff\xfe\xfa", "UTF-8"),
        ("cau-hoi.csv", b"cau,tra loi\na,b\n", "Tệp CSV cần có ít nhất hai cột: question, answer."),
        ("export.json", b"{not json", "không phải JSON hợp lệ"),
        ("export.json", b'{"a": 1}', "phải chứa một mảng JSON"),
        ("cau-hoi.xlsx", b"PK\x03\x04 this is not a workbook", "Tệp .xlsx bị hỏng"),
        ("cau-hoi.jsonl", b'{"question": "Q?", "answer": "A"}\n{broken\n', None),
    ],
    ids=["extension", "empty", "encoding", "columns", "json", "json-shape", "xlsx", "jsonl-line"],
)
def test_bad_uploads_get_a_clear_message(editor: ConsoleClient, name: str, content: bytes, message: str | None) -> None:
    before = state(editor)
    response = upload(editor, name, content)
    text = page_text(response)
    assert "Traceback" not in response.text and "Internal Server Error" not in response.text
    if message is None:  # a bad line is a bad record, listed with its reason
        assert response.status_code == 200 and "dòng 2" in text and "JSON không hợp lệ" in text
    else:
        assert response.status_code == 400 and message in text, text[:1500]
    assert state(editor) == before


def test_no_file_chosen(editor: ConsoleClient) -> None:
    editor.get("/console/import")
    response = editor.post("/console/import/preview", {})
    assert response.status_code == 400 and "Hãy chọn một tệp để nhập." in page_text(response)


def test_uploads_over_the_limit_are_refused(editor: ConsoleClient) -> None:
    big = CSV_HEADER.encode() + b"x" * (1024 * 1024 + 10)  # the test limit is 1 MB
    response = upload(editor, "lon.csv", big)
    assert response.status_code == 413 and "Tệp quá lớn: tối đa 1 MB" in page_text(response)
    huge = b"x" * (2 * 1024 * 1024)  # beyond the limit plus form overhead: refused before reading
    response = upload(editor, "rat-lon.csv", huge)
    assert response.status_code == 413 and "Tệp quá lớn" in page_text(response)


def test_streamed_body_without_length_is_counted(editor: ConsoleClient) -> None:
    editor.get("/console/import")

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"x" * 65536

    response = editor.http.post(
        "/console/import/preview", content=chunks(), headers={"content-type": "multipart/form-data; boundary=abc"}
    )
    assert response.status_code == 413 and "Tệp quá lớn" in page_text(response)


def test_upload_of_another_official_cannot_be_imported(editor: ConsoleClient, admin_client: ConsoleClient) -> None:
    preview = upload(editor, "cau-hoi.csv", GOOD_AND_BAD)
    token = re.search(r'name="upload" value="([^"]+)"', preview.text).group(1)  # type: ignore[union-attr]
    response = admin_client.post("/console/import/commit", {"upload": token})
    assert response.status_code == 400 and "tài khoản khác" in page_text(response)
    traversal = editor.post("/console/import/commit", {"upload": "../../etc"})
    assert traversal.status_code == 400 and "Hãy tải tệp lên lại" in page_text(traversal)


def test_cancel_discards_the_upload(editor: ConsoleClient) -> None:
    preview = upload(editor, "cau-hoi.csv", GOOD_AND_BAD)
    token = re.search(r'name="upload" value="([^"]+)"', preview.text).group(1)  # type: ignore[union-attr]
    assert "Đã hủy" in editor.follow(editor.post("/console/import/cancel", {"upload": token})).text
    upload_dir = Path(editor.http.app.state.console.settings.console_upload_dir)
    assert not (upload_dir / token).exists()
    assert editor.post("/console/import/commit", {"upload": token}).status_code == 400


def test_faq_csv_export_round_trip_is_unchanged(editor: ConsoleClient) -> None:
    editor.get("/console/faqs/new")
    editor.post("/console/faqs/new", {"question": "Câu hỏi có dấu phẩy, ngoặc kép \"x\" và\nxuống dòng?", "answer": "Trả lời, nhiều dòng\nthứ hai.", "alt_questions": "cách 1\ncách 2", "tags": "a, b", "status": "draft"})
    exported = editor.get("/console/export/faqs.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert 'filename="faqs-' in exported.headers["content-disposition"]
    assert exported.content.startswith(b"\xef\xbb\xbf")  # Excel opens Vietnamese correctly
    live = state(editor)[0]
    preview = upload(editor, "faqs.csv", exported.content)
    assert counts(preview.text) == {"created": 0, "updated": 0, "unchanged": live, "skipped": 0}


def test_faq_xlsx_export_round_trip_is_unchanged(editor: ConsoleClient) -> None:
    exported = editor.get("/console/export/faqs.xlsx")
    workbook = load_workbook(io.BytesIO(exported.content))
    header = [c.value for c in workbook.active[1]]
    assert header == ["id", "question", "answer", "alt_questions", "procedure_codes", "tags", "published"]
    preview = upload(editor, "faqs.xlsx", exported.content)
    assert counts(preview.text) == {"created": 0, "updated": 0, "unchanged": state(editor)[0], "skipped": 0}


def test_xlsx_written_by_hand_is_imported(editor: ConsoleClient) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["question", "answer", "tags", "published"])
    sheet.append(["Xin giấy phép xây nhà ở nông thôn có cần không?", "Nhà ở nông thôn thường được miễn giấy phép, trừ khu vực đã có quy hoạch.", "xây dựng", True])
    sheet.append([None, "Thiếu câu hỏi", None, False])
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = upload(editor, "tay.xlsx", buffer.getvalue())
    assert counts(preview.text) == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 1}
    assert "dòng 3" in page_text(preview)
    assert counts(commit(editor, preview).text)["created"] == 1


def test_procedure_exports(reviewer: ConsoleClient) -> None:
    csv_file = reviewer.get("/console/export/procedures.csv").content.decode("utf-8-sig")
    assert csv_file.splitlines()[0].startswith("ma_tthc,ten_tthc,linh_vuc") and "Cấp lại thẻ căn cước" in csv_file
    workbook = load_workbook(io.BytesIO(reviewer.get("/console/export/procedures.xlsx").content))
    assert workbook.active.max_row == 35  # header + 34 procedures
    assert reviewer.get("/console/export/nothing.csv").status_code == 400
