"""Choices keep the question, and "Câu hỏi liên quan" buttons answer at once (REST channel)."""

from __future__ import annotations

import json

import pytest

from dichvucong.devstack import StackConfig
from tests.e2e.conftest import Citizen

pytestmark = pytest.mark.e2e


def _buttons(messages: list[dict]) -> list[dict]:
    return [b for m in messages for b in m.get("buttons", [])]


def test_choice_answers_the_aspect_first_asked(stack: StackConfig) -> None:
    citizen = Citizen(stack, "e2e-choice-keeps-fee")
    messages = citizen.say("căn cước bao nhiêu tiền")
    assert messages[0]["text"].startswith("Ý bạn là"), messages[0]["text"][:200]
    choice = next(b for b in _buttons(messages) if "Cấp lại thẻ căn cước" in b["title"])
    reply = citizen.text(choice["payload"])
    assert "Lệ phí — Cấp lại thẻ căn cước" in reply and "70.000 đồng" in reply
    assert "Thông tin chung" not in reply


def test_situational_question_gets_the_faq(stack: StackConfig) -> None:
    citizen = Citizen(stack, "e2e-situational-faq")
    reply = citizen.text("ba noi di khai sinh cho chau duoc khong, bo me chau di lam xa")
    assert "ông, bà hoặc người thân" in reply, reply[:300]
    assert "Khai báo tạm vắng" not in reply


def test_related_question_button_answers_that_faq(stack: StackConfig) -> None:
    citizen = Citizen(stack, "e2e-related")
    payload = "/choose_faq" + json.dumps({"faq_id": "faq-049"})
    reply = citizen.text(payload)
    assert "lý lịch tư pháp" in reply.lower()
    assert "Ý bạn là" not in reply


def test_out_of_catalogue_topic_says_so_and_where_to_ask(stack: StackConfig) -> None:
    citizen = Citizen(stack, "e2e-maternity")
    reply = citizen.text("lam ho so huong tro cap thai san o dau")
    assert "trợ cấp thất nghiệp" not in reply.lower() and "trợ cấp xã hội" not in reply.lower()
    assert "1022" in reply or "Cổng Dịch vụ công" in reply
