"""Two Rasa servers behind a balancer: Telegram and Zalo answer right whichever server gets a message.

The connectors' state (Zalo's numbered menus, handled ids and tokens; Telegram's long button
payloads) lives in Redis, so the second message of a citizen may reach the other server.
"""

from __future__ import annotations

import concurrent.futures
import json
from urllib.parse import quote

import httpx
import pytest

from dichvucong.devstack import StackConfig
from tests.connectors.conftest import TELEGRAM_SECRET, telegram_update, zalo_event, zalo_signature
from tests.connectors.fakes import FakeTelegram, FakeZaloApi
from tests.production.conftest import Messengers

pytestmark = pytest.mark.postgres


def post_zalo(config: StackConfig, server: int, event: dict) -> None:
    body = json.dumps(event, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "X-ZEvent-Signature": zalo_signature(body, event["timestamp"])}
    url = f"http://127.0.0.1:{config.rasa_ports[server]}/webhooks/zalo/webhook"
    response = httpx.post(url, content=body, headers=headers, timeout=30)
    assert response.status_code == 200 and response.json()["status"] == "accepted", response.text


def post_telegram(config: StackConfig, server: int, update: dict) -> None:
    url = f"http://127.0.0.1:{config.rasa_ports[server]}/webhooks/telegram/webhook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    response = httpx.post(url, json=update, headers=headers, timeout=90)
    assert response.status_code == 200 and response.json()["status"] == "ok", response.text


def zalo_texts(messengers: Messengers, user: str, count: int) -> list[str]:
    replies = messengers.zalo.wait_for(FakeZaloApi.replies_to(user), count=count, timeout=60)
    assert len(replies) >= count, f"only {len(replies)} Zalo replies to {user}"
    return [call.body["message"]["text"] for call in replies]


def menu_choice_answer(config: StackConfig, messengers: Messengers, greet_server: int, number_server: int) -> str:
    """A new Zalo citizen greets (the numbered menu comes back), then types "2": the reply."""
    greet = zalo_event("zalo_user_send_text", text="xin chào")
    user = greet["sender"]["id"]
    post_zalo(config, greet_server, greet)
    [menu] = zalo_texts(messengers, user, 1)
    assert "2. Làm lại căn cước mất bao nhiêu tiền?" in menu
    post_zalo(config, number_server, zalo_event("zalo_user_send_text", sender_id=user, text="2"))
    return zalo_texts(messengers, user, 2)[1]


def test_a_number_typed_on_zalo_is_the_menu_choice_whichever_server_gets_it(
    production_stack: StackConfig, messengers: Messengers
) -> None:
    answer = menu_choice_answer(production_stack, messengers, greet_server=0, number_server=1)
    print(f"\nZalo citizen saw, after typing '2' on the other server:\n{answer[:300]}")
    assert "70.000" in answer


def test_a_long_telegram_button_built_on_one_server_is_answered_by_the_other(
    production_stack: StackConfig, messengers: Messengers
) -> None:
    _, chat_id = telegram_update("telegram_text")
    question = "Cho tôi hỏi làm lại thẻ căn cước bị mất thì lệ phí là bao nhiêu tiền vậy ạ?"
    assert len(question.encode()) > 64  # longer than Telegram's callback_data
    # server 1 shows the citizen a button with that question (Rasa's API, as an action would)
    event = {"event": "bot", "text": "Bạn có thể hỏi:", "data": {"buttons": [{"title": "Lệ phí", "payload": question}]}}
    response = httpx.post(
        f"http://127.0.0.1:{production_stack.rasa_ports[0]}/conversations/{quote(f'telegram:{chat_id}', safe=':')}/tracker/events",
        params={"output_channel": "telegram", "execute_side_effects": "true", "token": production_stack.auth_token},
        json=[event],
        timeout=60,
    )
    assert response.status_code == 200, response.text
    shown_calls = messengers.telegram.wait_for(FakeTelegram.messages_to(chat_id), timeout=30)
    assert shown_calls, [(c.path, c.body) for c in messengers.telegram.calls][-5:]
    [shown] = shown_calls
    data = shown.body["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert data.startswith("k:")
    # the press reaches server 2
    press, _ = telegram_update("telegram_callback_query", chat_id=chat_id)
    press["callback_query"]["data"] = data
    post_telegram(production_stack, 1, press)
    replies = messengers.telegram.wait_for(FakeTelegram.messages_to(chat_id), count=2, timeout=60)
    answer = "\n".join(call.body["text"] for call in replies[1:])
    print(f"\nTelegram citizen saw, after pressing the button on the other server:\n{answer[:300]}")
    assert "hết hạn" not in answer and "70.000" in answer


def test_a_zalo_token_refreshed_by_one_server_is_used_by_both(
    production_stack: StackConfig, messengers: Messengers
) -> None:
    messengers.zalo.expire_all()
    before = len(messengers.oauth.matching(lambda c: c.method == "access_token"))
    events = [zalo_event("zalo_user_send_text") for _ in range(2)]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:  # both servers find the token expired at once
        list(pool.map(lambda pair: post_zalo(production_stack, *pair), enumerate(events)))
    for event in events:
        assert "70.000" in zalo_texts(messengers, event["sender"]["id"], 1)[0]
    refreshes = messengers.oauth.matching(lambda c: c.method == "access_token")[before:]
    assert len(refreshes) == 1, "the single-use refresh token is spent once, by one server"
    new_token = json.loads(messengers.token_file.read_text())["access_token"]
    # a later message on each server uses the new token without refreshing again
    for server in (0, 1):
        event = zalo_event("zalo_user_send_text")
        post_zalo(production_stack, server, event)
        [reply] = messengers.zalo.wait_for(FakeZaloApi.replies_to(event["sender"]["id"]), timeout=60)
        assert reply.header("access_token") == new_token
    assert len(messengers.oauth.matching(lambda c: c.method == "access_token")) == before + 1
