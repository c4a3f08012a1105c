"""End to end: an official edits in the console over HTTP; the bot's REST channel answers with
the new content within 2 seconds — no restart, no retraining."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from dichvucong.console.services.accounts import create_user
from dichvucong.db.models import Procedure
from dichvucong.db.session import get_sessionmaker
from dichvucong.devstack import StackConfig
from tests.console.conftest import PASSWORD, Citizen
from tests.console.test_procedures import form_fields

pytestmark = pytest.mark.e2e
DEADLINE_SECONDS = 2.0


@pytest.fixture(scope="module")
def official(stack: StackConfig) -> Iterator[httpx.Client]:
    """An editor signed in to the running console (real HTTP, real cookies)."""
    with get_sessionmaker(stack.database_url)() as session:
        create_user(session, "bientap.live", PASSWORD, "editor", "Biên tập viên")
        session.commit()
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.console_port}", timeout=30) as http:
        page = http.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        response = http.post("/console/login", data={"username": "bientap.live", "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 303 and response.headers["location"] == "/console"
        yield http


def wait_for_answer(citizen_prefix: str, stack: StackConfig, question: str, expected: str) -> tuple[float, str]:
    """Ask (a fresh conversation each time) until the reply contains ``expected``; seconds taken."""
    started = time.monotonic()
    attempt = 0
    reply = ""
    while time.monotonic() - started < DEADLINE_SECONDS + 5:
        attempt += 1
        reply = Citizen(stack, f"{citizen_prefix}-{attempt}").text(question)
        if expected in reply:
            return time.monotonic() - started, reply
        time.sleep(0.1)
    return float("inf"), reply


def test_fee_correction_reaches_the_bot(stack: StackConfig, official: httpx.Client) -> None:
    question = "làm lại căn cước mất bao nhiêu tiền"
    assert "70.000 đồng" in Citizen(stack, "live-fee-before").text(question)
    with get_sessionmaker(stack.database_url)() as session:
        procedure_id = session.scalar(select(Procedure.id).where(Procedure.code == "1.012354"))
    fields = form_fields(official.get(f"/console/procedures/{procedure_id}/edit").text)
    original = dict(fields)
    for key in [k for k in fields if k.endswith("-fee_text")]:
        fields[key] = "Lệ phí: 55.000 Đồng/thẻ"
    saved = official.post(f"/console/procedures/{procedure_id}/edit", data=fields)
    assert saved.status_code == 303, saved.text[:1500]
    seconds, reply = wait_for_answer("live-fee", stack, question, "55.000 đồng")
    print(f"new fee answered {seconds:.2f}s after the save")
    # Put the official fee back: the run's other tests share this stack's catalogue.
    restore = form_fields(official.get(f"/console/procedures/{procedure_id}/edit").text)
    for key in [k for k in restore if k.endswith("-fee_text")]:
        restore[key] = original[key]
    assert official.post(f"/console/procedures/{procedure_id}/edit", data=restore).status_code == 303
    assert seconds <= DEADLINE_SECONDS, f"old answer after {DEADLINE_SECONDS}s: {reply}"


def test_new_published_faq_reaches_the_bot(stack: StackConfig, official: httpx.Client) -> None:
    question = "sinh con thứ hai được hỗ trợ bao nhiêu tiền"
    answer = "Theo Nghị quyết mới của HĐND tỉnh, gia đình sinh con thứ hai được hỗ trợ 3.000.000 đồng."
    assert answer not in Citizen(stack, "live-faq-before").text(question)
    page = official.get("/console/faqs/new")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    form = {
        "csrf_token": token, "question": "Sinh con thứ hai được hỗ trợ bao nhiêu tiền?", "answer": answer,
        "alt_questions": "ho tro sinh con thu hai", "tags": "dân số", "procedure_codes": "", "status": "published",
    }
    saved = official.post("/console/faqs/new", data=form)
    assert saved.status_code == 303, saved.text[:1500]
    seconds, reply = wait_for_answer("live-faq", stack, question, answer)
    print(f"new FAQ answered {seconds:.2f}s after the save")
    assert seconds <= DEADLINE_SECONDS, f"no new answer after {DEADLINE_SECONDS}s: {reply}"
