"""Start the three servers (Rasa, action server, console) as child processes and stop them.

Used by ``make run`` (scripts/run_all.py), the end-to-end tests and the benchmark, so all
three start the stack the same way. Settings come from the environment with embedded
defaults: SQLite files under ``var/`` and an in-memory lock store.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from dichvucong.config import PROJECT_ROOT

APP_BIN = PROJECT_ROOT / ".venv" / "bin"
RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin"
RASA_DIR = PROJECT_ROOT / "rasa_project"
DEFAULT_MODEL = RASA_DIR / "models" / "current.tar.gz"


def free_port() -> int:
    """A TCP port nobody listens on now, so parallel stacks never collide."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class StackConfig:
    """Ports, model and stores of one stack."""

    model: Path = DEFAULT_MODEL
    rasa_port: int = 5005
    extra_rasa_ports: tuple[int, ...] = ()  # more Rasa servers sharing the same stores
    action_port: int = 5055
    console_port: int = 8000
    database_url: str | None = None
    tracker_db: Path = PROJECT_ROOT / "var" / "tracker.db"
    log_dir: Path = PROJECT_ROOT / "var" / "log"
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def rasa_ports(self) -> tuple[int, ...]:
        return (self.rasa_port, *self.extra_rasa_ports)

    def env(self) -> dict[str, str]:
        """Environment for the children: defaults first, then the caller's environment wins."""
        env = {
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.action_port}/webhook",
            "TRACKER_STORE_URL": f"sqlite:///{self.tracker_db}",
            "LOCK_STORE_TYPE": "in_memory",
            "LOCK_STORE_HOST": "localhost",
            "LOCK_STORE_PORT": "6379",
            "LOCK_STORE_DB": "1",
        }
        env.update({k: v for k, v in os.environ.items()})
        env.update(self.extra_env)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env["PYTHONPATH"] = f"{PROJECT_ROOT}{os.pathsep}{RASA_DIR}"
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
        return env


@dataclass
class Service:
    name: str
    command: list[str]
    cwd: Path
    health_url: str
    process: subprocess.Popen[bytes] | None = None


def services(config: StackConfig) -> list[Service]:
    """The three servers of the assistant."""
    return [
        Service(
            "actions",
            [str(APP_BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(config.action_port)],
            PROJECT_ROOT,
            f"http://127.0.0.1:{config.action_port}/health",
        ),
        Service(
            "console",
            [
                str(APP_BIN / "python"), "-m", "uvicorn", "dichvucong.api.app:create_app", "--factory",
                "--host", "0.0.0.0", "--port", str(config.console_port),
            ],
            PROJECT_ROOT,
            f"http://127.0.0.1:{config.console_port}/health",
        ),
        *(
            Service(
                "rasa" if index == 0 else f"rasa-{index + 1}",
                [
                    str(RASA_BIN / "rasa"), "run", "--enable-api", "--cors", "*", "--port", str(port),
                    "--model", str(config.model), "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
                ],
                RASA_DIR,
                f"http://127.0.0.1:{port}/status",
            )
            for index, port in enumerate(config.rasa_ports)
        ),
    ]


def _wait_healthy(service: Service, deadline: float) -> None:
    while time.monotonic() < deadline:
        if service.process is not None and service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited with code {service.process.returncode}")
        try:
            response = httpx.get(service.health_url, timeout=2)
            if response.status_code == 200 and (service.name != "rasa" or response.json().get("model_file")):
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{service.name} did not become healthy at {service.health_url}")


def stop(running: list[Service], timeout: float = 15) -> None:
    """Ask every child to stop (SIGINT), then kill what is still alive after ``timeout``."""
    for service in running:
        if service.process and service.process.poll() is None:
            service.process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + timeout
    for service in running:
        if service.process is None:
            continue
        try:
            service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()


@contextmanager
def running_stack(config: StackConfig, startup_timeout: float = 240, quiet: bool = True) -> Iterator[list[Service]]:
    """Start the stack, wait until every server answers its health check, stop on exit."""
    config.log_dir.mkdir(parents=True, exist_ok=True)
    config.tracker_db.parent.mkdir(parents=True, exist_ok=True)
    started: list[Service] = []
    try:
        for service in services(config):
            log = (config.log_dir / f"{service.name}.log").open("ab") if quiet else None
            service.process = subprocess.Popen(
                service.command, cwd=service.cwd, env=config.env(), stdout=log, stderr=subprocess.STDOUT if log else None
            )
            started.append(service)
        deadline = time.monotonic() + startup_timeout
        for service in started:
            _wait_healthy(service, deadline)
        yield started
    finally:
        stop(started)


def main() -> int:
    """``make run``: start everything in the foreground until Ctrl-C."""
    config = StackConfig()
    if not config.model.exists():
        print(f"Chưa có mô hình {config.model}; hãy chạy `make run` (tự huấn luyện).", file=sys.stderr)
        return 1
    stop_requested = False

    def on_signal(_signum: int, _frame: object) -> None:
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print("Đang khởi động Rasa (:5005), máy chủ hành động (:5055) và bảng điều khiển (:8000)…", flush=True)
    try:
        with running_stack(config, quiet=False) as running:
            print(
                "Sẵn sàng. Hỏi thử:\n"
                "  curl -s localhost:5005/webhooks/rest/webhook -d '{\"sender\":\"demo\",\"message\":\"lam lai cccd mat bao nhieu tien\"}'\n"
                "  curl -s 'localhost:8000/api/search?q=dang+ky+ket+hon'\n"
                "Nhấn Ctrl-C để dừng.",
                flush=True,
            )
            while not stop_requested:
                if any(s.process and s.process.poll() is not None for s in running):
                    print("Một máy chủ đã dừng bất thường; đang dừng tất cả.", file=sys.stderr)
                    return 1
                time.sleep(0.5)
    except (RuntimeError, TimeoutError) as exc:
        print(f"Không khởi động được: {exc}. Xem nhật ký trong var/log/.", file=sys.stderr)
        return 1
    print("Đã dừng tất cả máy chủ.")
    return 0
