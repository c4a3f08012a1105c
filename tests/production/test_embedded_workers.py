"""`make run`'s shape: one Rasa server with two Sanic workers on the embedded defaults.

No Redis: the SQLite lock store serialises a conversation's messages across the two worker
processes and the connectors' state (Zalo's numbered menus here) is shared through SQLite,
so a citizen's message may reach either worker.
"""

from __future__ import annotations

import concurrent.futures
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dichvucong.devstack import StackConfig
from tests.production.conftest import Messengers
from tests.production.test_shared_connector_state import menu_choice_answer
from tests.stack import seeded_stack


@pytest.fixture(scope="module")
def two_workers(trained_model: Path, tmp_path_factory: pytest.TempPathFactory, messengers: Messengers) -> Iterator[StackConfig]:
    env = {**messengers.env(), "CONNECTOR_STATE_PREFIX": ""}
    with seeded_stack(trained_model, tmp_path_factory.mktemp("workers"), extra_env=env, rasa_workers=2) as config:
        yield config


def rasa_processes(config: StackConfig) -> set[int]:
    """The Rasa server's processes: the Sanic main process (found by its port) and its children."""
    found = subprocess.run(["pgrep", "-f", "--", f"--port {config.rasa_port} "], capture_output=True, text=True).stdout.split()
    processes = {int(pid) for pid in found}
    for pid in list(processes):
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        processes.update(int(child) for child in children)
    return processes


def say(config: StackConfig, sender: str, message: str) -> str:
    response = httpx.post(
        f"http://127.0.0.1:{config.rasa_port}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=90
    )
    assert response.status_code == 200, response.text
    return "\n".join(m.get("text") or "" for m in response.json())


def events(config: StackConfig, sender: str) -> list[dict]:
    return httpx.get(config.api_url(f"/conversations/{sender}/tracker"), timeout=30).json()["events"]


def test_two_worker_processes_serve_the_port(two_workers: StackConfig) -> None:
    assert httpx.get(two_workers.api_url("/status"), timeout=30).status_code == 200
    assert len(rasa_processes(two_workers)) >= 3  # the main process and its two workers


def test_simultaneous_messages_of_a_conversation_are_handled_one_after_the_other(two_workers: StackConfig) -> None:
    messages = ["làm lại căn cước mất bao nhiêu tiền", "đăng ký kết hôn cần giấy tờ gì"]
    senders = [f"workers-{n}" for n in range(8)]
    for sender in senders:
        say(two_workers, sender, "xin chào")
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        replies = list(pool.map(lambda job: say(two_workers, *job), [(s, m) for s in senders for m in messages]))
    assert all(reply.strip() for reply in replies)
    for sender in senders:
        turns: list[tuple[str, list[str]]] = []
        for event in events(two_workers, sender):
            if event["event"] == "user":
                turns.append((event["text"], []))
            elif event["event"] == "bot" and turns:
                turns[-1][1].append(event.get("text") or "")
        assert [text for text, _ in turns][0] == "xin chào" and sorted(t for t, _ in turns[1:]) == sorted(messages)
        for text, bot in turns[1:]:
            expected = "Cấp lại thẻ căn cước" if "căn cước" in text else "Đăng ký kết hôn"
            assert expected in "\n".join(bot), (sender, text, bot)


def test_a_zalo_menu_number_is_understood_by_either_worker(two_workers: StackConfig, messengers: Messengers) -> None:
    for attempt in range(6):  # the kernel hands each request to one worker or the other
        answer = menu_choice_answer(two_workers, messengers, greet_server=0, number_server=0)
        assert "70.000" in answer, (attempt, answer[:200])
