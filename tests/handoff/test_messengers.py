"""The handoff on Telegram and Zalo, through their fake APIs: the agent's reply (with the
bot's quick-reply buttons) reaches the chat through the same Rasa server, the bot is quiet
while a person handles the conversation, and answers again after the hand-back."""

from __future__ import annotations

import pytest

from tests.connectors.conftest import telegram_update, zalo_event
from tests.connectors.fakes import FakeTelegram, FakeZaloApi
from tests.handoff.conftest import HandoffStack, wait_until

pytestmark = pytest.mark.e2e


def _text_update(chat_id: int | None, text: str) -> tuple[dict, int]:
    update, chat = telegram_update("telegram_text", chat_id)
    update["message"]["text"] = text
    return update, chat


def _listened(hstack: HandoffStack, sender: str, count: int) -> bool:
    """The conversation has ``count`` citizen messages handled by action_handoff_listen."""
    events = hstack.tracker_events(sender)
    return sum(1 for e in events if e.get("event") == "action" and e.get("name") == "action_handoff_listen") >= count


def test_telegram_citizen_talks_to_an_agent(hstack: HandoffStack) -> None:
    telegram = hstack.channels.telegram
    update, chat = _text_update(None, "nhân viên hỗ trợ")
    assert hstack.channels.post_telegram(update).status_code == 200
    queued = telegram.wait_for(FakeTelegram.messages_to(chat))
    assert "chuyển cuộc trò chuyện cho cán bộ" in queued[-1].body["text"]
    sender = f"telegram:{chat}"
    handoff = hstack.wait_handoff(sender, "waiting")
    assert handoff.channel == "telegram"

    before = len(telegram.to_chat(chat))
    assert hstack.channels.post_telegram(_text_update(chat, "làm lại căn cước mất bao nhiêu tiền")[0]).status_code == 200
    assert _listened(hstack, sender, 1)  # the webhook answers after Rasa handled the message
    assert len(telegram.to_chat(chat)) == before  # quiet: a person will answer

    agent = hstack.console("agent1")
    agent.act(handoff.id, "claim")
    page = agent.act(handoff.id, "reply", {"text": "Lệ phí cấp lại là 70.000 đồng.", "quick": ["resume", "capabilities"]})
    assert "Đã gửi tới người dân" in page.text
    sent = telegram.wait_for(FakeTelegram.messages_to(chat), count=before + 1)[-1]
    assert sent.body["text"].startswith("👤 Cán bộ agent1:") and "70.000" in sent.body["text"]
    keyboard = sent.body["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in keyboard] == ["/resume_bot", "/bot_capabilities"]

    agent.act(handoff.id, "handback")
    back = telegram.wait_for(FakeTelegram.messages_to(chat), count=before + 2)[-1]
    assert "chuyển bạn lại cho trợ lý ảo" in back.body["text"]
    assert hstack.channels.post_telegram(_text_update(chat, "làm lại căn cước mất bao nhiêu tiền")[0]).status_code == 200
    answer = telegram.wait_for(FakeTelegram.messages_to(chat), count=before + 3)[-1]
    assert "70.000" in answer.body["text"] and not answer.body["text"].startswith("👤")
    agent.close()


def test_zalo_citizen_talks_to_an_agent(hstack: HandoffStack) -> None:
    zalo = hstack.channels.zalo
    event = zalo_event("zalo_user_send_text", text="cho toi gap can bo")
    user = event["sender"]["id"]
    sender = f"zalo:{user}"
    assert hstack.channels.post_zalo(event).status_code == 200
    queued = zalo.wait_for(FakeZaloApi.replies_to(user))
    assert "chuyển cuộc trò chuyện cho cán bộ" in queued[-1].body["message"]["text"]
    handoff = hstack.wait_handoff(sender, "waiting")

    assert hstack.channels.post_zalo(zalo_event("zalo_user_send_text", sender_id=user, text="hồ sơ của tôi bị trả lại")).status_code == 200
    wait_until(lambda: _listened(hstack, sender, 1), what="Rasa handled the message")
    assert len(zalo.matching(FakeZaloApi.replies_to(user))) == len(queued)  # quiet

    agent = hstack.console("agent2")
    agent.act(handoff.id, "claim")
    agent.act(handoff.id, "reply", {"text": "Bạn cho tôi biết mã hồ sơ nhé.", "quick": ["status"]})
    reply = zalo.wait_for(FakeZaloApi.replies_to(user), count=len(queued) + 1)[-1]
    text = reply.body["message"]["text"]
    assert text.startswith("👤 Cán bộ agent2:") and "mã hồ sơ" in text and "1. Tra cứu hồ sơ" in text
    assert reply.body["recipient"] == {"user_id": user}

    agent.act(handoff.id, "close")
    closing = zalo.wait_for(FakeZaloApi.replies_to(user), count=len(queued) + 2)[-1]
    assert "kết thúc cuộc trò chuyện" in closing.body["message"]["text"]
    assert hstack.channels.post_zalo(zalo_event("zalo_user_send_text", sender_id=user, text="làm lại căn cước mất bao nhiêu tiền")).status_code == 200
    answer = zalo.wait_for(FakeZaloApi.replies_to(user), count=len(queued) + 3)[-1]
    assert "70.000" in answer.body["message"]["text"]
    agent.close()
