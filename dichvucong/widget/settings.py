"""Settings of the widget routes (documented in ``.env.example``), checked at start-up."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from pydantic_settings import BaseSettings, SettingsConfigDict

from dichvucong.widget.token import TokenSigner, secret_problems

logger = logging.getLogger(__name__)


class WidgetSettings(BaseSettings):
    """Session tokens, allowed portal origins and the demo page."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    console_env: str = "development"
    widget_token_secret: str = ""  # secret, shared with Rasa's web channel
    widget_token_ttl_minutes: int = 24 * 60
    widget_session_max_days: float = 7.0
    widget_demo_enabled: bool | None = None  # default: on, except with CONSOLE_ENV=production
    rasa_cors_origins: str = ""  # portal origins that may embed the widget (space or comma separated)
    rasa_public_url: str = ""  # where browsers reach Rasa's channels (the demo page's default)

    @property
    def production(self) -> bool:
        return self.console_env.strip().lower() == "production"

    @property
    def demo_enabled(self) -> bool:
        return (not self.production) if self.widget_demo_enabled is None else self.widget_demo_enabled

    @property
    def allowed_origins(self) -> set[str]:
        """Origins whose pages may ask for a session (cross-origin); the console's own always may."""
        return {o.strip().rstrip("/") for o in self.rasa_cors_origins.replace(",", " ").split() if o.strip()}

    def problems(self) -> list[str]:
        """What is wrong with these settings (empty when nothing is)."""
        found = list(secret_problems(self.widget_token_secret))
        if self.widget_token_ttl_minutes < 1:
            found.append("WIDGET_TOKEN_TTL_MINUTES must be at least 1")
        if self.widget_session_max_days * 24 * 60 < self.widget_token_ttl_minutes:
            found.append("WIDGET_SESSION_MAX_DAYS must be at least WIDGET_TOKEN_TTL_MINUTES")
        for origin in self.allowed_origins:
            parts = urlsplit(origin)
            if origin == "*" or parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
                found.append(f"RASA_CORS_ORIGINS: {origin!r} is not an origin like https://portal.example.gov.vn")
        return found

    def signer(self) -> TokenSigner | None:
        """The token signer, or None when the secret is missing or too short."""
        if secret_problems(self.widget_token_secret):
            return None
        return TokenSigner(
            self.widget_token_secret,
            ttl_seconds=self.widget_token_ttl_minutes * 60,
            max_session_seconds=int(self.widget_session_max_days * 86400),
        )


def check_widget_settings(settings: WidgetSettings | None = None) -> WidgetSettings:
    """Start-up check: in production a problem stops the console; in development it is logged
    (the widget then cannot start conversations until WIDGET_TOKEN_SECRET is set)."""
    settings = settings or WidgetSettings()
    problems = settings.problems()
    if problems and settings.production:
        raise RuntimeError("Widget settings: " + "; ".join(problems))
    for problem in problems:
        logger.warning("Widget: %s", problem)
    return settings
