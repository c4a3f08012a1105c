"""A trained Rasa model (cached by the hash of its inputs) and the running stack (pytest plugin)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from dichvucong.config import PROJECT_ROOT
from dichvucong.db.migrate import upgrade
from dichvucong.devstack import RASA_BIN, RASA_DIR, StackConfig, free_port, running_stack
from tests.conftest import seed_database

MODEL_CACHE = PROJECT_ROOT / ".cache" / "models"
RASA_INPUTS = ["config.yml", "domain.yml", "data", "components"]
# Test stacks never reach a real messenger, whatever the developer's shell exports.
CHANNELS_OFF = {
    name: ""
    for name in (
        "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_MODE",
        "ZALO_APP_ID", "ZALO_OA_SECRET_KEY", "ZALO_ACCESS_TOKEN", "ZALO_REFRESH_TOKEN", "ZALO_APP_SECRET",
        "ZALO_TOKEN_FILE",
    )
}


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: How often ``wait_until`` looks again (the wait itself ends on the condition or the deadline).
POLL_SECONDS = 0.1


def wait_until(condition: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds.

    The tests wait for what a user would see, never for a fixed time."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(POLL_SECONDS)


def require_postgres_and_redis() -> str:
    """The PostgreSQL admin URL of TEST_DATABASE_URL; skips the test without PostgreSQL or Redis."""
    admin_url = os.environ.get("TEST_DATABASE_URL", "")
    if not admin_url.startswith("postgresql"):
        pytest.skip("needs TEST_DATABASE_URL pointing at PostgreSQL (.ci/run sets it when PostgreSQL answers)")
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError:
        pytest.skip(f"needs Redis at {REDIS_URL}")
    return admin_url


def rasa_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = f"{PROJECT_ROOT}{os.pathsep}{RASA_DIR}"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def run_rasa(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run the Rasa CLI of the Rasa environment inside rasa_project/."""
    return subprocess.run(
        [str(RASA_BIN / "rasa"), *args], cwd=RASA_DIR, env=rasa_env(), capture_output=True, text=True, timeout=timeout
    )


def inputs_hash() -> str:
    digest = hashlib.sha256()
    for name in RASA_INPUTS:
        path = RASA_DIR / name
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(RASA_DIR)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model for the current training data; trained once and cached by input hash."""
    if not (RASA_BIN / "rasa").exists():
        pytest.fail("The Rasa environment is missing: run `make test` (it creates .venv-rasa).")
    MODEL_CACHE.mkdir(parents=True, exist_ok=True)
    model = MODEL_CACHE / f"model-{inputs_hash()}.tar.gz"
    if not model.exists():
        for old in MODEL_CACHE.glob("model-*.tar.gz"):
            old.unlink(missing_ok=True)
        partial = f"partial-{os.getpid()}"
        result = run_rasa("train", "--out", str(MODEL_CACHE), "--fixed-model-name", partial)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        os.replace(MODEL_CACHE / f"{partial}.tar.gz", model)  # atomic: parallel runs never see half a model
    return model


@contextmanager
def seeded_stack(
    model: Path, workdir: Path, extra_env: dict[str, str] | None = None, rasa_workers: int = 1
) -> Iterator[StackConfig]:
    """Rasa, the action server and the console on free ports, with a seeded SQLite database
    under ``workdir``; ``extra_env`` goes to all three (e.g. channel settings). Fails the test
    with the servers' logs when the stack does not start; stops it on exit."""
    database_url = f"sqlite:///{workdir / 'dichvucong.db'}"
    upgrade(database_url)
    seed_database(database_url)
    config = StackConfig(
        model=model,
        rasa_port=free_port(),
        action_port=free_port(),
        console_port=free_port(),
        database_url=database_url,
        tracker_db=workdir / "tracker.db",
        log_dir=workdir / "log",
        # The worker's retention job would delete and audit under the review tests' feet:
        # off in test stacks (tests/worker runs it on purpose).
        extra_env={**CHANNELS_OFF, "WORKER_RETENTION_SECONDS": "0", **(extra_env or {})},
        rasa_workers=rasa_workers,
    )
    try:
        with running_stack(config, startup_timeout=300):
            yield config
    except (RuntimeError, TimeoutError) as exc:
        logs = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(config.log_dir.glob("*.log")))
        pytest.fail(f"stack did not start: {exc}\n{logs}")
    finally:
        shutil.rmtree(config.log_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackConfig]:
    """Rasa, the action server and the console on test ports, with a seeded SQLite database."""
    with seeded_stack(trained_model, tmp_path_factory.mktemp("stack")) as config:
        yield config


class Citizen:
    """One conversation through the REST channel."""

    def __init__(self, config: StackConfig, sender: str) -> None:
        self.url = f"http://127.0.0.1:{config.rasa_port}/webhooks/rest/webhook"
        self.sender = sender

    def say(self, message: str) -> list[dict]:
        response = httpx.post(self.url, json={"sender": self.sender, "message": message}, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()

    def text(self, message: str) -> str:
        return "\n".join(m.get("text", "") for m in self.say(message))


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Debian Chromium for every browser test of the run.

    Playwright's sync API allows one instance per thread, so the widget, console and review
    tests share this session-scoped browser instead of launching their own.
    """
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent: install it with scripts/install_browser.sh (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
