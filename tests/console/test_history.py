"""History: who changed what and when; restoring an earlier version is itself a new version."""

from __future__ import annotations

import re

from sqlalchemy import select

from dichvucong.db.models import ContentVersion, Faq
from dichvucong.db.revision import current_revision
from dichvucong.db.session import get_sessionmaker
from tests.console.conftest import ConsoleClient, page_text
from tests.console.test_faqs import NEW_FAQ, faq_id_from
from tests.console.test_procedures import ID_CARD, form_fields, load, procedure_id


def versions(client: ConsoleClient, entity_type: str, entity_id: int) -> list[ContentVersion]:
    with get_sessionmaker(client.http.app.state.console.settings.database_url)() as session:
        query = select(ContentVersion).where(ContentVersion.entity_type == entity_type, ContentVersion.entity_id == entity_id)
        return list(session.scalars(query.order_by(ContentVersion.id)))


def test_every_change_is_recorded(editor: ConsoleClient, admin_client: ConsoleClient) -> None:
    editor.get("/console/faqs/new")
    faq_id = faq_id_from(editor.post("/console/faqs/new", NEW_FAQ))
    admin_client.get(f"/console/faqs/{faq_id}/edit")
    admin_client.post(f"/console/faqs/{faq_id}/edit", {**NEW_FAQ, "answer": "Đã sửa số tiền.", "tags": "dân số", "version": "1"})
    editor.post(f"/console/faqs/{faq_id}/delete")
    editor.post(f"/console/faqs/{faq_id}/restore")
    rows = versions(editor, "faq", faq_id)
    assert [(v.version, v.action, v.author) for v in rows] == [
        (1, "create", "editor1"), (2, "update", "admin1"), (3, "delete", "editor1"), (4, "restore", "editor1"),
    ]
    assert rows[1].summary == "Sửa: Câu trả lời, Nhãn"
    assert rows[1].snapshot["answer"] == "Đã sửa số tiền." and rows[0].snapshot["answer"] == NEW_FAQ["answer"]
    page = page_text(editor.get(f"/console/history/faq/{faq_id}"))
    assert "Sửa: Câu trả lời, Nhãn" in page and "admin1" in page and "v4" in page


def test_restore_an_earlier_version(editor: ConsoleClient) -> None:
    app = editor.http.app
    url = app.state.console.settings.database_url
    editor.get("/console/faqs/new")
    faq_id = faq_id_from(editor.post("/console/faqs/new", NEW_FAQ))
    editor.post(f"/console/faqs/{faq_id}/edit", {**NEW_FAQ, "answer": "Câu trả lời sai.", "version": "1"})
    assert app.state.assistant.answer_question(NEW_FAQ["question"], None).text == "Câu trả lời sai."
    first = versions(editor, "faq", faq_id)[0]
    page = editor.get(f"/console/history/faq/{faq_id}/{first.id}")
    assert "Khôi phục phiên bản này" in page.text and "khác" in page.text
    with get_sessionmaker(url)() as session:
        revision = current_revision(session)
    response = editor.post(f"/console/history/faq/{faq_id}/{first.id}/restore", {"current_version": "2"})
    assert "Đã khôi phục phiên bản v1" in editor.follow(response).text
    rows = versions(editor, "faq", faq_id)
    assert [(v.version, v.action) for v in rows] == [(1, "create"), (2, "update"), (3, "revert")]
    assert rows[-1].summary == "Khôi phục phiên bản cũ v1: Câu trả lời"
    with get_sessionmaker(url)() as session:
        faq = session.get(Faq, faq_id)
        assert faq is not None and faq.answer == NEW_FAQ["answer"] and faq.version == 3
        assert current_revision(session) > revision
    assert app.state.assistant.answer_question(NEW_FAQ["question"], None).text == NEW_FAQ["answer"]
    stale = editor.post(f"/console/history/faq/{faq_id}/{first.id}/restore", {"current_version": "2"})
    assert "Nội dung đã được người khác sửa lúc" in page_text(editor.follow(stale))
    assert len(versions(editor, "faq", faq_id)) == 3


def test_first_edit_of_imported_content_keeps_the_imported_state(editor: ConsoleClient) -> None:
    pid = procedure_id(editor, ID_CARD)
    fields = form_fields(editor.get(f"/console/procedures/{pid}/edit").text)
    for key in [k for k in fields if k.endswith("-fee_text")]:
        fields[key] = "Lệ phí: 90.000 Đồng"
    editor.post(f"/console/procedures/{pid}/edit", fields)
    rows = versions(editor, "procedure", pid)
    assert [(v.version, v.action) for v in rows] == [(1, "baseline"), (2, "update")]
    assert rows[0].author == "import" and rows[1].summary == "Sửa: Cách thức nộp, thời hạn và lệ phí"
    assert "70.000" in rows[0].snapshot["channels"][0]["fee_text"]
    response = editor.post(f"/console/history/procedure/{pid}/{rows[0].id}/restore", {"current_version": "2"})
    assert response.status_code == 303
    procedure = load(editor, ID_CARD)
    assert {c.fee_amount for c in procedure.channels} == {70000} and procedure.version == 3
    assert "70.000 đồng" in editor.http.app.state.assistant.answer_question("làm lại căn cước mất bao nhiêu tiền", None).text


def test_version_page_shows_both_sides_escaped(editor: ConsoleClient) -> None:
    editor.get("/console/faqs/new")
    faq_id = faq_id_from(editor.post("/console/faqs/new", {**NEW_FAQ, "answer": "<img src=x onerror=alert(1)>"}))
    editor.post(f"/console/faqs/{faq_id}/edit", {**NEW_FAQ, "version": "1"})
    first = versions(editor, "faq", faq_id)[0]
    page = editor.get(f"/console/history/faq/{faq_id}/{first.id}")
    assert "<img src=x" not in page.text and "&lt;img src=x onerror=alert(1)&gt;" in page.text
    assert re.search(r"Phiên bản v1", page.text)


def test_reviewer_sees_history_without_restore(reviewer: ConsoleClient) -> None:
    page = reviewer.get("/console/history/procedure/1")
    assert page.status_code == 200 and "Khôi phục" not in page.text
