"""Where application records come from: our database (imported) or the one-stop system's API.

Both sources answer ``get(code)`` with an :class:`ApplicationRecord` or None when no such
application exists; a source that cannot answer raises :class:`SourceUnavailable`.

The one-stop API contract (an adapter in front of the real system can provide it):
``GET {base_url}/applications/{code}`` with ``Authorization: Bearer <token>`` answers 404 for
an unknown code, or 200 with a JSON object holding the fields of :class:`ApplicationRecord`
(``code``, ``procedure_code``, ``procedure_name``, ``applicant_name``, ``phone``, ``status``
as a key or a Vietnamese label, ``received_at``, ``due_at``, optional ``new_due_at``,
``completed_at``, ``agency``, ``current_step``, ``missing_documents`` (list), ``note``,
``fees_due``, ``pickup_place``, ``updated_at`` and ``history``: a list of objects with
``status``, ``recorded_at``, ``current_step``, ``agency``, ``note``). Dates are ISO 8601.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any, NoReturn, Protocol
from urllib.parse import quote

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from dichvucong.applications.codes import normalize_code
from dichvucong.applications.dates import parse_datetime
from dichvucong.applications.masking import mask_code
from dichvucong.applications.records import ApplicationRecord, StatusEvent, record_from_model
from dichvucong.applications.statuses import parse_status
from dichvucong.config import Settings
from dichvucong.db.models import Application

logger = logging.getLogger(__name__)


class SourceUnavailable(RuntimeError):
    """The source could not say whether the application exists (down, slow, misconfigured)."""


class ApplicationSource(Protocol):
    """Anything that can look an application up by its normalised code."""

    def get(self, code: str) -> ApplicationRecord | None:
        """The application with ``code``, None when there is none; may raise SourceUnavailable."""
        ...


class DatabaseSource:
    """Applications imported into our own database (``dvc import-applications``)."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def get(self, code: str) -> ApplicationRecord | None:
        try:
            with self._session_factory() as session:
                application = session.scalar(
                    select(Application).where(Application.code == code).options(selectinload(Application.history))
                )
                return record_from_model(application) if application is not None else None
        except Exception as exc:  # noqa: BLE001 - any database failure means "cannot tell"
            logger.warning("Không đọc được hồ sơ %s từ CSDL: %s", mask_code(code), type(exc).__name__)
            raise SourceUnavailable("database error") from exc


def _optional_date(data: dict[str, Any], key: str) -> datetime | None:
    value = data.get(key)
    return parse_datetime(str(value)) if value not in (None, "") else None


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


def record_from_payload(data: Any, requested_code: str) -> ApplicationRecord:
    """Build a record from the API's JSON; raises ValueError when it is not what we expect."""
    if not isinstance(data, dict):
        raise ValueError("payload is not an object")
    if normalize_code(_text(data, "code")) != requested_code:
        raise ValueError("payload is for another code")
    documents = data.get("missing_documents") or []
    history = data.get("history") or []
    if not isinstance(documents, list) or not isinstance(history, list):
        raise ValueError("missing_documents and history must be lists")
    fees = data.get("fees_due")
    return ApplicationRecord(
        code=requested_code,
        procedure_code=_text(data, "procedure_code"),
        procedure_name=_text(data, "procedure_name"),
        status=parse_status(_text(data, "status")),
        received_at=parse_datetime(_text(data, "received_at")),
        due_at=parse_datetime(_text(data, "due_at")),
        applicant_name=_text(data, "applicant_name"),
        phone=_text(data, "phone"),
        agency=_text(data, "agency"),
        current_step=_text(data, "current_step"),
        missing_documents=tuple(str(d) for d in documents),
        note=_text(data, "note"),
        new_due_at=_optional_date(data, "new_due_at"),
        completed_at=_optional_date(data, "completed_at"),
        fees_due=int(fees) if fees not in (None, "") else None,
        pickup_place=_text(data, "pickup_place"),
        updated_at=_optional_date(data, "updated_at"),
        history=tuple(
            StatusEvent(
                status=parse_status(_text(event, "status")),
                recorded_at=parse_datetime(_text(event, "recorded_at")),
                current_step=_text(event, "current_step"),
                agency=_text(event, "agency"),
                note=_text(event, "note"),
            )
            for event in history
            if isinstance(event, dict)
        ),
    )


class OneStopHttpSource:
    """The one-stop system's HTTP API; retries server errors and timeouts with a short backoff."""

    def __init__(
        self,
        base_url: str,
        token: str,
        timeout: float = 5.0,
        retries: int = 2,
        *,
        backoff_seconds: float = 0.2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._retries = max(retries, 0)
        self._backoff = backoff_seconds
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            transport=transport,
        )

    def get(self, code: str) -> ApplicationRecord | None:
        problem = ""
        for attempt in range(self._retries + 1):
            if attempt:
                time.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                response = self._client.get(f"/applications/{quote(code, safe='')}")
            except httpx.TimeoutException:
                problem = "timeout"
                continue
            except httpx.TransportError as exc:
                problem = type(exc).__name__
                continue
            if response.status_code == 404:
                return None
            if response.status_code >= 500 or response.status_code == 429:
                problem = f"HTTP {response.status_code}"
                continue
            if response.status_code != 200:  # 401/403: wrong token or not allowed; retrying will not help
                self._fail(code, f"HTTP {response.status_code}")
            try:
                return record_from_payload(response.json(), code)
            except (ValueError, TypeError) as exc:  # also json.JSONDecodeError
                self._fail(code, f"malformed payload ({exc})")
        self._fail(code, f"{problem} after {self._retries + 1} attempts")

    def _fail(self, code: str, problem: str) -> NoReturn:
        logger.warning("Hệ thống một cửa không trả lời được hồ sơ %s: %s", mask_code(code), problem)
        raise SourceUnavailable(problem)

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()


def make_source(settings: Settings, session_factory: sessionmaker[Session]) -> ApplicationSource:
    """The source ``APPLICATION_SOURCE`` names: ``database`` (default) or ``http``."""
    kind = settings.application_source.strip().lower()
    if kind == "database":
        return DatabaseSource(session_factory)
    if kind == "http":
        if not settings.onestop_base_url:
            raise ValueError("APPLICATION_SOURCE=http cần ONESTOP_BASE_URL.")
        return OneStopHttpSource(
            settings.onestop_base_url,
            settings.onestop_token,
            timeout=settings.onestop_timeout_seconds,
            retries=settings.onestop_retries,
        )
    raise ValueError(f"APPLICATION_SOURCE không hợp lệ: {settings.application_source!r} (database | http).")
