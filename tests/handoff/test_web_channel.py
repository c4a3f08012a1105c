"""The handoff through the running stack on the web channel, without a browser: the queue,
the bot staying quiet, an agent's reply stored in the tracker and fetched by the widget's
updates endpoint (also from scratch, as after a reload), the hand-back, the offer after two
failed answers, and a question left outside office hours."""

from __future__ import annotations

import httpx
import pytest

from tests.handoff.conftest import CLOSED_AGENCY, OPEN_AGENCY, HandoffStack

pytestmark = pytest.mark.e2e


def _bot_texts(events: list[dict], after: int = 0) -> list[str]:
    return [e.get("text") or "" for e in events[after:] if e.get("event") == "bot" and e.get("text")]


def test_a_person_answers_in_the_widget_and_the_bot_resumes(hstack: HandoffStack) -> None:
    citizen = hstack.web_session()
    queued = citizen.say("cho toi noi chuyen voi nguoi that")
    text = "\n".join(m.get("text") or "" for m in queued)
    assert "chuyển cuộc trò chuyện cho cán bộ" in text and OPEN_AGENCY in text and "thời gian chờ dự kiến" in text
    assert {"handoff": "live"} in [m.get("custom") for m in queued]
    assert "/resume_bot" in [b["payload"] for m in queued for b in m.get("buttons") or []]
    handoff = hstack.wait_handoff(citizen.sender_id, "waiting")
    assert handoff.channel == "web"

    # While waiting, the bot does not answer questions: the person will.
    assert citizen.say("làm lại căn cước mất bao nhiêu tiền") == []
    assert citizen.updates() == {"messages": [], "after": citizen.after, "handoff": "live", "poll_seconds": 0}

    agent = hstack.console("agent1")
    page = agent.get(f"/console/inbox/{handoff.id}")
    assert "làm lại căn cước mất bao nhiêu tiền" in page.text  # the transcript so far
    page = agent.act(handoff.id, "claim")
    assert "Bạn đã nhận hội thoại này" in page.text
    page = agent.act(handoff.id, "reply", {"text": "Chào bạn, lệ phí cấp lại căn cước là 70.000 đồng.", "quick": ["resume"]})
    assert "Đã gửi tới người dân" in page.text

    update = citizen.updates(wait=True)
    assert [m["text"] for m in update["messages"]] == ["Chào bạn, lệ phí cấp lại căn cước là 70.000 đồng."]
    assert update["messages"][0]["agent"] == "Cán bộ agent1"
    assert update["messages"][0]["buttons"] == [{"title": "Quay lại trợ lý ảo", "payload": "/resume_bot"}]
    fresh = hstack.web_session()
    fresh.token = citizen.token  # a reloaded page: same token, no cursor yet
    assert [m["text"] for m in fresh.updates()["messages"]] == ["Chào bạn, lệ phí cấp lại căn cước là 70.000 đồng."]

    # the tracker holds the agent's reply, marked with who wrote it
    events = hstack.tracker_events(citizen.sender_id)
    agent_events = [e for e in events if e.get("event") == "bot" and (e.get("metadata") or {}).get("agent")]
    assert agent_events[-1]["metadata"]["agent"] == "agent1" and "70.000" in agent_events[-1]["text"]

    assert citizen.say("cảm ơn cán bộ, cho hỏi thêm nộp ở đâu") == []  # still quiet while a person handles it
    agent.act(handoff.id, "handback")
    update = citizen.updates(wait=True)
    assert update["handoff"] == "ended"
    assert any("chuyển bạn lại cho trợ lý ảo" in m["text"] for m in update["messages"])
    assert hstack.handoff(citizen.sender_id, open_only=False).status == "returned"

    assert "70.000" in citizen.text("làm lại căn cước mất bao nhiêu tiền")  # the bot answers again
    agent.close()


