"""FAQs: create/publish reaches the bot, drafts and the trash do not, filters, concurrency, escaping."""

from __future__ import annotations

import re

from fastapi import FastAPI
from sqlalchemy import select

from dichvucong.db.models import Faq
from dichvucong.db.revision import current_revision
from dichvucong.db.session import get_sessionmaker
from tests.console.conftest import ConsoleClient, page_text

NEW_FAQ = {
    "question": "Sinh con thứ hai được hỗ trợ bao nhiêu tiền?",
    "alt_questions": "ho tro sinh con thu hai\ntiền thưởng sinh con thứ 2",
    "answer": "Theo Nghị quyết mới của HĐND tỉnh, gia đình sinh con thứ hai được hỗ trợ 3.000.000 đồng, nhận tại UBND xã.",
    "procedure_codes": "",
    "tags": "dân số, hỗ trợ",
    "status": "published",
}


def bot(app: FastAPI, question: str):  # type: ignore[no-untyped-def]
    """What the assistant (the same service the action server runs) answers."""
    return app.state.assistant.answer_question(question, intent=None)


def faq_id_from(response) -> int:  # type: ignore[no-untyped-def]
    match = re.search(r"/console/faqs/(\d+)$", response.headers["location"])
    assert match, response.headers
    return int(match.group(1))


def test_published_faq_is_answered_at_once(editor: ConsoleClient) -> None:
    app = editor.http.app
    assert "3.000.000" not in bot(app, "sinh con thu hai duoc ho tro bao nhieu tien").text
    editor.get("/console/faqs/new")
    response = editor.post("/console/faqs/new", NEW_FAQ)
    faq_id = faq_id_from(response)
    page = editor.follow(response)
    assert "Đã tạo câu hỏi (đã xuất bản" in page.text
    reply = bot(app, "sinh con thu hai duoc ho tro bao nhieu tien")
    assert reply.kind == "faq" and reply.text == NEW_FAQ["answer"]
    assert bot(app, "sinh con thứ 2 được hỗ trợ bao nhiêu").text == NEW_FAQ["answer"]
    with get_sessionmaker(app.state.console.settings.database_url)() as session:
        faq = session.get(Faq, faq_id)
        assert faq is not None and faq.updated_by == "editor1" and faq.tags == ["dân số", "hỗ trợ"]
        assert faq.alt_questions == ["ho tro sinh con thu hai", "tiền thưởng sinh con thứ 2"]


def test_draft_is_not_answered_until_published(editor: ConsoleClient) -> None:
    app = editor.http.app
    editor.get("/console/faqs/new")
    faq_id = faq_id_from(editor.post("/console/faqs/new", {**NEW_FAQ, "status": "draft"}))
    assert bot(app, NEW_FAQ["question"]).text != NEW_FAQ["answer"]
    assert all(h.id != faq_id for h in app.state.search.search(NEW_FAQ["question"], k=20) if h.type == "faq")
    form = editor.get(f"/console/faqs/{faq_id}/edit")
    version = re.search(r'name="version" value="(\d+)"', form.text).group(1)  # type: ignore[union-attr]
    editor.post(f"/console/faqs/{faq_id}/edit", {**NEW_FAQ, "version": version})
    assert bot(app, NEW_FAQ["question"]).text == NEW_FAQ["answer"]


def test_edit_changes_the_answer_and_bumps_the_revision(editor: ConsoleClient) -> None:
    app = editor.http.app
    url = app.state.console.settings.database_url
    with get_sessionmaker(url)() as session:
        faq = session.scalar(select(Faq).where(Faq.published.is_(True)).order_by(Faq.id))
        assert faq is not None
        faq_id, question, version = faq.id, faq.question, faq.version
        before = current_revision(session)
    form = editor.get(f"/console/faqs/{faq_id}/edit")
    assert f'name="version" value="{version}"' in form.text
    values = dict(re.findall(r'<input id="(question|tags|procedure_codes)" name="\w+" value="([^"]*)"', form.text))
    response = editor.post(
        f"/console/faqs/{faq_id}/edit",
        {"question": question, "answer": "Câu trả lời mới sau nghị định.", "status": "published", "version": str(version), "tags": values.get("tags", "")},
    )
    assert "Đã lưu" in editor.follow(response).text
    with get_sessionmaker(url)() as session:
        assert current_revision(session) > before
        assert session.get(Faq, faq_id).version == version + 1  # type: ignore[union-attr]
    assert bot(app, question).text == "Câu trả lời mới sau nghị định."


def test_stale_version_is_refused_and_never_overwrites(editor: ConsoleClient, admin_client: ConsoleClient) -> None:
    editor.get("/console/faqs/new")
    faq_id = faq_id_from(editor.post("/console/faqs/new", NEW_FAQ))
    # both officials open the form on version 1
    editor.get(f"/console/faqs/{faq_id}/edit")
    admin_client.get(f"/console/faqs/{faq_id}/edit")
    first = admin_client.post(f"/console/faqs/{faq_id}/edit", {**NEW_FAQ, "answer": "Bản của quản trị.", "version": "1"})
    assert first.status_code == 303
    second = editor.post(f"/console/faqs/{faq_id}/edit", {**NEW_FAQ, "answer": "Bản của biên tập.", "version": "1"})
    assert second.status_code == 409
    text = page_text(second)
    assert "Nội dung đã được người khác sửa lúc" in text and "(bởi admin1)" in text and "hãy tải lại" in text
    assert "Bản của biên tập." in second.text  # the official's text is kept in the form, not lost
    with get_sessionmaker(editor.http.app.state.console.settings.database_url)() as session:
        faq = session.get(Faq, faq_id)
        assert faq is not None and faq.answer == "Bản của quản trị." and faq.version == 2


