"""Attack: guess the 4 phone digits of a known application code through the real REST channel,
with a FRESH sender id for every guess (so the per-sender lock never triggers).

Defended: the code's own budget. Only ``LOOKUP_CODE_LOCK_AFTER`` (10) guesses ever reach the
comparison of digits; after that, even the right digits reveal nothing and staff see the code
in the console. The stack here runs with a 0.1 s first wait so the whole attack plays out in
seconds; production waits 60 s, then 2, 4, ... 64 minutes.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from dichvucong.console.services.accounts import create_user
from dichvucong.db.models import LookupAttempt
from dichvucong.db.session import get_sessionmaker
from dichvucong.devstack import StackConfig
from tests.stack import Citizen, seeded_stack

pytestmark = pytest.mark.e2e

TARGET = "000.21.12.H51-261125-0027"  # demo application of "Đặng Văn Hải", phone ends 0104
RIGHT_DIGITS = "0104"
SECRETS_OF_TARGET = ("Đặng Văn Hải", "0900000104", "Đông Gia Nghĩa", "Bảo hiểm xã hội", "Tình trạng", "Đã tiếp nhận")
OTHER_CODE, OTHER_DIGITS = "000.21.11.H51-261120-0002", "2222"
ADMIN, ADMIN_PASSWORD = "an-ninh-admin", "Kiem-tra-an-ninh-2026!"
BUDGET = 10


@pytest.fixture(scope="module")
def guarded_stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackConfig]:
    env = {"LOOKUP_CODE_DELAY_SECONDS": "0.1", "LOOKUP_CODE_LOCK_AFTER": str(BUDGET)}
    with seeded_stack(trained_model, tmp_path_factory.mktemp("guessing"), env) as config:
        yield config


def one_guess(stack: StackConfig, digits: str) -> str:
    """A brand-new 'citizen' asks for the target and answers with ``digits``."""
    attacker = Citizen(stack, f"guess-{uuid.uuid4().hex}")
    assert "4 số cuối" in attacker.text(f"tra cứu hồ sơ {TARGET}")
    return attacker.text(digits)


def checked_guesses(stack: StackConfig) -> int:
    with get_sessionmaker(stack.database_url)() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(LookupAttempt).where(
                    LookupAttempt.code == TARGET, LookupAttempt.reason.in_(("ok", "mismatch"))
                )
            )
            or 0
        )


def test_rotating_sender_ids_cannot_find_the_digits(guarded_stack: StackConfig) -> None:
    candidates = (f"{n:04d}" for n in range(10_000) if f"{n:04d}" != RIGHT_DIGITS)
    replies: list[str] = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # the attacker hammers until the code is closed for good
        reply = one_guess(guarded_stack, next(candidates))
        replies.append(reply)
        if "liên hệ bộ phận một cửa" in reply:
            break
    else:
        pytest.fail(f"the code never closed after {len(replies)} guesses")
    mismatches = sum("không khớp" in r for r in replies)
    paused = sum("Vui lòng chờ" in r for r in replies)
    assert mismatches <= BUDGET and checked_guesses(guarded_stack) == BUDGET, (mismatches, paused)
    assert paused >= 1, "some guesses must have been refused without checking the digits"
    for reply in replies:
        assert not any(secret in reply for secret in SECRETS_OF_TARGET), reply

    # the budget is spent: the right digits, from yet another sender, reveal nothing
    for _ in range(3):
        answer = one_guess(guarded_stack, RIGHT_DIGITS)
        assert "liên hệ bộ phận một cửa" in answer and "1022" in answer
        assert not any(secret in answer for secret in SECRETS_OF_TARGET), answer
    assert checked_guesses(guarded_stack) == BUDGET

    # one code's budget never touches another code: the normal flow is unchanged
    citizen = Citizen(guarded_stack, f"owner-{uuid.uuid4().hex}")
    assert "4 số cuối" in citizen.text(f"tra cứu hồ sơ {OTHER_CODE}")
    assert "bổ sung" in citizen.text(OTHER_DIGITS).lower()


def test_staff_see_the_locked_code_in_the_console(guarded_stack: StackConfig) -> None:
    if checked_guesses(guarded_stack) < BUDGET:
        test_rotating_sender_ids_cannot_find_the_digits(guarded_stack)
    with get_sessionmaker(guarded_stack.database_url)() as session:
        create_user(session, ADMIN, ADMIN_PASSWORD, "admin")
        session.commit()
    base = f"http://127.0.0.1:{guarded_stack.console_port}"
    with httpx.Client(base_url=base, timeout=60) as browser:
        page = browser.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        signed_in = browser.post("/console/login", data={"username": ADMIN, "password": ADMIN_PASSWORD, "csrf_token": token, "next": "/console"})
        assert signed_in.status_code == 303, signed_in.text[:500]
        home = browser.get("/console")
        assert "Cảnh báo bảo mật" in home.text and "1 mã hồ sơ đã bị khóa" in home.text
        listing = browser.get("/console/security/codes")
        assert "000.21.12.H51-******-**27" in listing.text and TARGET not in listing.text
        assert "Đã khóa" in listing.text and "<td>10 <span" in listing.text
