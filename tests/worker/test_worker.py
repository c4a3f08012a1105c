"""`dvc worker`: status changes reach a fake Telegram once, also across a crash; jobs retried and shown."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from dichvucong.applications.importer import import_applications
from dichvucong.config import PROJECT_ROOT
from dichvucong.db.models import Application, JobRun, Notification, StatusSubscription
from dichvucong.db.session import get_sessionmaker
from dichvucong.devstack import APP_BIN, free_port
from dichvucong.seed import APPLICATIONS_FILE
from dichvucong.worker.jobs import Job
from dichvucong.worker.runner import Worker
from tests.connectors.fakes import Call, FakeTelegram
from tests.stack import wait_until

TOKEN = "6000000001:TEST-token_for-the-worker"
CODE = "000.22.05.H51-261124-0003"  # "processing" in the demo data
CHATS = [7300001, 7300002, 7300003, 7300004]


class HoldingTelegram(FakeTelegram):
    """A Bot API that can keep one chat's sendMessage waiting (the worker is killed meanwhile)."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.hold_chat: int | None = None
        self.arrived = threading.Event()
        self.release = threading.Event()

    def respond(self, call: Call) -> tuple[int, Any]:
        if call.method == "sendMessage" and str(call.body.get("chat_id")) == str(self.hold_chat):
            self.arrived.set()
            self.release.wait(timeout=30)
        return super().respond(call)


def _csv_with_status(tmp_path: Path, status: str) -> Path:
    """The demo applications file with CODE moved to ``status``."""
    lines = APPLICATIONS_FILE.read_text(encoding="utf-8").splitlines()
    changed = list(lines)
    for index, line in enumerate(changed):
        if line.startswith(CODE + ","):
            fields = line.split(",")
            fields[4] = status
            changed[index] = ",".join(fields)
    path = tmp_path / f"applications-{status}.csv"
    path.write_text("\n".join(changed) + "\n", encoding="utf-8")
    return path


def _import(database_url: str, path: Path) -> None:
    """`dvc import-applications` as an official runs it (no immediate sending: the worker does)."""
    result = subprocess.run(
        [str(APP_BIN / "dvc"), "import-applications", str(path), "--no-notify", "--database-url", database_url],
        capture_output=True, text=True, timeout=120, env={**os.environ, "DATABASE_URL": database_url},
    )
    assert result.returncode == 0, result.stdout + result.stderr


class WorkerProcess:
    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([str(APP_BIN / "dvc"), "worker", "--port", str(self.port)],
                                            cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._healthy, timeout=60, what="the worker's health check")

    def _healthy(self) -> bool:
        assert self.process is not None and self.process.poll() is None, self.log.read_text()[-2000:]
        try:
            return httpx.get(self.health_url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)


@pytest.fixture
def telegram() -> Iterator[HoldingTelegram]:
    fake = HoldingTelegram(TOKEN).start()
    yield fake
    fake.release.set()
    fake.stop()


def test_a_status_import_reaches_telegram_once_also_when_the_worker_is_killed_half_way(
    database_url: str, tmp_path: Path, telegram: HoldingTelegram
) -> None:
    session_factory = get_sessionmaker(database_url)
    with session_factory() as session:
        import_applications(session, APPLICATIONS_FILE)
        application = session.scalars(select(Application).where(Application.code == CODE)).one()
        session.add_all(StatusSubscription(application_id=application.id, channel="telegram", recipient_id=f"telegram:{chat}")
                        for chat in CHATS)
        session.commit()
    env = {
        **os.environ, "DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": telegram.url,
        "WORKER_NOTIFY_SECONDS": "1", "WORKER_REVIEW_SYNC_SECONDS": "3600", "WORKER_RETENTION_SECONDS": "0",
        "NOTIFICATION_CLAIM_TIMEOUT_SECONDS": "2", "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
    }
    worker = WorkerProcess(env, free_port(), tmp_path / "worker.log")
    worker.start()
    try:
        _import(database_url, _csv_with_status(tmp_path, "ready"))
        first = telegram.wait_for(lambda c: c.method == "sendMessage", count=len(CHATS), timeout=30)
        print("\nThe citizen saw on Telegram:\n" + first[0].body["text"])
        assert sorted(int(c.body["chat_id"]) for c in first) == CHATS
        assert "Đã có kết quả" in first[0].body["text"]

        # the next change: the worker is killed while Telegram is receiving the second chat's message
        telegram.hold_chat = CHATS[1]
        _import(database_url, _csv_with_status(tmp_path, "returned"))
        assert telegram.arrived.wait(timeout=30), "the worker never sent the second change"
        worker.kill()
        telegram.release.set()  # Telegram delivers it; nobody records that it did
        worker.start()
        wait_until(lambda: len(telegram.matching(lambda c: c.method == "sendMessage")) >= 2 * len(CHATS), what="every chat")
        with session_factory() as session:
            wait_until(lambda: session.scalars(select(Notification.state).where(Notification.state == "claimed")).first() is None
                  or session.rollback(), what="the stale claim to be reported")
        calls = telegram.matching(lambda c: c.method == "sendMessage")
        per_chat = {chat: [c for c in calls if int(c.body["chat_id"]) == chat] for chat in CHATS}
        assert all(len(got) == 2 for got in per_chat.values()), {k: len(v) for k, v in per_chat.items()}  # never twice
        with session_factory() as session:
            states = dict(session.execute(
                select(StatusSubscription.recipient_id, Notification.state)
                .join(Notification, Notification.subscription_id == StatusSubscription.id)
                .where(Notification.status == "returned")).all())
        assert states.pop(f"telegram:{CHATS[1]}") == "uncertain"  # sent, but its outcome was lost with the process
        assert set(states.values()) == {"sent"}
        health = httpx.get(worker.health_url, timeout=5).json()
        assert health["outbox"]["uncertain"] == 1 and health["jobs"]["notify"]["last_success"]
    finally:
        worker.stop()


def test_failed_runs_are_retried_with_backoff_recorded_and_late(database_url: str) -> None:
    session_factory = get_sessionmaker(database_url)
    now = [1000.0]
    outcomes = iter([RuntimeError("CSDL không trả lời"), RuntimeError("CSDL không trả lời"), RuntimeError("x"), "xong"])

    def flaky() -> str:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    worker = Worker([Job("review-sync", 300, flaky)], session_factory, retry_seconds=10, monotonic=lambda: now[0])
    assert worker.run_job(worker.jobs[0]) is False
    assert worker.schedules["review-sync"].due == 1010  # first retry after 10 s
    worker.run_job(worker.jobs[0])
    assert worker.schedules["review-sync"].due == 1020  # then 20 s
    worker.run_job(worker.jobs[0])
    healthy, body = worker.health()
    assert not healthy and body["jobs"]["review-sync"]["late"]
    with session_factory() as session:
        row = session.get(JobRun, "review-sync")
        assert row.failures == 3 and row.last_success_at is None and "RuntimeError" in row.last_error
    assert worker.run_job(worker.jobs[0]) is True
    assert worker.schedules["review-sync"].due == 1300 and worker.health()[0]
    with session_factory() as session:
        row = session.get(JobRun, "review-sync")
        assert row.failures == 0 and row.last_success_at is not None and row.last_summary == "xong"
