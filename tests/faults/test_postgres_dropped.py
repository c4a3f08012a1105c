"""(c) PostgreSQL drops every connection (as on a restart): the bot and the console recover by themselves."""

from __future__ import annotations

import httpx
import pytest

from tests.faults.conftest import FaultStack

pytestmark = pytest.mark.postgres

APOLOGY = "Hệ thống đang gặp sự cố"


def test_the_bot_and_the_console_recover_without_a_restart(fault_stack: FaultStack) -> None:
    token = fault_stack.web_token()
    status, shown = fault_stack.web_say(token, "làm lại căn cước mất bao nhiêu tiền")
    assert status == 200 and "70.000" in shown
    assert fault_stack.drop_postgres_connections() > 0

    seen = []
    for question, expected in (("còn giấy tờ thì cần những gì?", "Giấy tờ"), ("thế mất bao lâu", "Thời gian giải quyết")):
        status, shown = fault_stack.web_say(token, question)
        seen.append((question, status, shown.splitlines()[0] if shown else ""))
        # a reply is either the right answer or the clear apology: never a wrong answer, never silence
        assert (status == 200 and expected in shown and "Cấp lại thẻ căn cước" in shown) or (status == 503 and APOLOGY in shown)
    print("\nAfter PostgreSQL dropped every connection the citizen saw:")
    for question, status, first_line in seen:
        print(f"  {question!r} -> HTTP {status}: {first_line}")
    assert seen[-1][1] == 200, "the conversation goes on, with its context, without restarting anything"

    console = httpx.get(f"http://127.0.0.1:{fault_stack.config.console_port}/health", timeout=10)
    worker = httpx.get(f"http://127.0.0.1:{fault_stack.config.worker_port}/health", timeout=10)
    print(f"  console /health -> {console.status_code}, worker /health -> {worker.status_code}")
    assert console.status_code == 200 and console.json()["database"] == "ok"
    assert worker.status_code == 200 and worker.json()["database"] == "ok"
