"""Application status lookups through the REST channel: verification, privacy, interruptions.

Demo applications (data/applications.csv): 000.21.10.H51-261118-0001 (result ready, phone
ends 1111), 000.21.11.H51-261120-0002 (more documents needed, 2222), 000.22.05.H51-261124-0003
(processing, 3333).
"""

from __future__ import annotations

import concurrent.futures
import uuid

import pytest
from sqlalchemy import select

from dichvucong.db.models import LookupAttempt
from dichvucong.db.session import get_sessionmaker
from dichvucong.devstack import StackConfig
from tests.e2e.conftest import Citizen

pytestmark = pytest.mark.e2e

READY = "000.21.10.H51-261118-0001"
NEEDS_DOCUMENTS = "000.21.11.H51-261120-0002"
UNKNOWN = "000.99.99.H99-260101-9999"
# Codes whose budget the failure tests below spend (each code's budget is shared by all senders).
RECEIVED_0118 = "000.00.04.H51-261125-0118"  # phone ends 0102
RECEIVED_0041 = "000.23.07.H51-261126-0041"  # phone ends 0101


def citizen(stack: StackConfig) -> Citizen:
    return Citizen(stack, f"lookup-{uuid.uuid4().hex[:8]}")


def test_code_in_the_question_then_digits(stack: StackConfig) -> None:
    person = citizen(stack)
    asked = person.text(f"hồ sơ {READY} của tôi đến đâu rồi?")
    assert "4 số cuối" in asked
    assert "Cấp" not in asked and "kết quả" not in asked.lower().replace("hẹn trả kết quả", ""), "nothing revealed yet"
    answer = person.text("1111")
    assert "20.000" in answer and "mang theo" in answer.lower()


def test_lookup_from_scratch_with_wrong_format_and_lower_case_code(stack: StackConfig) -> None:
    person = citizen(stack)
    start = person.text("tra cứu hồ sơ")
    assert "mã hồ sơ" in start
    assert "số điện thoại" not in start and "chưa thấy mã" not in start  # only the question for the code
    help_text = person.text("mã của tôi là H51-123")
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in help_text
    assert "4 số cuối" in person.text(NEEDS_DOCUMENTS.lower().replace("-", " - "))
    answer = person.text("4 số cuối là 2222")
    assert "bổ sung" in answer.lower()


def test_unknown_code_and_wrong_digits_look_the_same(stack: StackConfig) -> None:
    first, second = citizen(stack), citizen(stack)
    first.text(f"tra cứu hồ sơ {UNKNOWN}")
    unknown_reply = first.text("1234")
    second.text(f"tra cứu hồ sơ {RECEIVED_0041}")
    wrong_reply = second.text("1234")
    assert unknown_reply == wrong_reply
    assert "không khớp" in wrong_reply


def test_three_failures_lock_the_code_for_that_sender(stack: StackConfig) -> None:
    person = citizen(stack)
    person.text(f"tra cứu hồ sơ {RECEIVED_0118}")
    person.text("0000")
    person.text("0001")
    third = person.text("0002")
    assert "khóa" in third or "khoá" in third
    person.text(f"tra cứu hồ sơ {RECEIVED_0118}")
    still_locked = person.text("0102")
    assert "khóa" in still_locked and "Tình trạng" not in still_locked
    # the code's own budget (shared by every sender) now asks everyone to wait a minute...
    other = citizen(stack)
    other.text(f"tra cứu hồ sơ {RECEIVED_0118}")
    paused = other.text("0102")
    assert "Vui lòng chờ" in paused and "Tình trạng" not in paused
    # ...but another code is untouched, even for the sender who made the mistakes
    person.text(f"tra cứu hồ sơ {NEEDS_DOCUMENTS}")
    assert "bổ sung" in person.text("2222").lower()


def test_interruption_then_come_back_and_cancel(stack: StackConfig) -> None:
    person = citizen(stack)
    person.text("tra cứu hồ sơ")
    detour = person.text("làm lại căn cước mất bao nhiêu tiền")
    assert "70.000 đồng" in detour and "mã hồ sơ" in detour
    assert "dừng tra cứu" in person.text("thôi")
    assert "mã hồ sơ" in person.text("kiểm tra tình trạng hồ sơ giúp tôi")
    assert "4 số cuối" in person.text(READY)
    assert "20.000" in person.text("1111")


def test_two_citizens_on_the_same_code_do_not_interfere(stack: StackConfig) -> None:
    people = [citizen(stack), citizen(stack)]
    for person in people:
        person.text(f"tra cứu hồ sơ {READY}")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        right, wrong = pool.map(lambda pair: pair[0].text(pair[1]), [(people[0], "1111"), (people[1], "9999")])
    assert "20.000" in right
    assert "không khớp" in wrong and "20.000" not in wrong


def test_attempts_are_audited(stack: StackConfig) -> None:
    person = citizen(stack)
    person.text(f"tra cứu hồ sơ {NEEDS_DOCUMENTS}")
    person.text("2222")
    with get_sessionmaker(stack.database_url)() as session:
        attempts = session.scalars(select(LookupAttempt).where(LookupAttempt.sender_id == person.sender)).all()
    assert [(a.code, a.succeeded) for a in attempts] == [(NEEDS_DOCUMENTS, True)]


def test_follow_request_on_a_channel_without_notifications_is_explained(stack: StackConfig) -> None:
    person = citizen(stack)
    person.text(f"tra cứu hồ sơ {NEEDS_DOCUMENTS}")
    person.text("2222")
    assert "chưa gửi được thông báo" in person.text("báo cho tôi khi có kết quả nhé")


def test_logs_never_show_full_phone_numbers(stack: StackConfig) -> None:
    person = citizen(stack)
    person.text("số điện thoại của tôi là 0912345678, tra cứu hồ sơ giúp tôi")
    logs = "".join(p.read_text(errors="ignore") for p in stack.log_dir.glob("actions.log"))
    assert "0912345678" not in logs
