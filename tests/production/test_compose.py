"""docker-compose.yml checked against the code (no Docker engine runs on these machines)."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest
import yaml

from dichvucong.config import PROJECT_ROOT, Settings
from dichvucong.widget.settings import WidgetSettings

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES: dict[str, dict] = COMPOSE["services"]
ENV_EXAMPLE = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
PINNED_IMAGE = re.compile(r"^[\w./-]+:\d+(\.\d+)*(-[\w.]+)?$")
NGINX = (PROJECT_ROOT / "docker" / "nginx.conf").read_text(encoding="utf-8")
CHANNEL_ROUTES = {"= /webhooks/health/", "/webhooks/web/", "/webhooks/telegram/", "/webhooks/zalo/"}


def blocks(text: str, head: str) -> list[tuple[str, str]]:
    """(argument, body) of every ``head ARG { ... }`` block at this level of nginx config text."""
    text = re.sub(r"#[^\n]*", "", text)
    found = []
    for match in re.finditer(rf"(?m)^\s*{head}\b([^{{;]*)\{{", text):
        depth, start = 1, match.end()
        index = start
        while depth:
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            index += 1
        found.append((match.group(1).strip(), text[start:index - 1]))
    return found


def servers() -> dict[str, str]:
    """nginx server blocks by their listen directive."""
    return {re.search(r"listen\s+([^;]+);", body).group(1).strip(): body for _, body in blocks(NGINX, "server")}


def proxied_to(server: str, upstream: str) -> set[str]:
    return {arg for arg, body in blocks(server, "location") if f"proxy_pass http://{upstream};" in body}


def test_the_production_services_are_all_there() -> None:
    expected = {"db", "redis", "migrate", "actions", "worker", "console", "rasa-1", "rasa-2", "nginx", "telegram-poller"}
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


@pytest.mark.parametrize("name", ["db", "redis", "actions", "worker", "console", "rasa-1", "rasa-2", "nginx"])
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
    for secret in ("POSTGRES_PASSWORD", "CONSOLE_SECRET_KEY", "RASA_AUTH_TOKEN", "WIDGET_TOKEN_SECRET", "TLS_CERT_PATH", "TLS_KEY_PATH"):
        assert f"${{{secret}:?" in text
        assert not re.search(rf"\${{{secret}:-[^}}]", text)


def test_named_volumes_hold_the_data() -> None:
    assert {"pgdata", "redisdata"} <= set(COMPOSE["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["db"]["volumes"]


def test_app_environment_matches_settings_and_is_documented() -> None:
    fields = {name.upper() for name in (*Settings.model_fields, *WidgetSettings.model_fields)}
    for name in ("migrate", "actions", "worker", "console"):
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
    nginx = NGINX
    assert "server rasa-1:5005" in nginx and "server rasa-2:5005" in nginx and "server console:8000" in nginx
    assert (PROJECT_ROOT / "docker" / "nginx.conf") in [Path(PROJECT_ROOT / v.split(":")[0].removeprefix("./")) for v in SERVICES["nginx"]["volumes"]]


def test_tls_is_terminated_in_nginx_with_mounted_certificates_and_hsts() -> None:
    nginx = SERVICES["nginx"]
    assert sorted(nginx["ports"]) == ["443:443", "80:80"]
    mounts = {v.split(":")[-2]: v for v in nginx["volumes"]}
    assert mounts["/etc/nginx/tls/cert.pem"].startswith("${TLS_CERT_PATH:?")
    assert mounts["/etc/nginx/tls/key.pem"].startswith("${TLS_KEY_PATH:?")
    tls = servers()["443 ssl"]
    assert "ssl_certificate /etc/nginx/tls/cert.pem;" in tls and "ssl_certificate_key /etc/nginx/tls/key.pem;" in tls
    assert re.search(r"ssl_protocols\s+TLSv1\.2 TLSv1\.3;", tls)
    hsts = re.search(r'add_header Strict-Transport-Security "max-age=(\d+)[^"]*" always;', tls)
    assert hsts and int(hsts.group(1)) >= 180 * 86400


def test_plain_http_only_redirects_to_https() -> None:
    plain = servers()["80 default_server"]
    locations = dict(blocks(plain, "location"))
    assert locations["/"].strip() == "return 301 https://$host$request_uri;"
    assert "proxy_pass" not in plain  # nothing is served over plain HTTP but the container's health check
    assert set(locations) == {"= /nginx-health", "/"}


def test_port_5005_is_never_published_and_only_nginx_has_ports() -> None:
    published = {name: service.get("ports") for name, service in SERVICES.items() if service.get("ports")}
    assert set(published) == {"nginx"}
    assert not any("5005" in str(port) for port in published["nginx"])
    assert all("expose" not in service or "5005" not in str(service["expose"]) for service in SERVICES.values())


def test_only_channel_endpoints_are_proxied_to_rasa() -> None:
    tls = servers()["443 ssl"]
    assert proxied_to(tls, "rasa") == CHANNEL_ROUTES
    locations = dict(blocks(tls, "location"))
    for closed in ("/webhooks/", "/socket.io/"):  # the internal REST channel, any other Rasa route, socket.io
        assert locations[closed].strip() == "return 404;", closed
    # the internal listener (not published) carries only the Telegram poller's forwards
    internal = servers()["8080"]
    assert proxied_to(internal, "rasa") == {"/webhooks/telegram/"}
    assert SERVICES["telegram-poller"]["environment"]["RASA_URL"] == "http://nginx:8080"
    assert "rasa_sticky" not in NGINX


def test_channel_and_session_routes_are_rate_limited_per_client_address() -> None:
    assert re.search(r"limit_req_zone \$binary_remote_addr zone=widget:", NGINX)
    assert re.search(r"limit_req_zone \$binary_remote_addr zone=webhooks:", NGINX)
    locations = dict(blocks(servers()["443 ssl"], "location"))
    for route in ("/webhooks/web/", "/webhooks/telegram/", "/webhooks/zalo/", "= /widget/session"):
        assert "limit_req zone=" in locations[route], route
        assert "client_max_body_size" in locations[route], route


def test_the_console_knows_it_is_served_over_https() -> None:
    locations = dict(blocks(servers()["443 ssl"], "location"))
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in locations["/"]
    console = SERVICES["console"]
    assert "--no-proxy-headers" in console["command"]  # the console decides whom to believe
    nginx_address = SERVICES["nginx"]["networks"]["default"]["ipv4_address"]
    assert console["environment"]["CONSOLE_TRUSTED_PROXIES"] == nginx_address
    subnet = COMPOSE["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(nginx_address) in ipaddress.ip_network(subnet)
    assert console["environment"]["CONSOLE_COOKIE_SECURE"] == "true"


def test_rasas_http_api_requires_the_token_and_cors_lists_the_portal_origins() -> None:
    for name in ("rasa-1", "rasa-2"):
        command = " ".join(SERVICES[name]["command"])
        assert '--enable-api --auth-token="$$RASA_AUTH_TOKEN"' in command
        assert "--cors $$RASA_CORS_ORIGINS" in command and '"*"' not in command
        environment = SERVICES[name]["environment"]
        assert environment["RASA_AUTH_TOKEN"].startswith("${RASA_AUTH_TOKEN:?")
        assert environment["RASA_CORS_ORIGINS"].startswith("${RASA_CORS_ORIGINS:?")
        assert environment["WIDGET_TOKEN_SECRET"].startswith("${WIDGET_TOKEN_SECRET:?")
    dockerfile = (PROJECT_ROOT / "docker" / "rasa.Dockerfile").read_text(encoding="utf-8")
    assert "--auth-token" in dockerfile and "dichvucong/widget/token.py" in dockerfile
    for name in ("RASA_AUTH_TOKEN", "WIDGET_TOKEN_SECRET", "RASA_CORS_ORIGINS", "TLS_CERT_PATH", "TLS_KEY_PATH"):
        assert re.search(rf"^#?\s*{name}=", ENV_EXAMPLE, re.MULTILINE), f"{name} missing from .env.example"


def test_the_demo_page_is_not_served_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from tests.browser.conftest import widget_app

    environment = {**COMPOSE["x-app-env"], **SERVICES["console"]["environment"]}
    assert environment["CONSOLE_ENV"] == "production" and environment["WIDGET_DEMO_ENABLED"] == "false"
    assert dict(blocks(servers()["443 ssl"], "location"))["/widget/demo"].strip() == "return 404;"
    for key in ("CONSOLE_ENV", "WIDGET_DEMO_ENABLED"):
        monkeypatch.setenv(key, environment[key])
    monkeypatch.setenv("WIDGET_TOKEN_SECRET", "a-production-like-secret-of-enough-length-0123")
    client = TestClient(widget_app())
    assert client.get("/widget/demo").status_code == 404
    assert client.get("/widget/demo", params={"rasa": "https://evil.example"}).status_code == 404
    assert client.post("/widget/session", json={}).status_code == 200  # the widget itself still works


def test_the_readme_says_compose_was_not_run_here() -> None:
    assert "not run here" in (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_both_rasa_servers_share_connector_state_and_the_zalo_token_file() -> None:
    for name in ("rasa-1", "rasa-2"):
        environment = SERVICES[name]["environment"]
        assert environment["CONNECTOR_STATE_STORE"] == "redis" and "redis" in environment["LOCK_STORE_TYPE"].lower()
        token_dir = environment["ZALO_TOKEN_FILE"].rsplit("/", 1)[0]
        assert f"zalotokens:{token_dir}" in SERVICES[name]["volumes"]
    assert "zalotokens" in COMPOSE["volumes"]
    dockerfile = (PROJECT_ROOT / "docker" / "rasa.Dockerfile").read_text(encoding="utf-8")
    assert "chown rasa:rasa /app/var/zalo" in dockerfile  # the volume is writable by the server
    for name in ("CONNECTOR_STATE_STORE", "CONNECTOR_STATE_PREFIX", "ZALO_TOKEN_FILE"):
        assert re.search(rf"^#?\s*{name}=", ENV_EXAMPLE, re.MULTILINE), f"{name} missing from .env.example"


def test_the_worker_runs_the_background_jobs_with_a_health_check() -> None:
    worker = SERVICES["worker"]
    assert worker["command"][:2] == ["dvc", "worker"] and worker["environment"]["WORKER_PORT"] in worker["command"]
    assert f"http://localhost:{worker['environment']['WORKER_PORT']}/health" in worker["healthcheck"]["test"]
    assert worker["environment"]["TRACKER_STORE_URL"].endswith("/rasa")  # retention deletes old conversations
