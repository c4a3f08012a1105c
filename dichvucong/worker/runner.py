"""The worker's loop: run each job when due, retry failures with backoff, record every run.

One process runs every job in turn (they are short: a notification batch, an incremental
summary sync, a retention pass). A successful run is due again ``interval_seconds`` later; a
failed one after ``retry_seconds``, doubled for each further failure, never later than the
interval. Runs are recorded in ``job_runs`` (when the database answers) and kept in memory
for the worker's own ``GET /health``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from dichvucong.applications.masking import mask_sensitive
from dichvucong.db.base import utcnow
from dichvucong.db.models import JobRun
from dichvucong.notifications.dispatch import dispatcher_id, outbox_counts
from dichvucong.worker.jobs import Job
from dichvucong.worker.status import is_late, iso

logger = logging.getLogger(__name__)


@dataclass
class Schedule:
    """When a job is due next (monotonic seconds) and its failures in a row."""

    due: float
    failures: int = 0


@dataclass
class Worker:
    jobs: list[Job]
    session_factory: sessionmaker[Session]
    retry_seconds: float = 15.0
    clock: Callable[[], datetime] = utcnow
    monotonic: Callable[[], float] = time.monotonic
    name: str = field(default_factory=dispatcher_id)

    def __post_init__(self) -> None:
        start = self.monotonic()
        self.started_at = self.clock()
        self.schedules = {job.name: Schedule(due=start) for job in self.jobs}  # every job runs at start
        self.runs: dict[str, JobRun] = {job.name: JobRun(name=job.name, interval_seconds=job.interval_seconds, failures=0,
                                                          last_error="", last_summary="") for job in self.jobs}

    def run(self, stop: threading.Event) -> None:
        """Until ``stop`` is set: run what is due, then sleep until the next job is."""
        while not stop.is_set():
            self.run_due()
            wait = min(s.due for s in self.schedules.values()) - self.monotonic()
            stop.wait(max(0.05, min(wait, 1.0)))

    def run_due(self) -> None:
        for job in self.jobs:
            if self.schedules[job.name].due <= self.monotonic():
                self.run_job(job)

    def run_job(self, job: Job) -> bool:
        """One run of ``job``, recorded; True when it succeeded."""
        schedule, record = self.schedules[job.name], self.runs[job.name]
        record.last_started_at = self.clock()
        try:
            summary = job.run()
        except Exception as exc:  # noqa: BLE001 - any failure: recorded, retried with backoff
            schedule.failures += 1
            wait = min(self.retry_seconds * 2 ** (schedule.failures - 1), job.interval_seconds)
            schedule.due = self.monotonic() + wait
            record.failures, record.last_failure_at = schedule.failures, self.clock()
            record.last_error = mask_sensitive(f"{type(exc).__name__}: {exc}".splitlines()[0])[:500]
            logger.warning("Việc %s lỗi (lần %d liên tiếp), thử lại sau %.0f giây: %s", job.name, schedule.failures, wait, record.last_error)
            self._save(record)
            return False
        schedule.failures, schedule.due = 0, self.monotonic() + job.interval_seconds
        record.failures, record.last_success_at, record.last_summary = 0, self.clock(), summary[:500]
        logger.info("Việc %s xong: %s", job.name, summary)
        self._save(record)
        return True

    def _save(self, record: JobRun) -> None:
        try:
            with self.session_factory() as session, session.begin():
                row = session.get(JobRun, record.name) or JobRun(name=record.name)
                for column in ("last_started_at", "last_success_at", "last_failure_at", "failures", "last_error",
                               "last_summary", "interval_seconds"):
                    setattr(row, column, getattr(record, column))
                row.worker = self.name
                session.merge(row)
        except Exception as exc:  # noqa: BLE001 - the database is down: the next run records again
            logger.warning("Không ghi được lần chạy của %s vào CSDL (%s)", record.name, type(exc).__name__)

    def health(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, body): healthy when the database answers and no job is late."""
        now = self.clock()
        jobs = {}
        for job in self.jobs:
            record = self.runs[job.name]
            late = is_late(record, now, since=self.started_at)
            jobs[job.name] = {
                "last_success": iso(record.last_success_at),
                "failures": record.failures or 0,
                "last_error": record.last_error,
                "last_summary": record.last_summary,
                "interval_seconds": job.interval_seconds,
                "late": late,
            }
        body: dict[str, Any] = {"jobs": jobs}
        try:
            with self.session_factory() as session:
                session.execute(text("SELECT 1"))
                body["outbox"] = outbox_counts(session)
            body["database"] = "ok"
        except Exception as exc:  # noqa: BLE001
            body["database"] = f"unreachable: {type(exc).__name__}"
        healthy = body["database"] == "ok" and not any(j["late"] for j in jobs.values())
        body["status"] = "ok" if healthy else "error"
        return healthy, body


def serve_health(worker: Worker, host: str, port: int) -> ThreadingHTTPServer:
    """``GET /health`` of the worker in a daemon thread (200 healthy, 503 otherwise)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path.split("?")[0] != "/health":
                self.send_error(404)
                return
            healthy, body = worker.health()
            payload = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(200 if healthy else 503)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="worker-health", daemon=True).start()
    return server
