"""What every console request shares: settings, the token signer and the templates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi.templating import Jinja2Templates

from dichvucong.config import Settings
from dichvucong.console.security import TokenSigner

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
PREFIX = "/console"


@dataclass
class ConsoleContext:
    """Built once per app by :func:`dichvucong.console.install_console`."""

    settings: Settings
    secret_key: str
    signer: TokenSigner
    templates: Jinja2Templates

    @property
    def max_upload_bytes(self) -> int:
        return int(self.settings.console_max_upload_mb * 1024 * 1024)
