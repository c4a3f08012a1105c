"""Try it: the exact reply the bot would give, which item it used, and the ranked hits."""

from __future__ import annotations

import html
import re

from tests.console.conftest import ConsoleClient, page_text
from tests.console.test_faqs import NEW_FAQ


def test_shows_the_reply_the_item_and_the_scores(reviewer: ConsoleClient) -> None:
    question = "lam lai cccd mat bao nhieu tien"
    page = reviewer.get("/console/try", params={"q": question})
    reply = reviewer.http.app.state.assistant.answer_question(question, intent=None)
    bubble = re.search(r'data-testid="bot-answer">(.*?)</div>', page.text, re.S)
    assert bubble and html.unescape(bubble.group(1)) == reply.text
    text = page_text(page)
    assert "Trả lời theo thủ tục" in text and "1.012354" in text and "độ tin cậy" in text
    assert re.search(r'<li class="used">\s*<a href="/console/procedures/\d+">Cấp lại thẻ căn cước</a>', page.text)


def test_new_faq_shows_up_in_try_it(editor: ConsoleClient) -> None:
    editor.get("/console/faqs/new")
    editor.post("/console/faqs/new", NEW_FAQ)
    page = editor.get("/console/try", params={"q": "sinh con thứ hai được hỗ trợ bao nhiêu tiền"})
    assert NEW_FAQ["answer"] in html.unescape(page.text) and "Trả lời bằng câu hỏi thường gặp" in page.text


def test_odd_questions_are_shown_as_text(reviewer: ConsoleClient) -> None:
    page = reviewer.get("/console/try", params={"q": "<script>alert(1)</script>"})
    assert page.status_code == 200 and "<script>alert(1)</script>" not in page.text
    assert reviewer.get("/console/try", params={"q": "a" * 5000}).status_code == 200
