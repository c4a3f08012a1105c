"""The single-process action server: rasa-sdk's protocol, services built before it listens."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from actions import runtime
from actions.server import create_app
from dichvucong.config import PROJECT_ROOT, get_settings
from dichvucong.devstack import free_port


@pytest.fixture
def client(seeded_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    get_settings.cache_clear()
    runtime.assistant.cache_clear()
    runtime.status_dialogue.cache_clear()
    with TestClient(create_app()) as test_client:
        yield test_client
    get_settings.cache_clear()
    runtime.assistant.cache_clear()
    runtime.status_dialogue.cache_clear()


def action_call(action: str, text: str, intent: str) -> dict:
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    tracker = {
        "sender_id": "citizen-1", "slots": {}, "latest_message": message, "events": [],
        "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen",
    }
    return {"next_action": action, "sender_id": "citizen-1", "tracker": tracker, "domain": {}, "version": "3.6.21"}


def test_answers_a_question_the_way_rasa_expects(client: TestClient) -> None:
    response = client.post("/webhook", json=action_call("action_answer_procedure", "làm lại căn cước mất bao nhiêu tiền", "ask_fee"))
    assert response.status_code == 200
    body = response.json()
    assert "Lệ phí" in body["responses"][0]["text"]
    assert any(event["event"] == "slot" and event["name"] == "procedure_code" for event in body["events"])


def test_lists_actions_and_reports_health(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    names = {item["name"] for item in client.get("/actions").json()}
    assert {"action_answer_procedure", "action_check_status"} <= names


def test_unknown_actions_and_broken_bodies_get_clear_errors(client: TestClient) -> None:
    unknown = client.post("/webhook", json=action_call("action_does_not_exist", "xin chào", "greet"))
    assert unknown.status_code == 404 and unknown.json()["action_name"] == "action_does_not_exist"
    broken = client.post("/webhook", content=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code == 400


def test_a_wrong_database_stops_the_server_at_start_up() -> None:
    env = {**os.environ, "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    process = subprocess.run(
        [sys.executable, "-m", "actions.server", "--port", str(free_port())],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert process.returncode != 0
    assert "127.0.0.1" in process.stderr or "connection" in process.stderr.lower()
