"""`make run` generates the Rasa API token and the widget secret once, outside git, mode 600."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from dichvucong.config import PROJECT_ROOT
from dichvucong.devstack import StackConfig, ensure_local_secrets, services
from dichvucong.widget.token import secret_problems


def test_secrets_are_generated_once_kept_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "var" / "secrets.env"
    first: dict[str, str] = {}
    used = ensure_local_secrets(first, path)
    assert set(used) == {"RASA_AUTH_TOKEN", "WIDGET_TOKEN_SECRET"} and first == used
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not secret_problems(used["WIDGET_TOKEN_SECRET"])
    again: dict[str, str] = {}
    assert ensure_local_secrets(again, path) == used  # the next `make run` reuses them
    exported = {"RASA_AUTH_TOKEN": "from-the-shell"}
    assert ensure_local_secrets(exported, path)["RASA_AUTH_TOKEN"] == "from-the-shell"  # an exported value wins


def test_var_secrets_env_is_ignored_by_git() -> None:
    result = subprocess.run(
        ["git", "check-ignore", "-q", "var/secrets.env"], cwd=PROJECT_ROOT, capture_output=True, timeout=30
    )
    assert result.returncode == 0


def test_rasa_runs_with_the_token_and_only_the_consoles_origin_by_default(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("RASA_CORS_ORIGINS", raising=False)
    config = StackConfig(auth_token="t0k3n")
    [rasa] = [s for s in services(config) if s.name == "rasa"]
    command = rasa.command
    assert "--auth-token=t0k3n" in command
    assert command[command.index("--cors") + 1:] == ["http://localhost:8000", "http://127.0.0.1:8000"]
    assert "*" not in command
    assert rasa.health_url.endswith("/status?token=t0k3n")
    assert config.env()["RASA_AUTH_TOKEN"] == "t0k3n" and config.env()["WIDGET_TOKEN_SECRET"] == config.widget_token_secret
