"""docker-compose.yml checked against the code (no Docker engine runs on these machines)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from dichvucong.config import PROJECT_ROOT, Settings

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES: dict[str, dict] = COMPOSE["services"]
ENV_EXAMPLE = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
PINNED_IMAGE = re.compile(r"^[\w./-]+:\d+(\.\d+)*(-[\w.]+)?$")


def test_the_production_services_are_all_there() -> None:
    expected = {"db", "redis", "migrate", "actions", "console", "rasa-1", "rasa-2", "nginx", "telegram-poller"}
    assert expected <= set(SERVICES)
    assert SERVICES["telegram-poller"].get("profiles") == ["telegram-polling"]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_images_are_pinned_and_built_from_our_dockerfiles(name: str) -> None:
    service = SERVICES[name]
    assert PINNED_IMAGE.match(service["image"]), service["image"]
    if "build" in service:
        dockerfile = PROJECT_ROOT / service["build"]["dockerfile"]
        assert dockerfile.exists()
        for line in dockerfile.read_text().splitlines():
            if line.startswith("FROM "):
                assert re.search(r":\d+\.\d+\.\d+", line), f"unpinned base image: {line}"


@pytest.mark.parametrize("name", ["db", "redis", "actions", "console", "rasa-1", "rasa-2", "nginx"])
def test_long_running_services_have_health_checks(name: str) -> None:
    assert SERVICES[name]["healthcheck"]["test"]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_dependencies_wait_for_health_or_completion(name: str) -> None:
    for dependency, rule in (SERVICES[name].get("depends_on") or {}).items():
        assert dependency in SERVICES
        assert rule["condition"] in {"service_healthy", "service_completed_successfully"}
        if rule["condition"] == "service_healthy":
            assert "healthcheck" in SERVICES[dependency], f"{name} waits for {dependency}'s health check"


def test_required_secrets_fail_fast_and_are_never_defaulted() -> None:
    text = (PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for secret in ("POSTGRES_PASSWORD", "CONSOLE_SECRET_KEY"):
        assert f"${{{secret}:?" in text
        assert not re.search(rf"\${{{secret}:-[^}}]", text)


def test_named_volumes_hold_the_data() -> None:
    assert {"pgdata", "redisdata"} <= set(COMPOSE["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["db"]["volumes"]


def test_app_environment_matches_settings_and_is_documented() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    for name in ("migrate", "actions", "console"):
        for key in SERVICES[name]["environment"]:
            assert key in fields or key.startswith(("CONSOLE_", "TELEGRAM_")), f"{name}: {key} is not a setting"
            assert re.search(rf"^#?\s*{key}=", ENV_EXAMPLE, re.MULTILINE), f"{key} missing from .env.example"


def test_rasa_environment_fills_every_endpoints_variable() -> None:
    endpoints = (PROJECT_ROOT / "rasa_project" / "endpoints.yml").read_text(encoding="utf-8")
    needed = set(re.findall(r"\$\{(\w+)\}", endpoints))
    for name in ("rasa-1", "rasa-2"):
        assert needed <= set(SERVICES[name]["environment"]), needed - set(SERVICES[name]["environment"])
    lock_type = SERVICES["rasa-1"]["environment"]["LOCK_STORE_TYPE"]
    module = PROJECT_ROOT / "rasa_project" / (lock_type.rsplit(".", 1)[0].replace(".", "/") + ".py")
    assert module.exists(), "the lock store class ships in the Rasa image"


def test_ports_and_commands_agree_with_the_code() -> None:
    assert SERVICES["rasa-1"]["environment"]["ACTION_ENDPOINT_URL"] == "http://actions:5055/webhook"
    assert "5055" in SERVICES["actions"]["command"]
    assert "dichvucong.api.app:create_app" in SERVICES["console"]["command"]
    assert (PROJECT_ROOT / "actions" / "__init__.py").exists()
    poller = SERVICES["telegram-poller"]["command"][-1]
    assert (PROJECT_ROOT / (poller.replace(".", "/") + ".py")).exists()
    nginx = (PROJECT_ROOT / "docker" / "nginx.conf").read_text(encoding="utf-8")
    assert "server rasa-1:5005" in nginx and "server rasa-2:5005" in nginx and "server console:8000" in nginx
    assert (PROJECT_ROOT / "docker" / "nginx.conf") in [Path(PROJECT_ROOT / v.split(":")[0].removeprefix("./")) for v in SERVICES["nginx"]["volumes"]]


def test_the_readme_says_compose_was_not_run_here() -> None:
    assert "not run here" in (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
