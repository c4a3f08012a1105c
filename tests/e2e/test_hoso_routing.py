""""Hồ sơ" through the REST channel: questions about a file are answered, codes start the lookup.

"hồ sơ" is both the file a citizen prepares ("hồ sơ gồm những gì", "làm hồ sơ ở đâu") and
the application they filed. The first kind must get the documents or the place, never the
status lookup's "send me the code"; a message that contains an application code, typed any
way inside any sentence, must start the lookup and ask for the four phone digits.
Demo applications: data/applications.csv (see tests/e2e/test_status_lookup.py).
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from dichvucong.devstack import StackConfig
from tests.e2e.conftest import Citizen

pytestmark = pytest.mark.e2e

DOCUMENTS = "Giấy tờ cần chuẩn bị"
PLACE = "Nơi nộp hồ sơ"
LOOKUP_PROMPTS = ("mã hồ sơ", "4 số cuối", "Tôi chưa thấy mã")


def citizen(stack: StackConfig) -> Citizen:
    return Citizen(stack, f"hoso-{uuid.uuid4().hex[:8]}")


def understood_intent(stack: StackConfig, person: Citizen) -> str:
    """The intent Rasa recorded for the citizen's latest message (HTTP API, with the token)."""
    url = f"http://127.0.0.1:{stack.rasa_port}/conversations/{person.sender}/tracker"
    response = httpx.get(url, params={"token": stack.auth_token}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["latest_message"]["intent"]["name"]


def assert_not_a_lookup(reply: str) -> None:
    for prompt in LOOKUP_PROMPTS:
        assert prompt not in reply, f"taken for a status lookup: {reply!r}"


@pytest.mark.parametrize(
    "question, intent",
    [
        ("hồ sơ xin lý lịch tư pháp gồm gì", "ask_documents"),
        ("ho so xin ly lich tu phap gom nhung gi", "ask_documents"),
        ("Làm lại căn cước, hồ sơ gồm những gì?", "ask_documents"),
        ("đăng ký khai sinh cho con cần hồ sơ gì", "ask_documents"),
        ("làm hồ sơ chuyển hộ khẩu về quê thì ra đâu làm", "ask_place"),
        ("đăng ký kết hôn thì làm hồ sơ ở đâu", "ask_place"),
        ("dang ky khai sinh ra dau lam", "ask_place"),
        ("làm lại căn cước nộp chỗ nào", "ask_place"),
    ],
)
def test_questions_about_a_file_get_documents_or_place(stack: StackConfig, question: str, intent: str) -> None:
    """Answered as a documents/place question: the aspect, or an FAQ that answers it."""
    person = citizen(stack)
    reply = person.text(question)
    assert_not_a_lookup(reply)
    assert reply.strip()
    assert understood_intent(stack, person) == intent


@pytest.mark.parametrize(
    "follow_up, aspect",
    [
        ("hồ sơ gồm những gì", DOCUMENTS),
        ("cần hồ sơ gì", DOCUMENTS),
        ("làm hồ sơ ở đâu", PLACE),
        ("ra đâu làm", PLACE),
    ],
)
def test_short_follow_ups_about_the_file(stack: StackConfig, follow_up: str, aspect: str) -> None:
    person = citizen(stack)
    assert "Cấp lại thẻ căn cước" in person.text("làm lại căn cước mất bao nhiêu tiền")
    reply = person.text(follow_up)
    assert_not_a_lookup(reply)
    assert f"{aspect} — Cấp lại thẻ căn cước" in reply


@pytest.mark.parametrize(
    "message",
    [
        "hồ sơ 000.21.10.H51-261118-0001 gồm những gì",  # sounds like a documents question
        "ho so 000.21.10.h51-261118-0001 lam o dau",  # sounds like a place question, lower case
        "mình nộp rồi, mã 000.21.10.H51 - 261118 - 0001, giờ sao",  # spaces around the dashes
        "000.21.11.h51 - 261120 - 0002 cần bổ sung giấy tờ gì vậy",
        "xin chào, 000.22.05.H51-261124-0003",
    ],
)
def test_a_code_inside_any_sentence_starts_the_lookup(stack: StackConfig, message: str) -> None:
    reply = citizen(stack).text(message)
    assert "4 số cuối" in reply, reply
    assert DOCUMENTS not in reply and PLACE not in reply


def test_asking_about_my_application_starts_the_lookup(stack: StackConfig) -> None:
    for message in ["hồ sơ của tôi đến đâu rồi", "kết quả hồ sơ của tôi", "hồ sơ em nộp hôm trước xong chưa"]:
        assert "mã hồ sơ" in citizen(stack).text(message), message


def test_code_in_a_sentence_then_digits_gives_the_status(stack: StackConfig) -> None:
    person = citizen(stack)
    assert "4 số cuối" in person.text("cho hỏi hồ sơ 000.21.10.h51 - 261118 - 0001 cần nộp thêm lệ phí gì không")
    assert "20.000" in person.text("1111")
