"""Settings read from the environment (documented in ``.env.example``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Settings that take one of a few words: the environment variable, then the choices.
CHOICES: dict[str, tuple[str, ...]] = {
    "application_source": ("database", "http"),
    "log_format": ("text", "json"),
    "log_level": ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
    "console_env": ("development", "production"),
}


class Settings(BaseSettings):
    """One settings object for the core package, the action server and the console."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'dichvucong.db'}"
    hotline: str = "1022"
    portal_url: str = "https://dichvucong.gov.vn"
    province_name: str = "Lâm Đồng"
    search_min_confidence: float = 0.4
    search_ambiguity_ratio: float = 0.85
    search_refresh_seconds: float = 1.0
    # The learned second opinion on the selection rules (dichvucong/assistant/learned_selection.py).
    learned_selection: bool = True
    log_level: str = "INFO"
    log_format: str = "text"  # "json" in production: one JSON object per line

    # Application status lookup (hồ sơ): where records come from and how lookups are limited.
    application_source: str = "database"  # "database" (imported CSV) | "http" (one-stop API)
    onestop_base_url: str = ""
    onestop_token: str = ""  # secret: set only in the environment
    onestop_timeout_seconds: float = 5.0
    onestop_retries: int = 2
    lookup_max_failures: int = 3
    lookup_lock_minutes: int = 15
    lookup_max_codes_per_window: int = 5
    lookup_window_minutes: int = 10
    # Per-code guessing budget, shared by every sender, channel and process (docs/security.md).
    lookup_code_delay_after: int = Field(3, ge=1)  # failures within the delay window before waits start
    lookup_code_delay_window_minutes: float = Field(15, gt=0)
    lookup_code_delay_seconds: float = Field(60, gt=0)  # the first wait; doubled for each further failure
    lookup_code_lock_after: int = Field(10, ge=2)  # failures within the lock window: only the office helps
    lookup_code_lock_window_hours: float = Field(24, gt=0)
    lookup_office_place: str = "nơi bạn đã nộp hồ sơ (Trung tâm Phục vụ hành chính công xã, phường)"

    # Status-change notifications.
    telegram_bot_token: str = ""  # secret: set only in the environment
    telegram_api_base_url: str = "https://api.telegram.org"

    # Console (bảng điều khiển nội dung at /console): accounts, sessions, uploads.
    console_env: str = "development"  # "production" refuses to start without a secret key
    console_secret_key: str = ""  # secret: signs session and CSRF tokens; set only in the environment
    console_cookie_secure: bool = False  # True behind HTTPS
    console_session_hours: float = 12.0
    # Sign-in throttle (per username and per client address): waits that grow, never a hard lock.
    console_login_free_failures: int = Field(5, ge=1)  # per username, before waits start
    console_login_address_free_failures: int = Field(20, ge=1)  # per client address
    console_login_delay_seconds: float = Field(2.0, gt=0)  # first wait, doubled for each further failure
    console_login_max_delay_seconds: float = Field(300.0, gt=0)
    console_login_forget_minutes: float = Field(60.0, gt=0)  # failures forgotten after this long without one
    console_hash_concurrency: int = Field(2, ge=1)  # password hashes computed at once (argon2: 64 MiB each)
    console_hash_wait_seconds: float = Field(3.0, ge=0)  # then "thử lại sau" (503)
    console_trusted_proxies: str = ""  # comma-separated IPs/CIDRs whose X-Forwarded-For/-Proto we believe
    console_hsts_seconds: int = Field(31536000, ge=0)  # Strict-Transport-Security on HTTPS answers; 0 = off
    console_max_upload_mb: float = 20.0
    # .xlsx uploads are zip files: checked before openpyxl parses them (zip bombs).
    console_xlsx_max_entries: int = Field(200, ge=1)
    console_xlsx_max_uncompressed_mb: float = Field(100.0, gt=0)
    console_xlsx_max_ratio: float = Field(100.0, gt=1)  # uncompressed / compressed, per entry and overall
    console_upload_dir: str = str(PROJECT_ROOT / "var" / "console-uploads")
    console_page_size: int = 20
    console_admin_username: str = ""  # first admin, created on start when no admin exists
    console_admin_password: str = ""  # secret: set only in the environment, never in code

    # Review of citizens' conversations (/console/review, docs/review.md). The console reads
    # Rasa's tracker store READ-ONLY; only `dvc retention` deletes from it.
    tracker_store_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"  # Rasa's TRACKER_STORE_URL
    review_low_confidence: float = 0.6  # "low confidence" filter: NLU confidence below this
    review_sync_settle_seconds: float = 10.0  # how long a missing event id may still commit late
    conversation_retention_days: int = 365  # `dvc retention` deletes conversations older than this

    # Live handoff to staff (docs/handoff.md): office hours per agency, the queue, Rasa's API.
    handoff_enabled: bool = True  # false: "gặp cán bộ" answers with the hotline, as before
    handoff_agencies_file: str = str(PROJECT_ROOT / "data" / "handoff_agencies.json")  # "" = one agency from the two below
    handoff_office_hours: str = "mon-fri 07:30-11:30,13:30-17:00"  # the single agency's hours (no file)
    handoff_agency_name: str = "Trung tâm Phục vụ hành chính công"
    handoff_holidays: str = ""  # closed days for every agency: 2026-09-02, ranges 2026-02-14..2026-02-22
    handoff_minutes_per_citizen: float = Field(4.0, gt=0)  # wait estimate per person ahead, until there is history
    handoff_max_waiting: int = Field(200, ge=1)  # open requests in the queue before new ones are told to call
    handoff_rasa_url: str = "http://127.0.0.1:5005"  # where the console reaches Rasa's HTTP API (internal)
    rasa_auth_token: str = ""  # secret: Rasa's --auth-token (RASA_AUTH_TOKEN), for the console's handoff calls

    # Background jobs (`dvc worker`, docs/operations.md): how often each runs, retries, health.
    worker_port: int = Field(8010, ge=0, le=65535)  # GET /health of the worker (0: no HTTP)
    worker_notify_seconds: float = Field(30.0, gt=0)  # status-change notifications
    worker_review_sync_seconds: float = Field(300.0, gt=0)  # the review pages' summary tables
    worker_retention_seconds: float = Field(86400.0, ge=0)  # `dvc retention` (0 = never automatically)
    worker_retry_seconds: float = Field(15.0, gt=0)  # a failed run is retried after this, doubled each time
    notification_retry_seconds: float = Field(60.0, ge=0)  # a failed notification waits this, doubled each time
    notification_claim_timeout_seconds: float = Field(120.0, gt=0)  # claimed this long without outcome: uncertain

    @field_validator(*CHOICES, mode="before")
    @classmethod
    def _one_of(cls, value: object, info: object) -> object:
        """Typed choices: a wrong word stops the start with the variable and the choices named."""
        name = getattr(info, "field_name", "")
        choices = CHOICES[name]
        text = str(value).strip()
        text = text.upper() if name == "log_level" else text.lower()
        if text not in choices:
            raise ValueError(f"{name.upper()} không hợp lệ: {value!r} (chọn {' | '.join(choices)}).")
        return text


    @model_validator(mode="after")
    def _check_budgets(self) -> Settings:
        """Start-up check: limits that contradict each other are refused with a clear message."""
        if self.application_source == "http" and not self.onestop_base_url.strip():
            raise ValueError("APPLICATION_SOURCE=http cần ONESTOP_BASE_URL.")
        if self.lookup_code_lock_after <= self.lookup_code_delay_after:
            raise ValueError("LOOKUP_CODE_LOCK_AFTER must be larger than LOOKUP_CODE_DELAY_AFTER.")
        if self.console_login_max_delay_seconds < self.console_login_delay_seconds:
            raise ValueError("CONSOLE_LOGIN_MAX_DELAY_SECONDS must be at least CONSOLE_LOGIN_DELAY_SECONDS.")
        from dichvucong.handoff.hours import SettingsError, parse_holidays, parse_hours

        try:
            parse_hours(self.handoff_office_hours)
            parse_holidays(self.handoff_holidays)
        except SettingsError as exc:
            raise ValueError(f"HANDOFF_OFFICE_HOURS / HANDOFF_HOLIDAYS: {exc}") from None
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
