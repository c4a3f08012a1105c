"""The review pages over HTTP (TestClient): roles, CSRF, filters, keyset paging, transcript,
annotations, "reviewed" marks, the audited "Hiện" and the jump to the FAQ form."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlparse

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dichvucong.db.models import Faq, ReviewAnnotation, ReviewAudit, ReviewedConversation
from dichvucong.db.session import get_sessionmaker
from tests.console.conftest import ConsoleClient, page_text, signed_in
from tests.review.conftest import CODE, PHONE, Chats, review_settings

REVIEW_PAGES = [
    "/console/review", "/console/review/dashboard", "/console/review/annotations",
    "/console/review/export/nlu.yml", "/console/review/export/conversations.csv", "/console/review/dashboard.csv",
]


def url_of(sender: str) -> str:
    return f"/console/review/conversations/{quote(sender, safe='')}"


def senders_on(response) -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(r'<tr data-sender="([^"]+)"', response.text)


def listed(client: ConsoleClient, query: str = "") -> list[str]:
    """Every sender the list shows for ``query``, following the "Cũ hơn" links."""
    found: list[str] = []
    path = f"/console/review?{query}"
    for _ in range(200):
        response = client.get(path)
        assert response.status_code == 200, response.text[:500]
        found += senders_on(response)
        older = re.search(r'href="(/console/review\?[^"]*after=[^"]+)">Cũ hơn', response.text)
        if not older:
            return found
        path = older.group(1).replace("&amp;", "&")
    raise AssertionError("too many pages")


def test_signed_out_goes_to_login(client: ConsoleClient) -> None:
    response = client.get("/console/review", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/console/login?next=/console/review")


@pytest.mark.parametrize("path", REVIEW_PAGES)
def test_editors_cannot_open_review_pages(editor: ConsoleClient, path: str) -> None:
    response = editor.get(path)
    assert response.status_code == 403 and "Chỉ cán bộ xem xét" in response.text


def test_editors_cannot_open_a_transcript_or_annotate(editor: ConsoleClient, chats: Chats) -> None:
    assert editor.get(url_of(chats.personal)).status_code == 403
    response = editor.post("/console/review/annotations", {"sender_id": chats.personal, "event_id": "1", "intent": "check_status"})
    assert response.status_code == 403


@pytest.mark.parametrize("path", REVIEW_PAGES)
def test_reviewers_open_every_review_page(reviewer: ConsoleClient, path: str) -> None:
    response = reviewer.get(path)
    assert response.status_code == 200
    if path.endswith(".csv"):
        assert response.headers["content-type"].startswith("text/csv") and response.content.startswith(b"\xef\xbb\xbf")
    else:
        assert response.headers["cache-control"] == "no-store"


def test_list_filters_select_the_right_conversations(reviewer: ConsoleClient, chats: Chats) -> None:
    everyone = listed(reviewer)
    assert set(chats.senders) <= set(everyone) and len(everyone) == len(set(everyone))

    def only_ours(query: str) -> set[str]:
        return set(listed(reviewer, query)) & set(chats.senders)

    assert only_ours("fallback=1") == {chats.fallback}
    assert only_ours("human=1") == {chats.human}
    assert only_ours("negative=1") == {chats.procedure}
    assert only_ours("intent=ask_fee") == {chats.procedure}
    assert only_ours("intent=nlu_fallback") == {chats.fallback}
    assert chats.fallback in only_ours("low=1&threshold=0.45")
    assert chats.procedure not in only_ours("low=1&threshold=0.45")
    assert only_ours("channel=rest") == set(chats.senders)
    assert only_ours("channel=telegram") == set()
    assert only_ours("from=2000-01-01&to=2000-01-31") == set()
    from dichvucong.review.services.period import today

    assert only_ours(f"from={today().isoformat()}&to={today().isoformat()}") == set(chats.senders)
    assert only_ours("unreviewed=1") == set(chats.senders)


def test_keyset_paging_walks_every_conversation_once(review_db: str, live_tracker: str, chats: Chats) -> None:
    from dichvucong.api.app import create_app

    with TestClient(create_app(review_settings(review_db, live_tracker, page_size=2))) as http:
        client = signed_in(ConsoleClient(http), "reviewer1")
        first = client.get("/console/review")
        assert len(senders_on(first)) == 2 and "Mới hơn" not in first.text
        walked = listed(client)
        assert len(walked) == len(set(walked)) and set(chats.senders) <= set(walked)
        total = int(re.search(r'data-testid="total">(\d+) hội thoại', first.text).group(1))  # type: ignore[union-attr]
        assert total == len(walked)
        older = re.search(r'href="(/console/review\?[^"]*after=[^"]+)">Cũ hơn', first.text).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
        second = client.get(older)
        newer = re.search(r'href="(/console/review\?[^"]*before=[^"]+)">‹ Mới hơn', second.text).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
        assert senders_on(client.get(newer)) == senders_on(first)
        assert client.get("/console/review?after=khong-hop-le").status_code == 200


def test_transcript_shows_intent_confidence_procedure_and_rating(reviewer: ConsoleClient, chats: Chats) -> None:
    response = reviewer.get(url_of(chats.procedure))
    assert response.status_code == 200
    html = response.text
    assert '<code data-testid="intent">ask_fee</code>' in html
    assert re.search(r'data-testid="confidence">(0|1),\d\d<', html)
    assert re.search(r'data-testid="procedure"><a href="/console/procedures/\d+">1\.012354</a> Cấp lại thẻ căn cước', html)
    assert "Trả lời theo thủ tục" in html
    assert "👎 Người dân thấy câu trả lời này chưa đúng" in page_text(response)
    # Next to the answer it rates: after the fee answer, before the 👎 button press itself.
    assert html.index("Lệ phí —") < html.index('data-testid="rating"') < html.index('data-testid="citizen-text">👎 Chưa đúng')
    assert 'action="/console/review/reveal"' not in html  # reviewers cannot reveal
    fallback = reviewer.get(url_of(chats.fallback)).text
    assert '<code data-testid="intent">nlu_fallback</code>' in fallback and "Không hiểu" in fallback
    assert "Đòi gặp cán bộ" in reviewer.get(url_of(chats.human)).text


def test_transcript_masks_personal_data(reviewer: ConsoleClient, chats: Chats) -> None:
    html = reviewer.get(url_of(chats.personal)).text
    assert PHONE not in html and CODE not in html and "251120" not in html
    assert "091****678" in html and "000.00.04.H51-******-**07" in html


def test_unknown_conversation_is_a_404_page(reviewer: ConsoleClient) -> None:
    response = reviewer.get(url_of("khong-co-ai"))
    assert response.status_code == 404 and "Không có hội thoại này" in response.text


def _event_id(client: ConsoleClient, sender: str, index: int = 0) -> int:
    return [int(i) for i in re.findall(r'data-event="(\d+)"', client.get(url_of(sender)).text)][index]


def test_annotations_need_the_csrf_token(reviewer: ConsoleClient, chats: Chats) -> None:
    event_id = _event_id(reviewer, chats.personal)
    form = {"sender_id": chats.personal, "event_id": str(event_id), "intent": "check_status"}
    missing = reviewer.post("/console/review/annotations", form, token="")
    wrong = reviewer.post("/console/review/annotations", form, token="gia-mao")
    assert missing.status_code == 403 and wrong.status_code == 403 and "CSRF" in missing.text
    assert reviewer.post("/console/review/reviewed", {"sender_id": chats.personal, "reviewed": "1"}, token="").status_code == 403


def test_reviewer_annotates_a_message(reviewer: ConsoleClient, chats: Chats, review_db: str) -> None:
    event_id = _event_id(reviewer, chats.personal)
    form = {"sender_id": chats.personal, "event_id": str(event_id), "intent": "check_status", "tags": "hồ sơ, tra cứu, hồ sơ",
            "comment": f"người dân gửi cả số {PHONE}", "faq_needed": "1"}
    response = reviewer.post("/console/review/annotations", form)
    assert response.status_code == 303 and response.headers["location"].endswith(f"#m{event_id}")
    page = reviewer.follow(response)
    assert "Đã lưu ghi chú." in page.text and "ý định đúng <code>check_status</code>" in page.text
    with get_sessionmaker(review_db)() as session:
        note = session.scalars(select(ReviewAnnotation).where(ReviewAnnotation.sender_id == chats.personal)).one()
        assert (note.event_id, note.corrected_intent, note.tags, note.faq_needed) == (event_id, "check_status", ["hồ sơ", "tra cứu"], True)
        assert note.predicted_intent and note.created_by == "reviewer1" and note.event_timestamp > 0
        assert PHONE not in note.text_masked and "091****678" in note.text_masked
    notes = reviewer.get("/console/review/annotations?faq=1")
    assert "091****678" in notes.text and PHONE not in notes.text.replace(f"số {PHONE}", "")
    # Changing it, then emptying every field removes it.
    reviewer.post("/console/review/annotations", {**form, "intent": "inform_code"})
    with get_sessionmaker(review_db)() as session:
        assert session.scalars(select(ReviewAnnotation.corrected_intent)).one() == "inform_code"
    response = reviewer.post("/console/review/annotations", {"sender_id": chats.personal, "event_id": str(event_id)})
    assert "Đã xóa ghi chú." in reviewer.follow(response).text
    with get_sessionmaker(review_db)() as session:
        assert session.scalars(select(ReviewAnnotation)).all() == []


def test_annotation_rejects_unknown_intents_and_foreign_messages(reviewer: ConsoleClient, chats: Chats) -> None:
    event_id = _event_id(reviewer, chats.personal)
    bad_intent = reviewer.post("/console/review/annotations", {"sender_id": chats.personal, "event_id": str(event_id), "intent": "khong_co"})
    assert "Ý định không có trong domain.yml" in reviewer.follow(bad_intent).text
    other = reviewer.post("/console/review/annotations", {"sender_id": chats.human, "event_id": str(event_id), "intent": "ask_human"})
    assert "Không tìm thấy tin nhắn này" in reviewer.follow(other).text
    payload_id = _event_id(reviewer, chats.procedure, 1)  # the 👎 button press
    pressed = reviewer.post("/console/review/annotations", {"sender_id": chats.procedure, "event_id": str(payload_id), "intent": "deny"})
    assert "bấm nút" in reviewer.follow(pressed).text


def test_mark_reviewed_by_whom_and_when(reviewer: ConsoleClient, chats: Chats, review_db: str) -> None:
    response = reviewer.post("/console/review/reviewed", {"sender_id": chats.human, "reviewed": "1"})
    page = reviewer.follow(response)
    assert "Đã đánh dấu hội thoại là đã xem xét." in page.text and "Đã xem xét · reviewer1" in page.text
    with get_sessionmaker(review_db)() as session:
        mark = session.scalars(select(ReviewedConversation)).one()
        assert (mark.sender_id, mark.reviewed_by) == (chats.human, "reviewer1") and mark.reviewed_at is not None
    assert chats.human not in listed(reviewer, "unreviewed=1")
    reviewer.post("/console/review/reviewed", {"sender_id": chats.human, "reviewed": "0"})
    assert chats.human in listed(reviewer, "unreviewed=1")


def test_reviewers_cannot_reveal(reviewer: ConsoleClient, chats: Chats, review_db: str) -> None:
    event_id = _event_id(reviewer, chats.personal)
    response = reviewer.post("/console/review/reveal", {"sender_id": chats.personal, "event_id": str(event_id)})
    assert response.status_code == 403 and PHONE not in response.text
    with get_sessionmaker(review_db)() as session:
        assert session.scalars(select(ReviewAudit).where(ReviewAudit.action == "reveal")).all() == []


def test_admin_reveals_one_message_and_it_is_audited(admin: ConsoleClient, chats: Chats, review_db: str) -> None:
    page = admin.get(url_of(chats.personal))
    assert 'action="/console/review/reveal"' in page.text and PHONE not in page.text
    event_id = _event_id(admin, chats.personal)
    assert admin.post("/console/review/reveal", {"sender_id": chats.personal, "event_id": str(event_id)}, token="").status_code == 403
    response = admin.post("/console/review/reveal", {"sender_id": chats.personal, "event_id": str(event_id)})
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert f"số điện thoại của tôi là {PHONE}, hồ sơ {CODE}" in response.text
    with get_sessionmaker(review_db)() as session:
        entry = session.scalars(select(ReviewAudit).where(ReviewAudit.action == "reveal")).one()
        assert (entry.username, entry.sender_id, entry.event_id) == ("admin1", chats.personal, event_id) and entry.created_at
    audit = admin.get("/console/review/audit")
    assert audit.status_code == 200 and "Xem nội dung gốc" in audit.text and chats.personal in audit.text
    assert PHONE not in admin.get(url_of(chats.personal)).text  # the next view is masked again
    wrong = admin.post("/console/review/reveal", {"sender_id": chats.human, "event_id": str(event_id)})
    assert wrong.status_code == 404


def test_only_admins_read_the_audit_log(reviewer: ConsoleClient) -> None:
    assert reviewer.get("/console/review/audit").status_code == 403


def test_faq_needed_leads_admins_to_a_prefilled_faq_form(admin: ConsoleClient, chats: Chats, review_db: str) -> None:
    event_id = _event_id(admin, chats.unanswered)
    response = admin.post("/console/review/annotations", {"sender_id": chats.unanswered, "event_id": str(event_id), "go": "faq"})
    assert response.status_code == 303
    target = urlparse(response.headers["location"])
    assert target.path == "/console/review/faq-new" and parse_qs(target.query) == {"sender": [chats.unanswered], "event": [str(event_id)]}
    form = admin.follow(response)
    assert 'action="/console/faqs/new"' in form.text and 'value="xyz abc qwerty trời mưa"' in form.text
    created = admin.post("/console/faqs/new", {"question": "xyz abc qwerty trời mưa", "answer": "Trả lời thử.", "status": "draft"})
    assert created.status_code == 303
    with get_sessionmaker(review_db)() as session:
        assert session.scalars(select(Faq).where(Faq.question == "xyz abc qwerty trời mưa")).one()
        assert session.scalars(select(ReviewAnnotation.faq_needed)).one() is True


def test_reviewers_mark_faq_needed_without_the_faq_form(reviewer: ConsoleClient, chats: Chats) -> None:
    event_id = _event_id(reviewer, chats.unanswered)
    response = reviewer.post("/console/review/annotations", {"sender_id": chats.unanswered, "event_id": str(event_id), "go": "faq"})
    assert "/console/review/conversations/" in response.headers["location"]
    assert "biên tập viên sẽ soạn câu trả lời" in reviewer.follow(response).text
    assert reviewer.get(f"/console/review/faq-new?sender={chats.unanswered}&event={event_id}").status_code == 403


def test_editors_may_open_the_prefilled_faq_form(editor: ConsoleClient, chats: Chats, live_tracker: str) -> None:
    from dichvucong.review.tracker import EVENTS, readonly_engine

    with readonly_engine(live_tracker).connect() as connection:  # type: ignore[union-attr]
        event_id = connection.scalar(select(EVENTS.c.id).where(EVENTS.c.sender_id == chats.personal, EVENTS.c.type_name == "user"))
    form = editor.get(f"/console/review/faq-new?sender={quote(chats.personal)}&event={event_id}")
    assert form.status_code == 200 and "091****678" in form.text and PHONE not in form.text
    assert editor.get("/console/review/faq-new?sender=khong-co&event=1").status_code == 404


def test_static_files_are_local_and_confined(reviewer: ConsoleClient) -> None:
    chart = reviewer.get("/console/review/static/vendor/chart.umd.min.js")
    assert chart.status_code == 200 and chart.text.startswith("/*!\n * Chart.js v4")
    assert reviewer.get("/console/review/static/vendor/chart.js.LICENSE.md").text.startswith("The MIT License")
    assert reviewer.get("/console/review/static/../routes/common.py").status_code == 404
    assert reviewer.get("/console/review/static/%2e%2e/tracker.py").status_code == 404
    dashboard = reviewer.get("/console/review/dashboard").text
    assert "cdn" not in dashboard.lower() and 'src="/console/review/static/vendor/chart.umd.min.js"' in dashboard


def test_a_missing_tracker_store_is_explained(review_db: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dichvucong.api.app import create_app

    settings = review_settings(review_db, f"sqlite:///{tmp_path / 'chua-co.db'}")
    with TestClient(create_app(settings)) as http:
        client = signed_in(ConsoleClient(http), "reviewer1")
        page = client.get("/console/review")
        assert page.status_code == 200 and "Chưa đọc được kho hội thoại của Rasa" in page.text
        assert client.get("/console/review/dashboard").status_code == 200
        assert client.get(url_of("ai-do")).status_code == 404
    assert not (tmp_path / "chua-co.db").exists()
