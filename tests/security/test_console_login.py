"""Attacks on the console sign-in, over HTTP against the real app and database (both backends).

Defended: username enumeration (one answer for every failure), online guessing (throttles
per username and per client address that slow down, never lock an admin out for good),
races (the attempt is recorded before the slow hash), memory exhaustion (bounded hashing),
weak passwords (a shipped list of common ones), spoofed client addresses and schemes
(X-Forwarded-* only from trusted proxies), cookies over plain HTTP (Secure + HSTS on HTTPS).
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from dichvucong.api.app import create_app
from dichvucong.cli import app as cli_app
from dichvucong.config import Settings
from dichvucong.console.security import hashing_slots
from dichvucong.console.services import accounts
from dichvucong.db.base import utcnow
from dichvucong.db.models import ConsoleUser, LoginThrottle
from dichvucong.db.session import get_sessionmaker
from tests.console.conftest import PASSWORD, ConsoleClient

WRONG = "sai-mat-khau-roi-nhe"
BAD = "Tên đăng nhập hoặc mật khẩu không đúng."


def _visible_answer(response) -> str:  # type: ignore[no-untyped-def]
    """The page without what legitimately differs (the CSRF token, the username typed back)."""
    text = re.sub(r'name="csrf_token" value="[^"]+"', "", response.text)
    return re.sub(r'name="username"[^>]*value="[^"]*"', "", text)


def _age_throttle(settings: Settings, seconds: float) -> None:
    """Move every recorded failure ``seconds`` into the past (time passing, without sleeping)."""
    with get_sessionmaker(settings.database_url)() as session:
        for row in session.scalars(select(LoginThrottle)):
            row.last_failure_at = (row.last_failure_at or utcnow()) - timedelta(seconds=seconds)
        session.commit()


def test_every_failure_gets_the_same_answer(client: ConsoleClient, users: dict[str, str], console_settings: Settings) -> None:
    with get_sessionmaker(console_settings.database_url)() as session:
        session.execute(update(ConsoleUser).where(ConsoleUser.username == users["reviewer"]).values(active=False))
        session.commit()
    answers = {
        "unknown user": client.login("khong-ton-tai", WRONG),
        "wrong password": client.login(users["editor"], WRONG),
        "disabled account, right password": client.login(users["reviewer"], PASSWORD),
    }
    for case, response in answers.items():
        assert response.status_code == 401 and BAD in response.text, case
    assert len({_visible_answer(r) for r in answers.values()}) == 1


def test_unknown_usernames_are_throttled_exactly_like_real_ones(client: ConsoleClient, users: dict[str, str]) -> None:
    real = [client.login(users["editor"], WRONG).status_code for _ in range(7)]
    ghost = [client.login("khong-ton-tai", WRONG).status_code for _ in range(7)]
    assert real == ghost == [401] * 5 + [429, 429]


def test_the_username_throttle_slows_with_growing_waits_and_then_lets_the_owner_in(
    client: ConsoleClient, users: dict[str, str], console_settings: Settings
) -> None:
    for _ in range(5):
        client.login(users["admin"], WRONG)
    waits = []
    for _ in range(4):
        refused = client.login(users["admin"], PASSWORD)
        assert refused.status_code == 429 and "Vui lòng thử lại sau" in refused.text
        waits.append(int(refused.headers["retry-after"]))
        _age_throttle(console_settings, waits[-1])
        assert client.login(users["admin"], WRONG).status_code == 401  # the attacker's next guess
    assert waits == [2, 4, 8, 16]
    for _ in range(12):  # the wait stops growing at CONSOLE_LOGIN_MAX_DELAY_SECONDS (5 minutes)
        _age_throttle(console_settings, 301)
        assert client.login(users["admin"], WRONG).status_code == 401
    assert client.login(users["admin"], PASSWORD).headers["retry-after"] == "300"
    _age_throttle(console_settings, 301)
    assert client.login(users["admin"], PASSWORD).status_code == 303  # slowed, never locked out for good
    with get_sessionmaker(console_settings.database_url)() as session:  # the username's count starts again
        assert session.scalar(select(LoginThrottle).where(LoginThrottle.key == f"user:{users['admin']}")) is None


def test_one_address_guessing_many_usernames_is_throttled(app, users: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app, client=("198.51.100.7", 40000)) as http:
        sprayer = ConsoleClient(http)
        codes = [sprayer.login(f"doan-ten-{n}", WRONG).status_code for n in range(21)]
        assert codes[:20] == [401] * 20 and codes[20] == 429
        assert sprayer.login(users["editor"], PASSWORD).status_code == 429  # even a real account, from there
    with TestClient(app, client=("198.51.100.8", 40000)) as http:
        assert ConsoleClient(http).login(users["editor"]).status_code == 303  # other addresses are not affected


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(console_settings: Settings, users: dict[str, str]) -> None:
    settings = console_settings.model_copy(update={"console_trusted_proxies": "10.0.0.2"})
    spoofed = {"X-Forwarded-For": "192.0.2.1"}
    with TestClient(create_app(settings), client=("203.0.113.9", 1)) as http:  # not the proxy: header ignored
        attacker = ConsoleClient(http)
        for n in range(20):
            spoofed["X-Forwarded-For"] = f"192.0.2.{n + 1}"  # a new "address" every time
            attacker.get("/console/login")
            attacker.post("/console/login", {"username": f"u{n}", "password": WRONG}, headers=spoofed)
        assert attacker.login("u99", WRONG).status_code == 429  # all counted on the real peer
    with TestClient(create_app(settings), client=("10.0.0.2", 1)) as http:  # the proxy: the header names the client
        proxied = ConsoleClient(http)
        proxied.get("/console/login")
        through_proxy = proxied.post(
            "/console/login", {"username": users["editor"], "password": PASSWORD, "next": "/console"},
            headers={"X-Forwarded-For": "203.0.113.50, 10.0.0.2"},
        )
        assert through_proxy.status_code == 303


def test_concurrent_guesses_cannot_all_reach_the_hash(users: dict[str, str], console_settings: Settings) -> None:
    """Twelve simultaneous wrong passwords for one account: the attempt is counted before
    hashing, atomically, so only the five free attempts are checked."""
    factory = get_sessionmaker(console_settings.database_url)
    barrier = threading.Barrier(12)
    statuses: list[int] = []
    lock = threading.Lock()

    def guess(n: int) -> None:
        with factory() as session:
            barrier.wait(timeout=60)
            result = accounts.authenticate(session, users["editor"], f"{WRONG}-{n}", console_settings, f"192.0.2.{n}")
        with lock:
            statuses.append(result.status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [401] * 5 + [429] * 7
    with factory() as session:
        row = session.scalar(select(LoginThrottle).where(LoginThrottle.key == f"user:{users['editor']}"))
    assert row is not None and row.failures == 5


def test_hashing_is_bounded_and_excess_sign_ins_are_told_to_retry(
    console_settings: Settings, users: dict[str, str]
) -> None:
    settings = console_settings.model_copy(update={"console_hash_concurrency": 1, "console_hash_wait_seconds": 0.0})
    with TestClient(create_app(settings)) as http:
        browser = ConsoleClient(http)
        with hashing_slots.slot():  # another request is hashing right now
            busy = browser.login(users["editor"])
        assert busy.status_code == 503 and "thử lại sau" in busy.text and busy.headers["retry-after"]
        assert browser.login(users["editor"]).status_code == 303  # the refused attempt did not count
    with get_sessionmaker(settings.database_url)() as session:
        assert session.scalar(select(LoginThrottle).where(LoginThrottle.key == f"user:{users['editor']}")) is None


@pytest.mark.parametrize("weak", ["anhyeuem123", "Matkhau@2026", "123456a@123", "qwertyuiop", "1234567890", "0987654321"])
def test_common_passwords_are_refused_everywhere(weak: str, admin: ConsoleClient, console_db: str) -> None:
    admin.get("/console/users")
    created = admin.post("/console/users", {"username": "canbo.moi", "role": "editor", "password": weak, "confirm": weak})
    assert created.status_code == 400 and "quá phổ biến" in created.text
    admin.get("/console/account")
    changed = admin.post("/console/account/password", {"current": PASSWORD, "new": weak, "confirm": weak})
    assert changed.status_code == 400 and "quá phổ biến" in changed.text
    result = CliRunner().invoke(
        cli_app, ["create-admin", "--username", "quantri2", "--database-url", console_db], env={"CONSOLE_ADMIN_PASSWORD": weak}
    )
    assert result.exit_code == 1 and "quá phổ biến" in result.output


def test_cookies_are_secure_and_hsts_sent_over_https(console_settings: Settings, users: dict[str, str]) -> None:
    proxied = console_settings.model_copy(update={"console_trusted_proxies": "10.0.0.0/8"})
    https = {"X-Forwarded-Proto": "https"}
    with TestClient(create_app(proxied), client=("10.1.2.3", 1)) as http:  # TLS ends at the trusted nginx
        page = http.get("/console/login", headers=https)
        assert "Secure" in page.headers["set-cookie"] and "max-age=31536000" in page.headers["strict-transport-security"]
        plain = http.get("/console/login")  # the same proxy, plain HTTP
        assert "strict-transport-security" not in plain.headers
    with TestClient(create_app(proxied), client=("203.0.113.9", 1)) as http:  # anyone else cannot claim HTTPS
        page = http.get("/console/login", headers=https)
        assert "Secure" not in page.headers["set-cookie"] and "strict-transport-security" not in page.headers
    with TestClient(create_app(console_settings), base_url="https://testserver") as http:  # TLS straight to uvicorn
        browser = ConsoleClient(http)
        page = browser.get("/console/login")
        assert "Secure" in page.headers["set-cookie"] and "strict-transport-security" in page.headers
        signed_in = browser.post("/console/login", {"username": users["editor"], "password": PASSWORD})
        assert signed_in.status_code == 303 and signed_in.headers.get_list("set-cookie")
        assert all("Secure" in cookie for cookie in signed_in.headers.get_list("set-cookie"))