def test_saving_without_changes_keeps_the_version(editor: ConsoleClient) -> None:
    editor.get("/console/faqs/new")
    faq_id = faq_id_from(editor.post("/console/faqs/new", NEW_FAQ))
    response = editor.post(f"/console/faqs/{faq_id}/edit", {**NEW_FAQ, "version": "1"})
    assert "Không có thay đổi nào" in editor.follow(response).text
    assert 'name="version" value="1"' in editor.get(f"/console/faqs/{faq_id}/edit").text


def test_delete_is_undone_from_the_message_or_the_trash(editor: ConsoleClient) -> None:
    app = editor.http.app
    editor.get("/console/faqs/new")
    faq_id = faq_id_from(editor.post("/console/faqs/new", NEW_FAQ))
    deleted = editor.post(f"/console/faqs/{faq_id}/delete")
    listing = editor.follow(deleted)
    assert "vào thùng rác" in listing.text and f'action="/console/faqs/{faq_id}/restore"' in listing.text
    assert "Hoàn tác" in listing.text
    assert bot(app, NEW_FAQ["question"]).text != NEW_FAQ["answer"]
    assert NEW_FAQ["question"] not in editor.get("/console/faqs").text
    assert NEW_FAQ["question"] in editor.get("/console/faqs/trash").text
    assert NEW_FAQ["question"] not in editor.get("/console/export/faqs.csv").content.decode("utf-8-sig")
    restored = editor.post(f"/console/faqs/{faq_id}/restore")
    assert "Đã khôi phục" in editor.follow(restored).text
    assert bot(app, NEW_FAQ["question"]).text == NEW_FAQ["answer"]
    assert "Thùng rác trống." in editor.get("/console/faqs/trash").text


def test_validation_messages(editor: ConsoleClient) -> None:
    editor.get("/console/faqs/new")
    response = editor.post("/console/faqs/new", {**NEW_FAQ, "question": "  ", "procedure_codes": "9.999999, 1.000894"})
    assert response.status_code == 400
    text = page_text(response)
    assert "Hãy nhập câu hỏi." in text and "Không có thủ tục mang mã: 9.999999" in text
    duplicate = editor.post("/console/faqs/new", NEW_FAQ)
    assert duplicate.status_code == 303
    again = editor.post("/console/faqs/new", {**NEW_FAQ, "question": NEW_FAQ["question"].upper()})
    assert again.status_code == 400 and "Đã có câu hỏi giống hệt" in page_text(again)


def test_list_search_filters_and_paging(editor: ConsoleClient) -> None:
    accented = editor.get("/console/faqs", params={"q": "căn cước"})
    plain = editor.get("/console/faqs", params={"q": "can cuoc"})
    titles = re.findall(r'class="strong">([^<]+)</a>', plain.text)
    assert titles and titles == re.findall(r'class="strong">([^<]+)</a>', accented.text)
    editor.get("/console/faqs/new")
    editor.post("/console/faqs/new", {**NEW_FAQ, "status": "draft", "tags": "nghị định mới", "procedure_codes": "1.000894"})
    drafts = editor.get("/console/faqs", params={"status": "draft"})
    assert re.findall(r'class="strong">([^<]+)</a>', drafts.text) == [NEW_FAQ["question"]]
    assert NEW_FAQ["question"] in editor.get("/console/faqs", params={"tag": "nghị định mới"}).text
    assert NEW_FAQ["question"] in editor.get("/console/faqs", params={"code": "1.000894"}).text
    assert NEW_FAQ["question"] not in editor.get("/console/faqs", params={"status": "published"}).text
    first, second = editor.get("/console/faqs"), editor.get("/console/faqs", params={"page": 2})
    assert "Trang 1 / 5" in page_text(first) and "Trang 2 / 5" in page_text(second)
    assert set(re.findall(r'href="/console/faqs/(\d+)"', first.text)).isdisjoint(re.findall(r'href="/console/faqs/(\d+)"', second.text))


def test_html_in_content_is_shown_as_text(editor: ConsoleClient) -> None:
    script = "<script>alert('x')</script><b>đậm</b>"
    editor.get("/console/faqs/new")
    response = editor.post("/console/faqs/new", {**NEW_FAQ, "question": f"Câu hỏi {script}", "answer": f"Trả lời {script}", "tags": "<i>nhãn</i>"})
    faq_id = faq_id_from(response)
    for page in (editor.get(f"/console/faqs/{faq_id}"), editor.get("/console/faqs"), editor.get(f"/console/faqs/{faq_id}/edit")):
        assert "<script>alert" not in page.text and "<b>đậm</b>" not in page.text and "<i>nhãn</i>" not in page.text
        assert "&lt;script&gt;alert(" in page.text
