"""Real conversations through the REST channel with all three servers running."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from dichvucong.devstack import StackConfig
from tests.e2e.conftest import Citizen

pytestmark = pytest.mark.e2e


def test_procedure_question_then_follow_up(stack: StackConfig) -> None:
    citizen = Citizen(stack, "e2e-follow-up")
    assert "trợ lý dịch vụ công" in citizen.text("xin chào")
    reply = citizen.text("làm lại căn cước mất bao nhiêu tiền")
    assert "Cấp lại thẻ căn cước" in reply and "70.000 đồng" in reply
    reply = citizen.text("còn giấy tờ thì cần những gì?")
    assert "Giấy tờ cần chuẩn bị — Cấp lại thẻ căn cước" in reply


def test_unaccented_question_and_buttons(stack: StackConfig) -> None:
    citizen = Citizen(stack, "e2e-unaccented")
    messages = citizen.say("dang ky ket hon nop o dau, mat may ngay?")
    text = "\n".join(m["text"] for m in messages)
    assert "Nơi nộp hồ sơ — Đăng ký kết hôn" in text and "Thời gian giải quyết — Đăng ký kết hôn" in text
    payloads = [b["payload"] for m in messages for b in m.get("buttons", [])]
    assert "/ask_documents" in payloads
    assert "Giấy tờ cần chuẩn bị — Đăng ký kết hôn" in citizen.text("/ask_documents")


def test_did_you_mean_then_choice(stack: StackConfig) -> None:
    citizen = Citizen(stack, "e2e-choice")
    messages = citizen.say("làm thẻ căn cước hết bao nhiêu tiền")
    buttons = [b for m in messages for b in m.get("buttons", [])]
    if messages[0]["text"].startswith("Ý bạn là"):
        chosen = next(b for b in buttons if "Cấp lại" in b["title"])
        assert "Lệ phí — Cấp lại thẻ căn cước" in citizen.text(chosen["payload"])
    else:  # the search was sure enough to answer directly
        assert "Lệ phí — " in messages[0]["text"]


def test_old_address(stack: StackConfig) -> None:
    reply = Citizen(stack, "e2e-address").text("Tôi ở xã Đắk R'Moăn, Gia Nghĩa, Đắk Nông cũ thì nộp hồ sơ ở đâu?")
    assert "Phường Nam Gia Nghĩa" in reply


@pytest.mark.parametrize(
    "message",
    ["   ", "a" * 5000, "🙂🙂🙂", "<script>alert('x')</script>", "'; DROP TABLE events; --", "what is the weather today", "???"],
    ids=["spaces", "5000-chars", "emoji", "html", "sql", "english", "punctuation"],
)
def test_bad_input_gets_a_polite_vietnamese_reply(stack: StackConfig, message: str) -> None:
    citizen = Citizen(stack, f"e2e-bad-{abs(hash(message))}")
    reply = citizen.text(message)
    assert reply.strip(), "the citizen must get an answer"
    assert "<script>" not in reply and "Traceback" not in reply
    assert "70.000 đồng" in citizen.text("làm lại căn cước mất bao nhiêu tiền"), "the conversation still works"


def test_new_faq_is_used_at_once_without_retraining(stack: StackConfig, tmp_path: Path) -> None:
    from dichvucong.db.session import get_sessionmaker
    from dichvucong.faqs.importer import import_faqs

    path = tmp_path / "faq.jsonl"
    path.write_text(
        '{"id": "e2e-1", "question": "Trung tâm có chỗ gửi xe máy miễn phí không?", '
        '"answer": "Có, trung tâm có bãi gửi xe máy miễn phí cho người dân đến làm thủ tục.", '
        '"alt_questions": ["co cho gui xe may khong"]}\n',
        encoding="utf-8",
    )
    with get_sessionmaker(stack.database_url)() as session:
        import_faqs(session, path)
    deadline = time.monotonic() + 2.5
    citizen = Citizen(stack, "e2e-live-faq")
    while True:
        reply = citizen.text("trung tâm có chỗ gửi xe máy miễn phí không")
        if "bãi gửi xe máy miễn phí" in reply or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert "bãi gửi xe máy miễn phí" in reply


def test_conversations_are_stored_in_the_tracker_store(stack: StackConfig) -> None:
    Citizen(stack, "e2e-stored").text("xin chào")
    response = httpx.get(stack.api_url("/conversations/e2e-stored/tracker"), timeout=10)
    events = response.json()["events"]
    assert any(e["event"] == "user" and e.get("text") == "xin chào" for e in events)
    assert stack.tracker_db.exists()


def test_search_api_runs_beside_the_bot(stack: StackConfig) -> None:
    items = httpx.get(f"http://127.0.0.1:{stack.console_port}/api/search", params={"q": "dang ky khai sinh"}, timeout=10).json()["items"]
    assert "1.001193" in [item["code"] for item in items]


def test_thumbs_down_is_stored_with_the_answer(stack: StackConfig) -> None:
    from sqlalchemy import select

    from dichvucong.db.models import AnswerFeedback
    from dichvucong.db.session import get_sessionmaker

    citizen = Citizen(stack, "e2e-feedback")
    messages = citizen.say("đăng ký kết hôn mất mấy ngày")
    payloads = [b["payload"] for m in messages for b in m.get("buttons", [])]
    assert "/feedback_negative" in payloads
    assert "Xin lỗi" in citizen.text("/feedback_negative")
    with get_sessionmaker(stack.database_url)() as session:
        stored = session.scalars(select(AnswerFeedback).where(AnswerFeedback.sender_id == "e2e-feedback")).one()
    assert stored.rating == -1 and stored.question == "đăng ký kết hôn mất mấy ngày"
    assert "Đăng ký kết hôn" in stored.answer


def test_rasa_health_reports_model_and_stores(stack: StackConfig) -> None:
    body = httpx.get(f"http://127.0.0.1:{stack.rasa_port}/webhooks/health/", timeout=10).json()
    assert body == {"status": "ok", "model": "ok", "tracker_store": "ok", "lock_store": "ok"}
