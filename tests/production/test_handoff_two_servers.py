"""The live handoff with two Rasa servers on PostgreSQL and Redis (the production topology):
the handoff is asked for on one server, the agent's reply is sent through the other's API,
and the bot stays quiet — then answers — on either, because the state is in our database.

Whatever the clock says: inside office hours the citizen joins the queue, outside them they
leave a question first; the agent then claims and answers in both cases.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text

from dichvucong.console.services.accounts import create_user
from dichvucong.db.session import get_sessionmaker
from dichvucong.devstack import StackConfig
from dichvucong.handoff.service import latest_handoff
from tests.handoff.conftest import PASSWORD, Console

pytestmark = pytest.mark.postgres


def test_a_handoff_is_shared_by_both_rasa_servers(production_stack: StackConfig) -> None:
    sender = f"prod-handoff-{uuid.uuid4().hex[:8]}"
    urls = [f"http://127.0.0.1:{port}" for port in production_stack.rasa_ports]

    def say(server: int, message: str) -> list[dict]:
        response = httpx.post(f"{urls[server]}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()

    def handoff():  # type: ignore[no-untyped-def]
        with get_sessionmaker(production_stack.database_url or "")() as session:
            return latest_handoff(session, sender)

    reply = "\n".join(m.get("text") or "" for m in say(0, "gặp cán bộ"))
    if handoff().status == "collecting":  # outside office hours: leave the question first
        assert "ngoài giờ làm việc" in reply
        say(1, "tôi muốn hỏi về đăng ký thường trú cho con")
        say(0, "không")
        assert handoff().status == "left"
    else:
        assert handoff().status == "waiting"
        assert say(1, "cho hỏi lệ phí làm lại căn cước") == []  # the other server stays quiet too

    with get_sessionmaker(production_stack.database_url or "")() as session:
        if session.scalar(text("select count(*) from console_users where username = 'agent-prod'")) == 0:
            create_user(session, "agent-prod", PASSWORD, "agent", "Cán bộ thử nghiệm")
            session.commit()
    agent = Console(f"http://127.0.0.1:{production_stack.console_port}", "agent-prod")
    handoff_id = handoff().id
    agent.act(handoff_id, "claim")
    page = agent.act(handoff_id, "reply", {"text": "Chào bạn, cán bộ đây."})
    assert "Đã gửi tới người dân" in page.text
    events = httpx.get(f"{urls[1]}/conversations/{sender}/tracker", params={"token": production_stack.auth_token}, timeout=30).json()["events"]
    assert any((e.get("metadata") or {}).get("agent") == "agent-prod" for e in events if e.get("event") == "bot")
    assert say(1, "cảm ơn, tôi hỏi tiếp") == []  # a person handles it: quiet on the other server
    agent.act(handoff_id, "handback")
    assert "70.000" in "\n".join(m.get("text") or "" for m in say(1, "làm lại căn cước mất bao nhiêu tiền"))
    agent.close()
