"""The per-code guessing budget, on SQLite and PostgreSQL, with a hand-moved clock.

A fresh sender id for every guess is the attack: the per-sender lock never triggers, so only
the code's own budget stands between the attacker and the 10,000 possible digits.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

from sqlalchemy import func, select

from dichvucong.applications.dialogue import StatusDialogue
from dichvucong.applications.lookup import LookupOutcome, LookupResult
from dichvucong.db.models import LookupAttempt, SecurityAudit
from tests.applications.conftest import Clock, Loaded, row

CODE = "000.21.10.H51-261120-0007"  # phone ends 5678
NEIGHBOUR = "000.21.10.H51-261120-0008"  # phone ends 4321
UNKNOWN = "000.21.10.H51-261120-0099"  # never imported


def fresh() -> str:
    return f"attacker-{uuid.uuid4().hex[:10]}"


def checked(loaded: Loaded, code: str) -> int:
    """Guesses that reached the comparison of digits (the audit says ok or mismatch)."""
    with loaded.session_factory() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(LookupAttempt).where(
                    LookupAttempt.code == code, LookupAttempt.reason.in_(("ok", "mismatch"))
                )
            )
            or 0
        )


def guess(loaded: Loaded, code: str, digits: str = "0000") -> LookupResult:
    return loaded.service.verify(fresh(), "rest", code, digits)


def test_waits_double_then_only_the_office_helps(load: Callable[..., Loaded], clock: Clock) -> None:
    loaded = load([row()])
    assert [guess(loaded, CODE).outcome for _ in range(3)] == [LookupOutcome.MISMATCH] * 3
    waits = []
    for _ in range(7):  # failures 4..10: each one only after the wait, which doubles
        refused = guess(loaded, CODE, "5678")  # even the right digits are not compared now
        assert refused.outcome is LookupOutcome.THROTTLED and refused.view is None
        waits.append(round(refused.seconds_left or 0))
        clock.advance(seconds=refused.seconds_left or 0)
        assert guess(loaded, CODE).outcome is LookupOutcome.MISMATCH
    assert waits == [60, 120, 240, 480, 960, 1920, 3840]
    assert checked(loaded, CODE) == 10
    clock.advance(hours=2)
    for _ in range(5):
        spent = guess(loaded, CODE, "5678")
        assert spent.outcome is LookupOutcome.CODE_LOCKED and spent.view is None
    clock.advance(hours=30)  # the lock does not wear off by itself: the office lifts it
    assert guess(loaded, CODE, "5678").outcome is LookupOutcome.CODE_LOCKED
    assert checked(loaded, CODE) == 10
    text = StatusDialogue(loaded.service, loaded.settings).check(fresh(), "rest", CODE, "5678").reply.text
    assert "liên hệ bộ phận một cửa" in text and "1022" in text and "Trung tâm Phục vụ hành chính công" in text
    assert "Nguyễn Văn Thử" not in text and "Thẩm định" not in text


def test_the_wait_is_told_in_vietnamese(load: Callable[..., Loaded]) -> None:
    loaded = load([row()])
    for _ in range(3):
        guess(loaded, CODE)
    reply = StatusDialogue(loaded.service, loaded.settings).check(fresh(), "rest", CODE, "5678").reply
    assert reply.kind == "lookup_throttled"
    assert "Vui lòng chờ 1 phút rồi thử lại" in reply.text and "1022" in reply.text


def test_unknown_codes_spend_budget_exactly_like_known_ones(load: Callable[..., Loaded], clock: Clock) -> None:
    loaded = load([row()])

    def play(code: str) -> list[tuple[LookupOutcome, float | None, int | None]]:
        seen = []
        for step in range(24):
            result = guess(loaded, code)
            seen.append((result.outcome, result.seconds_left, result.attempts_left))
            if result.outcome is LookupOutcome.THROTTLED:
                clock.advance(seconds=result.seconds_left or 0)
            elif step % 2:
                clock.advance(seconds=1)
        return seen

    start = clock.now
    known = play(CODE)
    clock.now = start
    assert play(UNKNOWN) == known
    assert checked(loaded, UNKNOWN) == checked(loaded, CODE) == 10


def test_one_codes_mistakes_never_touch_another_code(load: Callable[..., Loaded]) -> None:
    loaded = load([row(), row(code=NEIGHBOUR, phone="0900004321")])
    for _ in range(3):
        guess(loaded, CODE)
    assert guess(loaded, CODE).outcome is LookupOutcome.THROTTLED
    assert guess(loaded, NEIGHBOUR, "4321").outcome is LookupOutcome.VERIFIED


def test_the_owner_getting_it_right_gives_the_attempt_back(load: Callable[..., Loaded]) -> None:
    loaded = load([row()])
    owner = "owner"
    loaded.service.verify(owner, "telegram", CODE, "5677")  # a slip
    assert loaded.service.verify(owner, "telegram", CODE, "5678").outcome is LookupOutcome.VERIFIED
    assert loaded.service.verify(owner, "telegram", CODE, "5678").outcome is LookupOutcome.VERIFIED
    # the two successes were given back: the slip and two more failures are still free
    assert [guess(loaded, CODE).outcome for _ in range(2)] == [LookupOutcome.MISMATCH] * 2
    assert guess(loaded, CODE).outcome is LookupOutcome.THROTTLED


def test_staff_see_the_locked_code_and_an_admin_lifts_it(load: Callable[..., Loaded], clock: Clock) -> None:
    loaded = load([row()], lookup_code_delay_seconds=1)
    budget = loaded.service.budget
    while guess(loaded, CODE).outcome is not LookupOutcome.CODE_LOCKED:
        clock.advance(seconds=3600)
    [alert] = budget.alerts()
    assert alert.masked_code == "000.21.10.H51-******-**07" and alert.failures == 10 and alert.locked
    assert alert.first_failure_at is not None and alert.last_failure_at is not None
    assert budget.locked_count() == 1
    assert budget.lift(alert.id, "admin1", "đã kiểm tra Căn cước") == "000.21.10.H51-******-**07"
    assert budget.alerts() == [] and budget.locked_count() == 0
    assert loaded.service.verify("owner", "rest", CODE, "5678").outcome is LookupOutcome.VERIFIED
    with loaded.session_factory() as session:
        [audit] = session.scalars(select(SecurityAudit)).all()
    assert (audit.username, audit.action, audit.subject) == ("admin1", "lift_code_lock", "000.21.10.H51-******-**07")
    assert CODE not in audit.detail


def test_concurrent_guesses_from_many_senders_get_only_the_budget(load: Callable[..., Loaded]) -> None:
    """Twelve simultaneous guesses on one code (separate threads, connections and senders):
    the check-and-record is atomic, so exactly three reach the digits."""
    loaded = load([row()])
    barrier = threading.Barrier(12)
    results: list[LookupOutcome] = []
    lock = threading.Lock()

    def attack() -> None:
        barrier.wait(timeout=60)
        outcome = guess(loaded, CODE).outcome
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attack) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 12
    assert results.count(LookupOutcome.MISMATCH) == 3 and results.count(LookupOutcome.THROTTLED) == 9
    assert checked(loaded, CODE) == 3
