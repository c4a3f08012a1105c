"""Procedures: fee edits are re-parsed and answered at once, enable/disable, create, rows."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dichvucong.db.models import Procedure
from dichvucong.db.session import get_sessionmaker
from tests.console.conftest import ConsoleClient, page_text

ID_CARD = "1.012354"  # Cấp lại thẻ căn cước: 70.000 đồng in the demo data


def form_fields(html: str) -> dict[str, str]:
    """The values a browser would submit for the edit form (inputs, textareas, checked boxes)."""
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input [^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="file"' in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="checkbox"' in tag:
            if "checked" in tag:
                fields[name.group(1)] = "on"
            continue
        fields[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, value in re.findall(r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        fields[name] = unescape(value)
    template_free = {k: v for k, v in fields.items() if "__i__" not in k}
    return template_free


def unescape(text: str) -> str:
    import html

    return html.unescape(text)


def procedure_id(client: ConsoleClient, code: str) -> int:
    with get_sessionmaker(client.http.app.state.console.settings.database_url)() as session:
        return int(session.scalar(select(Procedure.id).where(Procedure.code == code)))  # type: ignore[arg-type]


def load(client: ConsoleClient, code: str) -> Procedure:
    with get_sessionmaker(client.http.app.state.console.settings.database_url)() as session:
        query = select(Procedure).where(Procedure.code == code).options(selectinload(Procedure.channels), selectinload(Procedure.documents))
        return session.scalar(query)  # type: ignore[return-value]


def test_fee_change_is_reparsed_and_answered_at_once(editor: ConsoleClient) -> None:
    app = editor.http.app
    assert "70.000 đồng" in app.state.assistant.answer_question("làm lại căn cước mất bao nhiêu tiền", None).text
    pid = procedure_id(editor, ID_CARD)
    fields = form_fields(editor.get(f"/console/procedures/{pid}/edit").text)
    fee_keys = [k for k in fields if k.startswith("channels-") and k.endswith("-fee_text")]
    assert fee_keys
    for key in fee_keys:
        fields[key] = "Lệ phí: 50.000 Đồng (theo Thông tư mới)"
    response = editor.post(f"/console/procedures/{pid}/edit", fields)
    assert "Đã lưu" in editor.follow(response).text
    procedure = load(editor, ID_CARD)
    assert {c.fee_amount for c in procedure.channels} == {50000} and procedure.version == 2 and procedure.updated_by == "editor1"
    reply = app.state.assistant.answer_question("làm lại căn cước mất bao nhiêu tiền", None)
    assert "50.000 đồng" in reply.text and "70.000" not in reply.text


def test_documents_rows_flags_and_removal(editor: ConsoleClient) -> None:
    pid = procedure_id(editor, ID_CARD)
    fields = form_fields(editor.get(f"/console/procedures/{pid}/edit").text)
    before = load(editor, ID_CARD)
    first_doc = sorted({k.split("-")[1] for k in fields if k.startswith("documents-")}, key=int)[0]
    for key in [k for k in fields if k.startswith(f"documents-{first_doc}-")]:
        del fields[key]  # the official pressed "Bỏ dòng này"
    fields.update({"documents-100001-name": "Giấy xác nhận mới theo Nghị định", "documents-100001-copy": "on"})
    editor.post(f"/console/procedures/{pid}/edit", fields)
    after = load(editor, ID_CARD)
    names = [d.name for d in after.documents]
    assert len(names) == len(before.documents) and before.documents[0].name not in names
    added = after.documents[-1]
    assert added.name == "Giấy xác nhận mới theo Nghị định" and added.copy and not added.original


def test_disable_and_enable(editor: ConsoleClient) -> None:
    app = editor.http.app
    pid = procedure_id(editor, "1.000894")
    assert app.state.assistant.answer_question("đăng ký kết hôn cần giấy tờ gì", None).procedure_code == "1.000894"
    response = editor.post(f"/console/procedures/{pid}/toggle", {"enabled": "0"})
    assert "Đã tắt thủ tục" in editor.follow(response).text
    reply = app.state.assistant.answer_question("đăng ký kết hôn cần giấy tờ gì", None)
    assert reply.procedure_code != "1.000894"
    assert "Đã tắt" in editor.get("/console/procedures", params={"status": "disabled"}).text
    editor.post(f"/console/procedures/{pid}/toggle", {"enabled": "1"})
    assert app.state.assistant.answer_question("đăng ký kết hôn cần giấy tờ gì", None).procedure_code == "1.000894"


def test_create_a_procedure(editor: ConsoleClient) -> None:
    app = editor.http.app
    editor.get("/console/procedures/new")
    fields = {
        "code": "9.000001", "name": "Đăng ký nuôi ong mật", "field": "Nông nghiệp", "keywords": "nuôi ong, ong mật",
        "enabled": "on", "channels-0-method": "Trực tiếp", "channels-0-time_text": "5 Ngày làm việc",
        "channels-0-fee_text": "Lệ phí: 20.000 Đồng", "channels-0-time_description": "",
        "documents-0-name": "Tờ khai đăng ký nuôi ong", "documents-0-original": "on",
    }
    response = editor.post("/console/procedures/new", fields)
    assert "Đã thêm thủ tục" in editor.follow(response).text
    procedure = load(editor, "9.000001")
    assert procedure.channels[0].fee_amount == 20000 and procedure.channels[0].processing_days == 5
    reply = app.state.assistant.answer_question("đăng ký nuôi ong mật hết bao nhiêu tiền", None)
    assert reply.procedure_code == "9.000001" and "20.000 đồng" in reply.text
    again = editor.post("/console/procedures/new", fields)
    assert again.status_code == 400 and "Đã có thủ tục mang mã 9.000001" in page_text(again)
    bad = editor.post("/console/procedures/new", {**fields, "code": "mã sai!"})
    assert bad.status_code == 400 and "Mã thủ tục gồm" in page_text(bad)


def test_missing_required_cells_are_reported(editor: ConsoleClient) -> None:
    pid = procedure_id(editor, ID_CARD)
    fields = form_fields(editor.get(f"/console/procedures/{pid}/edit").text)
    fields.update({"name": "", "documents-100001-kind": "Bản giấy"})  # a document row without its name
    response = editor.post(f"/console/procedures/{pid}/edit", fields)
    text = page_text(response)
    assert response.status_code == 400 and "Hãy nhập tên thủ tục." in text and "còn thiếu ô bắt buộc" in text
    assert load(editor, ID_CARD).version == 1


def test_stale_procedure_form_is_refused(editor: ConsoleClient, admin_client: ConsoleClient) -> None:
    pid = procedure_id(editor, ID_CARD)
    editor_fields = form_fields(editor.get(f"/console/procedures/{pid}/edit").text)
    admin_fields = form_fields(admin_client.get(f"/console/procedures/{pid}/edit").text)
    admin_client.post(f"/console/procedures/{pid}/edit", {**admin_fields, "conditions": "Điều kiện mới của quản trị."})
    response = editor.post(f"/console/procedures/{pid}/edit", {**editor_fields, "conditions": "Điều kiện của biên tập."})
    assert response.status_code == 409 and "Nội dung đã được người khác sửa lúc" in page_text(response)
    assert load(editor, ID_CARD).conditions == "Điều kiện mới của quản trị."


def test_list_search_is_accent_insensitive(reviewer: ConsoleClient) -> None:
    plain = reviewer.get("/console/procedures", params={"q": "ket hon"})
    assert "Đăng ký kết hôn" in plain.text
    fields = reviewer.get("/console/procedures", params={"field": "Hộ tịch"})
    assert "Đăng ký kết hôn" in fields.text and "Cấp lại thẻ căn cước" not in fields.text
