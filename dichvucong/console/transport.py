"""Who is asking and over what: client address, HTTPS, Secure cookies and HSTS.

``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only when the TCP peer is one of
CONSOLE_TRUSTED_PROXIES (the nginx in front of the console); anyone else could write them.
Note that uvicorn rewrites the peer from these headers itself for 127.0.0.1 unless it runs
with ``--no-proxy-headers`` (or ``FORWARDED_ALLOW_IPS`` names only the real proxy).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dichvucong.config import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def trusted_networks(setting: str) -> tuple[Network, ...]:
    """Parse CONSOLE_TRUSTED_PROXIES ("10.0.0.2, 172.18.0.0/16"); a bad entry stops start-up."""
    networks = []
    for item in setting.split(","):
        item = item.strip()
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError as exc:
                raise ValueError(f"CONSOLE_TRUSTED_PROXIES: “{item}” is not an IP address or network") from exc
    return tuple(networks)


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _header(scope: Scope, name: bytes) -> str:
    values = [v.decode("latin-1") for k, v in scope.get("headers") or [] if k.lower() == name]
    return ",".join(values)


def _peer(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else ""


def client_address(scope: Scope, settings: Settings) -> str:
    """The client's address: the peer, or, behind a trusted proxy, the last untrusted hop."""
    peer = _peer(scope)
    networks = trusted_networks(settings.console_trusted_proxies)
    if not networks or not _is_trusted(peer, networks):
        return peer or "unknown"
    hops = [hop.strip() for hop in _header(scope, b"x-forwarded-for").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer
    return peer


def is_https(scope: Scope, settings: Settings) -> bool:
    """Served over HTTPS: the connection itself, a trusted proxy saying so, or forced by setting."""
    if settings.console_cookie_secure or scope.get("scheme") == "https":
        return True
    networks = trusted_networks(settings.console_trusted_proxies)
    if networks and _is_trusted(_peer(scope), networks):
        proto = _header(scope, b"x-forwarded-proto").split(",")[-1].strip().lower()
        return proto == "https"
    return False


class TransportSecurityMiddleware:
    """On HTTPS answers: every cookie gets ``Secure`` and ``Strict-Transport-Security`` is sent."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        trusted_networks(settings.console_trusted_proxies)  # a bad setting fails at start-up

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_https(scope, self.settings):
            await self.app(scope, receive, send)
            return
        hsts = self.settings.console_hsts_seconds

        async def secure_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                cookies = headers.getlist("set-cookie")
                if cookies:
                    del headers["set-cookie"]
                    for cookie in cookies:
                        secure = "secure" in [part.strip().lower() for part in cookie.split(";")]
                        headers.append("set-cookie", cookie if secure else cookie + "; Secure")
                if hsts:
                    headers["Strict-Transport-Security"] = f"max-age={hsts}; includeSubDomains"
            await send(message)

        await self.app(scope, receive, secure_send)
