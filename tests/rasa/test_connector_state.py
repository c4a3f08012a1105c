"""The connectors' shared state: two channel instances (two Rasa servers) on one real Redis."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
from rasa.core.channels.channel import UserMessage

from connectors.state import MemoryState, RedisState, SqliteState, build_state, state_choice
from connectors.telegram import PayloadStore, read_update
from connectors.zalo import (
    SIGNATURE_HEADER,
    UNAVAILABLE_REPLY,
    ZaloClient,
    ZaloInput,
    ZaloSettings,
    signature,
)
from tests.rasa.test_connectors_zalo import APP_ID, FIXTURE_NOW, OA_KEY, RecordingClient, raw_fixture

REDIS_URL = "redis://127.0.0.1:6379/5"


@pytest.fixture
def redis_state() -> Any:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"needs Redis at {REDIS_URL}")
    prefix = f"dvc-test-{uuid.uuid4().hex[:8]}:"
    yield lambda: RedisState(redis.Redis.from_url(REDIS_URL, socket_timeout=2), prefix=prefix)
    keys = client.keys(prefix + "*")
    if keys:
        client.delete(*keys)


@pytest.fixture
def sqlite_state(tmp_path: Any) -> Any:
    return lambda: SqliteState(str(tmp_path / "state.db"))


@pytest.mark.parametrize("kind", ["memory", "sqlite", "redis"])
def test_every_store_keeps_adds_pops_and_locks_the_same_way(kind: str, request: pytest.FixtureRequest) -> None:
    state = MemoryState() if kind == "memory" else request.getfixturevalue(f"{kind}_state")()
    assert state.get("ns", "k") is None
    state.put("ns", "k", "giá trị")
    assert state.get("ns", "k") == "giá trị"
    assert state.add("ns", "k", "other") is False and state.add("ns", "new", "x", 60) is True
    assert state.pop("ns", "k") == "giá trị" and state.pop("ns", "k") is None
    token = state.acquire("refresh", 30)
    assert token and state.acquire("refresh", 30) is None
    state.release("refresh", "not-the-holder")
    assert state.acquire("refresh", 30) is None
    state.release("refresh", token)
    assert state.acquire("refresh", 30)


def test_the_store_is_chosen_like_the_lock_store() -> None:
    assert state_choice({}) == "memory"
    assert state_choice({"LOCK_STORE_TYPE": "stores.atomic_redis_lock_store.AtomicRedisLockStore"}) == "redis"
    assert state_choice({"LOCK_STORE_TYPE": "redis", "CONNECTOR_STATE_STORE": "memory"}) == "memory"
    assert state_choice({"LOCK_STORE_TYPE": "stores.sqlite_lock_store.SQLiteLockStore"}) == "sqlite"
    with pytest.raises(ValueError, match="CONNECTOR_STATE_STORE"):
        state_choice({"CONNECTOR_STATE_STORE": "redsi"})


def _event(sender: str, text: str, msg_id: str) -> tuple[dict[str, str], bytes]:
    event = json.loads(raw_fixture("zalo_user_send_text"))
    event["sender"]["id"] = sender
    event["message"].update(text=text, msg_id=msg_id)
    raw = json.dumps(event, ensure_ascii=False).encode()
    return {SIGNATURE_HEADER: "mac=" + signature(APP_ID, raw, event["timestamp"], OA_KEY)}, raw


def _server(state: Any) -> tuple[ZaloInput, RecordingClient]:
    client = RecordingClient()
    settings = ZaloSettings(app_id=APP_ID, oa_secret_key=OA_KEY, access_token="t")
    return ZaloInput(settings, client=client, clock=lambda: FIXTURE_NOW, state=state), client  # type: ignore[arg-type]


def _deliver(zalo: ZaloInput, delivery: tuple[dict[str, str], bytes], fail: bool = False) -> list[UserMessage]:
    messages: list[UserMessage] = []

    async def rasa(message: UserMessage) -> None:
        if fail:
            raise ConnectionError("lock store down")
        messages.append(message)
        buttons = [{"title": "Giấy tờ", "payload": "/ask_documents"}, {"title": "Lệ phí", "payload": "/ask_fee"}]
        await message.output_channel.send_response(message.sender_id, {"text": "Bạn muốn hỏi gì?", "buttons": buttons})

    async def go() -> None:
        await zalo.handle(delivery[0], delivery[1], rasa)
        await zalo.drain(5)

    asyncio.run(go())
    return messages


def test_a_number_typed_after_a_menu_is_the_choice_on_the_other_server(redis_state: Any) -> None:
    one, two = _server(redis_state()), _server(redis_state())
    user = "8800000000000077001"
    _deliver(one[0], _event(user, "xin chào", "m1"))
    assert "2. Lệ phí" in one[1].sent[0][1]
    [choice] = _deliver(two[0], _event(user, "2", "m2"))
    assert choice.text == "/ask_fee"
    # the redelivery of m2 to the first server is a duplicate there too
    assert _deliver(one[0], _event(user, "2", "m2")) == []


def test_a_long_telegram_button_built_on_one_server_is_understood_on_the_other(redis_state: Any) -> None:
    from telegram import Update

    from tests.rasa.test_connectors_telegram import fixture

    long_payload = "làm lại căn cước công dân bị mất khi đang ở nước ngoài thì cần những giấy tờ gì"
    data = PayloadStore(state=redis_state()).callback_data(long_payload)
    assert data.startswith("k:") and len(data.encode()) <= 64
    update = fixture("telegram_callback_query")
    update["callback_query"]["data"] = data
    incoming = read_update(Update.de_json(update, None), PayloadStore(state=redis_state()))
    assert incoming.text == long_payload


def test_a_token_refreshed_by_one_server_is_used_by_both_and_spent_once(redis_state: Any) -> None:
    oauth_calls: list[str] = []
    valid = {"access-2"}
    spent: set[str] = set()

    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v4/oa/access_token":
            refresh = dict(httpx.QueryParams(request.content.decode()))["refresh_token"]
            oauth_calls.append(refresh)
            if refresh in spent:
                return httpx.Response(200, json={"error": -14014, "error_name": "Invalid refresh token"})
            spent.add(refresh)
            return httpx.Response(200, json={"access_token": "access-2", "refresh_token": "refresh-2"})
        ok = request.headers["access_token"] in valid
        return httpx.Response(200, json={"error": 0} if ok else {"error": -216, "message": "Access token is invalid"})

    settings = ZaloSettings(
        app_id=APP_ID, oa_secret_key=OA_KEY, access_token="access-1", refresh_token="refresh-1", app_secret="s",
        api_base_url="http://zalo.test", oauth_base_url="http://oauth.test",
    )
    states = [redis_state(), redis_state()]

    async def go() -> list[bool]:
        clients = [ZaloClient(settings, http=httpx.AsyncClient(transport=httpx.MockTransport(api)), state=s) for s in states]
        sent = await asyncio.gather(*(c.send_text({"user_id": "u"}, "chào") for c in clients for _ in range(3)))
        for client in clients:
            await client.close()
        return list(sent)

    assert all(asyncio.run(go()))
    assert oauth_calls == ["refresh-1"]  # one refresh for two servers and six replies
    for state in states:  # and a server started later reads the new tokens too
        assert ZaloClient(settings, state=state).tokens.access_token == "access-2"


def test_without_redis_each_server_falls_back_to_its_memory() -> None:
    state = build_state({"CONNECTOR_STATE_STORE": "redis", "LOCK_STORE_HOST": "127.0.0.1", "LOCK_STORE_PORT": "1"})
    assert isinstance(state, RedisState)
    state.put("ns", "k", "v", 60)
    assert state.get("ns", "k") == "v" and state.add("ns", "k") is False and state.pop("ns", "k") == "v"
    assert state.acquire("lock", 5) is not None


def test_a_message_rasa_cannot_handle_gets_an_apology_not_silence() -> None:
    zalo, client = _server(MemoryState())
    assert _deliver(zalo, _event("8800000000000077002", "lệ phí", "m9"), fail=True) == []
    assert client.sent == [({"user_id": "8800000000000077002"}, UNAVAILABLE_REPLY)]


def _adds_in_process(path: str, keys: list[str]) -> list[bool]:
    state = SqliteState(path)
    return [state.add("seen", key, "1", 60) for key in keys]


def test_the_sqlite_store_is_one_store_for_several_processes(tmp_path: Any) -> None:
    """Two worker processes see each other's entries, and a delivery id is claimed exactly once."""
    import concurrent.futures
    import multiprocessing

    path = str(tmp_path / "state.db")
    first, second = SqliteState(path), SqliteState(path)
    first.put("zalo:menu", "user-1", "menu", 60)
    assert second.pop("zalo:menu", "user-1") == "menu" and first.get("zalo:menu", "user-1") is None
    keys = [f"msg-{n}" for n in range(30)]
    with concurrent.futures.ProcessPoolExecutor(3, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_adds_in_process, [path] * 3, [keys] * 3))
    assert [sum(claimed) for claimed in zip(*results, strict=True)] == [1] * len(keys)


def test_the_sqlite_store_forgets_expired_entries(tmp_path: Any) -> None:
    now = [1000.0]
    state = SqliteState(str(tmp_path / "state.db"), clock=lambda: now[0])
    state.put("telegram:payload", "k", "v", ttl_seconds=10)
    now[0] += 11
    assert state.get("telegram:payload", "k") is None and state.add("telegram:payload", "k", "w") is True