def test_quay_lai_tro_ly_ao_leaves_the_queue(hstack: HandoffStack) -> None:
    citizen = hstack.web_session()
    citizen.say("gap cb")
    handoff = hstack.wait_handoff(citizen.sender_id, "waiting")
    assert "trợ lý ảo" in citizen.text("quay lai tro ly ao")
    assert hstack.handoff(citizen.sender_id, open_only=False).status == "cancelled"
    assert "70.000" in citizen.text("làm lại căn cước mất bao nhiêu tiền")
    agent = hstack.console("agent2")
    page = agent.act(handoff.id, "claim")  # too late: the citizen went back to the bot
    assert "người dân đã quay lại trợ lý ảo" in page.text and "Không nhận được" in page.text
    assert hstack.handoff(citizen.sender_id, open_only=False).claimed_by is None
    agent.close()


def test_two_failed_answers_in_a_row_offer_a_person(hstack: HandoffStack) -> None:
    citizen = hstack.web_session()
    first = citizen.say("xyz abc qwerty trời mưa")
    assert "/ask_human" not in [b["payload"] for m in first for b in m.get("buttons") or []]
    second = citizen.say("qwerty zxcv asdf ghjk")
    assert "/ask_human" in [b["payload"] for m in second for b in m.get("buttons") or []]
    assert "trò chuyện với cán bộ" in "\n".join(m.get("text") or "" for m in second)
    citizen.say("/ask_human")
    assert hstack.wait_handoff(citizen.sender_id, "waiting").reason == "offered"
    citizen.say("quay lại trợ lý ảo")


def test_outside_office_hours_the_citizen_leaves_a_question(hstack: HandoffStack) -> None:
    citizen = hstack.web_session()
    assert "70.000" in citizen.text("làm lại căn cước mất bao nhiêu tiền")  # → the closed agency's field
    closed = citizen.text("gặp cán bộ")
    assert "ngoài giờ làm việc" in closed and CLOSED_AGENCY in closed and "thứ Hai–thứ Sáu 7:30–11:30, 13:30–17:00" in closed
    assert "ghi lại câu hỏi" in citizen.text("tôi mất căn cước khi đi du lịch, làm lại ở tỉnh khác được không")
    left = citizen.say("số của tôi 0912 345 678")
    text = "\n".join(m.get("text") or "" for m in left)
    assert "câu hỏi đã được gửi" in text and "0912345678" in text and "từ " in text
    handoff = hstack.wait_handoff(citizen.sender_id, "left")
    assert handoff.outside_hours and handoff.contact == "0912345678" and "du lịch" in handoff.question
    assert "70.000" in citizen.text("làm lại căn cước mất bao nhiêu tiền")  # the bot is back meanwhile
    assert citizen.updates()["handoff"] == "left"

    agent = hstack.console("agent2")
    page = agent.get(f"/console/inbox/{handoff.id}")
    assert "091****678" in page.text and "0912345678" not in page.text  # masked until revealed
    revealed = agent.post(f"/console/inbox/{handoff.id}/contact")
    assert "0912345678" in revealed.text
    agent.act(handoff.id, "claim")
    agent.act(handoff.id, "reply", {"text": "Được bạn nhé, bạn làm lại ở bất kỳ Công an cấp xã nào."})
    update = citizen.updates(wait=True)
    assert "bất kỳ Công an cấp xã" in update["messages"][0]["text"] and update["handoff"] == "live"
    assert citizen.say("cảm ơn") == []  # a person has it now: quiet
    agent.act(handoff.id, "close")
    assert hstack.handoff(citizen.sender_id, open_only=False).status == "closed"
    agent.close()


def test_updates_need_the_conversation_token(hstack: HandoffStack) -> None:
    response = httpx.post(f"{hstack.console_url}/widget/updates", json={"token": "v1.abc.def"}, timeout=30)
    assert response.status_code == 401
    other = hstack.web_session()
    assert other.updates() == {"messages": [], "after": 0, "handoff": "none", "poll_seconds": None}
