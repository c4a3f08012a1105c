"""Claims are atomic (two agents racing, on SQLite and PostgreSQL), who may use the inbox, the
dashboard's staff-time figures and retention, on the console app with a real database."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dichvucong.config import Settings
from dichvucong.console.services.accounts import create_user
from dichvucong.db.base import utcnow
from dichvucong.db.models import Handoff, HandoffMessage, ReviewAudit
from dichvucong.db.session import get_sessionmaker
from dichvucong.handoff import service
from dichvucong.handoff.hours import load_agencies
from dichvucong.handoff.metrics import handoff_figures
from dichvucong.handoff.retention import delete_handoffs

PASSWORD = "mat-khau-can-bo-ho-tro-1"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _settings(url: str) -> Settings:
    return Settings(
        database_url=url, search_refresh_seconds=0, console_secret_key="test-console-secret-key-0123456789",
        handoff_agencies_file="", handoff_office_hours="mon-sun 00:00-24:00", handoff_rasa_url="http://127.0.0.1:9",
        rasa_auth_token="t", tracker_store_url="sqlite:////nonexistent/tracker.db",
    )


def _open(url: str, sender: str) -> int:
    settings = _settings(url)
    with get_sessionmaker(url)() as session:
        request = service.request_handoff(session, settings, load_agencies(settings), sender)
        session.commit()
        assert request.kind == "queued" and request.handoff is not None
        return request.handoff.id


def test_two_agents_racing_for_one_conversation_one_wins(database_url: str) -> None:
    factory = get_sessionmaker(database_url)

    def agent(name: str, handoff_id: int, barrier: threading.Barrier, wins: dict[str, bool]) -> None:
        with factory() as session:
            barrier.wait()
            wins[name] = service.claim(session, handoff_id, name)

    for round_ in range(10):
        handoff_id = _open(database_url, f"web:race{round_}")
        barrier = threading.Barrier(2)
        wins: dict[str, bool] = {}
        threads = [threading.Thread(target=agent, args=(name, handoff_id, barrier, wins)) for name in ("agent1", "agent2")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(wins.values()) == [False, True], wins
        with factory() as session:
            row = session.get(Handoff, handoff_id)
            assert row.status == "claimed" and row.claimed_by == next(name for name, won in wins.items() if won)


def test_one_open_handoff_per_conversation(database_url: str) -> None:
    first = _open(database_url, "web:twice")
    settings = _settings(database_url)
    with get_sessionmaker(database_url)() as session:
        again = service.request_handoff(session, settings, load_agencies(settings), "web:twice")
        assert again.kind == "already" and again.handoff.id == first
        session.add(Handoff(sender_id="web:twice", status="waiting", channel="web"))
        with pytest.raises(IntegrityError):  # the partial unique index, whichever server writes
            session.flush()


@pytest.fixture
def console(database_url: str) -> Iterator[TestClient]:
    from argon2 import PasswordHasher

    from dichvucong.api.app import create_app
    from dichvucong.console import security

    saved, security._hasher = security._hasher, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with get_sessionmaker(database_url)() as session:
        for name, role in (("agent1", "agent"), ("agent2", "agent"), ("admin1", "admin"), ("editor1", "editor"), ("reviewer1", "reviewer")):
            create_user(session, name, PASSWORD, role, f"Cán bộ {name}")
        session.commit()
    try:
        with TestClient(create_app(_settings(database_url))) as client:
            yield client
    finally:
        security._hasher = saved


def _login(client: TestClient, username: str) -> str:
    client.cookies.clear()
    page = client.get("/console/login")
    token = _CSRF.search(page.text).group(1)
    response = client.post("/console/login", data={"username": username, "password": PASSWORD, "next": "/console", "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    return _CSRF.search(client.get("/console").text).group(1)


def test_who_may_use_the_inbox(console: TestClient, database_url: str) -> None:
    handoff_id = _open(database_url, "telegram:555")
    for username in ("editor1", "reviewer1"):
        token = _login(console, username)
        assert console.get("/console/inbox").status_code == 403
        assert console.get("/console/inbox/events").status_code == 403
        assert console.get(f"/console/inbox/{handoff_id}").status_code == 403
        refused = console.post(f"/console/inbox/{handoff_id}/claim", data={"csrf_token": token}, follow_redirects=False)
        assert refused.status_code == 403 and "Hỗ trợ trực tuyến" in refused.text
        assert 'href="/console/inbox"' not in console.get("/console").text

    token = _login(console, "agent1")
    assert 'href="/console/inbox"' in console.get("/console").text and 'href="/console/review"' not in console.get("/console").text
    assert console.get("/console/review").status_code == 403  # all citizens' conversations: not for agents
    assert console.get("/console/users").status_code == 403
    assert console.post("/console/faqs/new", data={"csrf_token": token, "question": "x", "answer": "y"}).status_code == 403
    assert console.post(f"/console/inbox/{handoff_id}/claim", data={}, follow_redirects=False).status_code == 403  # no CSRF token
    listing = console.get("/console/inbox")
    assert listing.status_code == 200 and f'data-handoff="{handoff_id}"' in listing.text
    claimed = console.post(f"/console/inbox/{handoff_id}/claim", data={"csrf_token": token})
    assert "Bạn đã nhận hội thoại này" in claimed.text

    token = _login(console, "agent2")
    late = console.post(f"/console/inbox/{handoff_id}/claim", data={"csrf_token": token})
    assert "đã được agent1 nhận trước" in late.text
    reply = console.post(f"/console/inbox/{handoff_id}/reply", data={"csrf_token": token, "text": "Tôi trả lời thay"})
    assert "Bạn chưa nhận hội thoại này" in reply.text
    handback = console.post(f"/console/inbox/{handoff_id}/handback", data={"csrf_token": token})
    assert "Bạn chưa nhận hội thoại này" in handback.text

    token = _login(console, "admin1")  # an admin may act as an agent
    assert console.get("/console/inbox").status_code == 200
    with get_sessionmaker(database_url)() as session:
        assert session.scalars(select(HandoffMessage)).all() == []
        assert session.get(Handoff, handoff_id).claimed_by == "agent1"

    console.cookies.clear()
    assert console.get("/console/inbox", follow_redirects=False).headers["location"].startswith("/console/login")


def test_a_reply_rasa_cannot_send_stays_pending(console: TestClient, database_url: str) -> None:
    handoff_id = _open(database_url, "zalo:777")
    token = _login(console, "agent1")
    console.post(f"/console/inbox/{handoff_id}/claim", data={"csrf_token": token})
    page = console.post(f"/console/inbox/{handoff_id}/reply", data={"csrf_token": token, "text": "Chào bạn"})
    assert "Chưa gửi được tới người dân" in page.text and "1 tin chưa gửi được" in page.text
    empty = console.post(f"/console/inbox/{handoff_id}/reply", data={"csrf_token": token, "text": "  "})
    assert "Tin nhắn trả lời đang trống" in empty.text
    with get_sessionmaker(database_url)() as session:
        assert [m.delivered_at for m in session.scalars(select(HandoffMessage))] == [None]


def test_contact_is_masked_until_revealed_and_revealing_is_audited(console: TestClient, database_url: str) -> None:
    handoff_id = _open(database_url, "web:contact")
    with get_sessionmaker(database_url)() as session:
        row = session.get(Handoff, handoff_id)
        service.leave_question(row, "Tôi ở 12 Trần Phú, gọi 0987654321")
        service.leave_contact(row, "0987654321")
        session.commit()
    token = _login(console, "agent2")
    page = console.get(f"/console/inbox/{handoff_id}")
    assert "098****321" in page.text and "0987654321" not in page.text
    revealed = console.post(f"/console/inbox/{handoff_id}/contact", data={"csrf_token": token})
    assert "0987654321" in revealed.text and "nhật ký" in revealed.text
    with get_sessionmaker(database_url)() as session:
        assert [(a.username, a.action) for a in session.scalars(select(ReviewAudit))] == [("agent2", "handoff_contact")]


def test_staff_time_figures_and_retention(database_url: str) -> None:
    now = utcnow()
    factory = get_sessionmaker(database_url)
    with factory() as session:
        for minutes, status, outside in ((2, "returned", False), (4, "closed", False), (10, "returned", False), (None, "left", True), (None, "cancelled", False)):
            created = now - timedelta(minutes=30)
            session.add(Handoff(
                sender_id=f"web:m{minutes}{status}", channel="web", status=status, outside_hours=outside, created_at=created,
                updated_at=created, claimed_at=created + timedelta(minutes=minutes) if minutes else None,
                first_reply_at=created + timedelta(minutes=minutes) if minutes else None,
                ended_at=created + timedelta(minutes=(minutes or 0) + 5) if status != "left" else None,
            ))
        old = now - timedelta(days=400)
        session.add(Handoff(sender_id="web:old", channel="web", status="closed", created_at=old, updated_at=old, contact="0900000000"))
        session.add(Handoff(sender_id="web:old-open", channel="web", status="left", outside_hours=True, created_at=old, updated_at=old))
        session.commit()
        figures = handoff_figures(session, (now - timedelta(days=1)).timestamp(), (now + timedelta(days=1)).timestamp(), [], 10)
        assert figures.requests == 5 and figures.by_person == 3 and figures.by_bot == 7
        assert figures.wait_median_seconds == 240 and figures.wait_p90_seconds == 600
        assert figures.left_questions == 1 and figures.left_unanswered == 2 and figures.cancelled == 1
        assert delete_handoffs(session, now - timedelta(days=365)) == 1  # the finished old one; an open one stays
        session.commit()
        assert {h.sender_id for h in session.scalars(select(Handoff))} >= {"web:old-open"} and session.scalar(
            select(Handoff).where(Handoff.sender_id == "web:old")
        ) is None


def test_the_review_dashboard_shows_staff_time(console: TestClient, database_url: str) -> None:
    now = utcnow()
    with get_sessionmaker(database_url)() as session:
        created = now - timedelta(minutes=20)
        session.add(Handoff(sender_id="web:dash", channel="web", status="returned", created_at=created, updated_at=created,
                            claimed_at=created + timedelta(minutes=3), first_reply_at=created + timedelta(minutes=3),
                            ended_at=created + timedelta(minutes=9)))
        session.add(Handoff(sender_id="web:dash-left", channel="web", status="left", outside_hours=True, created_at=created, updated_at=created))
        session.commit()
    _login(console, "admin1")
    page = console.get("/console/review/dashboard")
    assert page.status_code == 200 and "Gặp cán bộ: thời gian của cán bộ" in page.text
    assert re.search(r'data-testid="handoff-requests">2<', page.text) and re.search(r'data-testid="handoff-wait-median">3,0 phút<', page.text)
    assert re.search(r'data-testid="handoff-left-unanswered">1<', page.text)
    rows = console.get("/console/review/dashboard.csv").content.decode("utf-8-sig")
    assert "Gặp cán bộ,Số yêu cầu gặp cán bộ,2" in rows and "Gặp cán bộ,Thời gian chờ trung vị (giây),180" in rows
    assert "Câu hỏi để lại chưa được trả lời (hiện tại),1" in rows
