"""ORM models: the procedure catalogue, FAQs, the content revision counter and applications.

Field names are English; each maps one field of the national procedure export
(``ma_tthc`` → ``Procedure.code`` ...), see ``dichvucong/catalog/export_format.py``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dichvucong.db.base import Base, utcnow


class Procedure(Base):
    """One administrative procedure (thủ tục hành chính) of the catalogue."""

    __tablename__ = "procedures"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    name: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[str] = mapped_column(String(200), default="")
    applicants: Mapped[str] = mapped_column(Text, default="")
    filing_address: Mapped[str] = mapped_column(Text, default="")
    handling_agency: Mapped[str] = mapped_column(Text, default="")
    competent_authority: Mapped[str] = mapped_column(Text, default="")
    coordinating_agency: Mapped[str] = mapped_column(Text, default="")
    delegated_agency: Mapped[str] = mapped_column(Text, default="")
    procedure_type: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    publication_status: Mapped[str] = mapped_column(String(100), default="")
    portal_url: Mapped[str] = mapped_column(Text, default="")
    decision_number: Mapped[str] = mapped_column(String(100), default="")
    decision_date: Mapped[str] = mapped_column(String(20), default="")
    decision_issuer: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    source_hash: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    channels: Mapped[list[FilingChannel]] = relationship(
        back_populates="procedure", cascade="all, delete-orphan", order_by="FilingChannel.position"
    )
    steps: Mapped[list[ProcedureStep]] = relationship(
        back_populates="procedure", cascade="all, delete-orphan", order_by="ProcedureStep.position"
    )
    documents: Mapped[list[RequiredDocument]] = relationship(
        back_populates="procedure", cascade="all, delete-orphan", order_by="RequiredDocument.position"
    )
    results: Mapped[list[ProcedureResult]] = relationship(
        back_populates="procedure", cascade="all, delete-orphan", order_by="ProcedureResult.position"
    )
    legal_bases: Mapped[list[LegalBasis]] = relationship(
        back_populates="procedure", cascade="all, delete-orphan", order_by="LegalBasis.position"
    )


class _ProcedurePart:
    """Columns every ordered child row of a procedure has."""

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class FilingChannel(_ProcedurePart, Base):
    """One way to file (in person, online, by post) with its time and fee, raw and parsed."""

    __tablename__ = "filing_channels"

    method: Mapped[str] = mapped_column(String(100))
    time_text: Mapped[str] = mapped_column(Text, default="")
    time_description: Mapped[str] = mapped_column(Text, default="")
    fee_text: Mapped[str] = mapped_column(Text, default="")
    fee_amount: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fee_unit: Mapped[str] = mapped_column(String(50), default="")
    processing_days: Mapped[float | None] = mapped_column(Float, nullable=True)
    processing_day_kind: Mapped[str] = mapped_column(String(20), default="")

    procedure: Mapped[Procedure] = relationship(back_populates="channels")


class ProcedureStep(_ProcedurePart, Base):
    """One step of the procedure, optionally for one case (``truong_hop_xu_ly``)."""

    __tablename__ = "procedure_steps"

    case: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text)

    procedure: Mapped[Procedure] = relationship(back_populates="steps")


class RequiredDocument(_ProcedurePart, Base):
    """One document of the application file (thành phần hồ sơ)."""

    __tablename__ = "required_documents"

    document_code: Mapped[str] = mapped_column(String(100), default="")
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text, default="")
    issuer: Mapped[str] = mapped_column(Text, default="")
    original: Mapped[bool] = mapped_column(Boolean, default=False)
    copy: Mapped[bool] = mapped_column(Boolean, default=False)
    eform: Mapped[str] = mapped_column(Text, default="")

    procedure: Mapped[Procedure] = relationship(back_populates="documents")


class ProcedureResult(_ProcedurePart, Base):
    """What the citizen receives at the end (kết quả thực hiện)."""

    __tablename__ = "procedure_results"

    result_code: Mapped[str] = mapped_column(String(100), default="")
    name: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")

    procedure: Mapped[Procedure] = relationship(back_populates="results")


class LegalBasis(_ProcedurePart, Base):
    """One legal document the procedure rests on (căn cứ pháp lý)."""

    __tablename__ = "legal_bases"

    number: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    issuer: Mapped[str] = mapped_column(Text, default="")
    issued_on: Mapped[str] = mapped_column(String(20), default="")
    effective_on: Mapped[str] = mapped_column(String(20), default="")
    url: Mapped[str] = mapped_column(Text, default="")

    procedure: Mapped[Procedure] = relationship(back_populates="legal_bases")


class Faq(Base):
    """A question citizens ask with the official answer; only published ones reach the bot."""

    __tablename__ = "faqs"
    __table_args__ = (UniqueConstraint("external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100))
    question: Mapped[str] = mapped_column(Text)
    alt_questions: Mapped[list] = mapped_column(default=list)
    answer: Mapped[str] = mapped_column(Text)
    procedure_codes: Mapped[list] = mapped_column(default=list)
    tags: Mapped[list] = mapped_column(default=list)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    source_hash: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Set when an official deletes the FAQ in the console (it can be restored); never searched.
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True, default=None)


class ContentRevision(Base):
    """A single counter bumped by every change to procedures or FAQs.

    Search indexes in any process compare it with the revision they were built from and
    rebuild when it moved, so an edit reaches the bot without a restart.
    """

    __tablename__ = "content_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommuneServicePoint(Base):
    """Where a commune (after the 2025 reform) receives applications."""

    __tablename__ = "commune_service_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    province: Mapped[str] = mapped_column(String(200))
    commune: Mapped[str] = mapped_column(String(200))
    commune_key: Mapped[str] = mapped_column(String(200), unique=True, index=True)
    service_point: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text)
    phone: Mapped[str] = mapped_column(String(50), default="")
    opening_hours: Mapped[str] = mapped_column(Text, default="")


# --- Applications (hồ sơ) citizens filed, and what the status lookup needs -------------------

APPLICATION_STATUSES = ("received", "processing", "needs_documents", "overdue", "ready", "returned", "rejected")
_STATUS_CHECK = "status IN (" + ", ".join(f"'{s}'" for s in APPLICATION_STATUSES) + ")"


class Application(Base):
    """One filed application as the one-stop system knows it; ``code`` is stored upper case."""

    __tablename__ = "applications"
    __table_args__ = (CheckConstraint(_STATUS_CHECK, name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, index=True)
    procedure_code: Mapped[str] = mapped_column(String(32), default="")
    procedure_name: Mapped[str] = mapped_column(Text, default="")
    applicant_name: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()
    new_due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    agency: Mapped[str] = mapped_column(Text, default="")
    current_step: Mapped[str] = mapped_column(Text, default="")
    missing_documents: Mapped[list] = mapped_column(default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    fees_due: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pickup_place: Mapped[str] = mapped_column(Text, default="")
    source_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    history: Mapped[list[ApplicationStatusEvent]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by=lambda: (ApplicationStatusEvent.recorded_at, ApplicationStatusEvent.id),
    )


class ApplicationStatusEvent(Base):
    """One change of status, step, agency or note, as imported or synchronised."""

    __tablename__ = "application_status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    current_step: Mapped[str] = mapped_column(Text, default="")
    agency: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(10), default="import")  # "import" | "sync"

    application: Mapped[Application] = relationship(back_populates="history")


class LookupAttempt(Base):
    """Audit of every status lookup; locks and rate limits are computed from these rows."""

    __tablename__ = "lookup_attempts"
    __table_args__ = (Index("ix_lookup_attempts_sender_time", "sender_id", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(50), default="")
    code: Mapped[str] = mapped_column(String(40))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(20))  # ok, mismatch, locked, rate_limited, unavailable, bad_format
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class StatusSubscription(Base):
    """A citizen asked to be told on ``channel`` when the application's status changes."""

    __tablename__ = "status_subscriptions"
    __table_args__ = (UniqueConstraint("application_id", "channel", "recipient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(50))
    recipient_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


NOTIFICATION_STATES = ("pending", "claimed", "sent", "failed", "uncertain", "dropped")
_NOTIFICATION_STATE_CHECK = "state IN (" + ", ".join(f"'{s}'" for s in NOTIFICATION_STATES) + ")"


class Notification(Base):
    """Outbox row: one message to send to one subscriber (``sent_at`` empty until delivered).

    ``state``: ``pending`` (to send, from ``next_attempt_at``), ``claimed`` (a dispatcher is
    sending it now), ``sent``, ``failed`` (gave up after the allowed attempts), ``uncertain``
    (the dispatcher stopped between sending and recording: maybe delivered, never sent again),
    ``dropped`` (the citizen unsubscribed first). See ``dichvucong/notifications/dispatch.py``.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(_NOTIFICATION_STATE_CHECK, name="state_known"),
        Index("ix_notifications_state_next", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("status_subscriptions.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(12), default="pending", server_default="pending")
    next_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    claimed_by: Mapped[str] = mapped_column(String(64), default="", server_default="")


class JobRun(Base):
    """The last runs of one background job of ``dvc worker`` (shown on /health and the console)."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_failure_at: Mapped[datetime | None] = mapped_column(nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive, since the last success
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_summary: Mapped[str] = mapped_column(Text, default="")
    interval_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    worker: Mapped[str] = mapped_column(String(64), default="")


# --- Console: officials' accounts, their sessions and the history of content edits -----------

CONSOLE_ROLES = ("admin", "editor", "reviewer", "agent")
_ROLE_CHECK = "role IN (" + ", ".join(f"'{r}'" for r in CONSOLE_ROLES) + ")"


class ConsoleUser(Base):
    """An official who signs in to the console; ``username`` is stored lower case."""

    __tablename__ = "console_users"
    __table_args__ = (CheckConstraint(_ROLE_CHECK, name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True, index=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ConsoleSession(Base):
    """A signed-in browser; the cookie holds the token, the table only its SHA-256."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("console_users.id", ondelete="CASCADE"), index=True)
    csrf_secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()

    user: Mapped[ConsoleUser] = relationship()


class ContentVersion(Base):
    """One saved state of a procedure or FAQ: who changed it, when, what, and a full snapshot."""

    __tablename__ = "content_versions"
    __table_args__ = (Index("ix_content_versions_entity", "entity_type", "entity_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(20))  # "faq" | "procedure"
    entity_id: Mapped[int] = mapped_column(Integer)
    entity_key: Mapped[str] = mapped_column(String(100), default="")  # FAQ external id / procedure code
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))  # baseline, create, update, delete, restore, revert, import, ...
    author: Mapped[str] = mapped_column(String(100), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    snapshot: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AnswerFeedback(Base):
    """A citizen's 👍/👎 on one bot answer, kept with the question and answer it rates."""

    __tablename__ = "answer_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(200), index=True)
    channel: Mapped[str] = mapped_column(String(50), default="")
    rating: Mapped[int] = mapped_column(Integer)  # +1 helpful, -1 not helpful
    question: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    answer_timestamp: Mapped[float | None] = mapped_column(Float, nullable=True)  # the rated bot event's time
    procedure_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    faq_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


# --- Review: officials read citizens' conversations (dichvucong/review, docs/review.md) -------
# Rasa's tracker store is read-only for us. review_messages / review_conversations are a
# summary of it, rebuilt incrementally (high-water mark by Rasa event id) and safe to drop;
# annotations, "reviewed" marks and the audit log are our own records.


class ReviewSyncState(Base):
    """How far the summary has read Rasa's ``events`` table (one row, id 1)."""

    __tablename__ = "review_sync_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(500), default="")  # tracker store URL (no password)
    high_event_id: Mapped[int] = mapped_column(Integer, default=0)  # every visible id <= this is summarised
    gaps: Mapped[dict] = mapped_column(default=dict)  # missing ids below high_event_id → first seen (epoch)
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ReviewMessage(Base):
    """One citizen message (a Rasa ``user`` event) with what the bot made of it; text masked."""

    __tablename__ = "review_messages"
    __table_args__ = (
        Index("ix_review_messages_sender_event", "sender_id", "event_id"),
        Index("ix_review_messages_intent_sender", "intent", "sender_id"),
        Index("ix_review_messages_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, unique=True)  # Rasa events.id
    sender_id: Mapped[str] = mapped_column(String(255))
    timestamp: Mapped[float] = mapped_column(Float)
    day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD in Vietnam time
    channel: Mapped[str] = mapped_column(String(50), default="")
    text_masked: Mapped[str] = mapped_column(Text, default="")
    text_key: Mapped[str] = mapped_column(String(300), default="")  # folded text: groups repeated questions
    is_payload: Mapped[bool] = mapped_column(Boolean, default=False)  # a button ("/feedback_negative")
    intent: Mapped[str | None] = mapped_column(String(255), nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)  # of the best real intent
    top_intent: Mapped[str | None] = mapped_column(String(255), nullable=True)  # best real intent
    entities: Mapped[list] = mapped_column(default=list)
    fallback: Mapped[bool] = mapped_column(Boolean, default=False)  # nlu_fallback or action_clarify
    asked_human: Mapped[bool] = mapped_column(Boolean, default=False)
    answer_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)  # last_answer_kind slot
    procedure_code: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    faq_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    bot_replies: Mapped[int] = mapped_column(Integer, default=0)
    response_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)


class ReviewConversation(Base):
    """One conversation (a Rasa sender id), aggregated from its ``review_messages``."""

    __tablename__ = "review_conversations"
    __table_args__ = (Index("ix_review_conversations_last", "last_ts", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(255), unique=True)
    channel: Mapped[str] = mapped_column(String(50), default="", index=True)
    first_ts: Mapped[float] = mapped_column(Float)
    last_ts: Mapped[float] = mapped_column(Float)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    fallbacks: Mapped[int] = mapped_column(Integer, default=0)
    human_requests: Mapped[int] = mapped_column(Integer, default=0)
    min_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    preview: Mapped[str] = mapped_column(String(300), default="")  # first typed message, masked


class ReviewAnnotation(Base):
    """An official's note on one citizen message: correct intent, FAQ needed, tags, comment."""

    __tablename__ = "review_annotations"
    __table_args__ = (UniqueConstraint("sender_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(255))  # (sender_id, event_id) is unique, hence indexed
    event_id: Mapped[int] = mapped_column(Integer)  # Rasa events.id of the citizen message
    event_timestamp: Mapped[float] = mapped_column(Float)
    text_masked: Mapped[str] = mapped_column(Text, default="")
    predicted_intent: Mapped[str | None] = mapped_column(String(255), nullable=True)
    corrected_intent: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    faq_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    tags: Mapped[list] = mapped_column(default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReviewedConversation(Base):
    """A conversation an official has finished reviewing."""

    __tablename__ = "review_reviewed"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(255), unique=True)
    reviewed_by: Mapped[str] = mapped_column(String(100))
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewAudit(Base):
    """Who saw or took personal data: an original message revealed, an export downloaded."""

    __tablename__ = "review_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))  # reveal | export_csv | export_nlu | export_dashboard
    sender_id: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


# --- Thesaurus: citizens' names for official terms (dichvucong/thesaurus, docs/console.md) ---
# Data, not code: officials edit groups in the console; search reads the enabled ones and
# rebuilds when the content revision moves (the model is in CONTENT_MODELS).


class SynonymGroup(Base):
    """One official term and the everyday phrasings citizens use for it ("sổ đỏ" ...)."""

    __tablename__ = "thesaurus_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    canonical: Mapped[str] = mapped_column(Text)  # "giấy chứng nhận quyền sử dụng đất"
    canonical_key: Mapped[str] = mapped_column(String(300), unique=True)  # folded canonical: import identity
    variants: Mapped[list] = mapped_column(default=list)  # ["sổ đỏ", "sổ hồng", ...] as officials wrote them
    note: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    source_hash: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Set when an official deletes the group in the console (it can be restored); never used.
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True, default=None)


# --- Security: guessing budgets shared by every process (docs/security.md) ------------------
# One row per application code (known or not) that had wrong answers, and one row per console
# sign-in key ("user:<name>" / "addr:<ip>"). Rows are changed only with a conditional UPDATE on
# ``version``, so two servers can never both spend the last attempt.


class LookupCodeBudget(Base):
    """Wrong answers on one application code, from every sender and channel."""

    __tablename__ = "lookup_code_budgets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    failures: Mapped[list] = mapped_column(default=list)  # epoch seconds of failures in the long window
    total_failures: Mapped[int] = mapped_column(Integer, default=0)  # since the row was created or lifted
    first_failure_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_failure_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    locked_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)  # set: only the office can help
    lifted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    lifted_by: Mapped[str] = mapped_column(String(100), default="")
    version: Mapped[int] = mapped_column(Integer, default=0)


class SecurityAudit(Base):
    """Security-relevant actions of officials (a code's lookup lock lifted, ...)."""

    __tablename__ = "security_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))  # lift_code_lock | clear_login_throttle
    subject: Mapped[str] = mapped_column(String(200), default="")  # masked code, username
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class LoginThrottle(Base):
    """Failed console sign-ins for one key: ``user:<username>`` or ``addr:<client address>``."""

    __tablename__ = "console_login_throttle"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_failure_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


# --- Live handoff to staff (dichvucong/handoff, docs/handoff.md) -----------------------------
# The handoff state lives here, not in a Rasa server's memory: every Rasa server, the action
# server and the console read and change the same rows, and a restart loses nothing. A claim
# is one conditional UPDATE (``claimed_by IS NULL``), so two agents can never both win.

HANDOFF_OPEN_STATUSES = ("collecting", "waiting", "left", "claimed")
HANDOFF_STATUSES = (*HANDOFF_OPEN_STATUSES, "returned", "closed", "cancelled")
_HANDOFF_STATUS_CHECK = "status IN (" + ", ".join(f"'{s}'" for s in HANDOFF_STATUSES) + ")"
_HANDOFF_OPEN = "status IN (" + ", ".join(f"'{s}'" for s in HANDOFF_OPEN_STATUSES) + ")"


class Handoff(Base):
    """One request of a citizen to talk to a person, from the request to its end.

    ``collecting``: outside office hours, the bot asks for the question and a contact;
    ``waiting``: in the live queue; ``left``: a question left outside office hours;
    ``claimed``: an agent has it. Then ``returned`` (handed back to the bot), ``closed``
    (an agent ended it) or ``cancelled`` (the citizen went back to the bot).
    """

    __tablename__ = "handoffs"
    __table_args__ = (
        CheckConstraint(_HANDOFF_STATUS_CHECK, name="status_known"),
        # at most one open handoff per conversation, whichever server creates it
        Index(
            "uq_handoffs_open_sender", "sender_id", unique=True,
            sqlite_where=sql_text(_HANDOFF_OPEN), postgresql_where=sql_text(_HANDOFF_OPEN),
        ),
        Index("ix_handoffs_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(255), index=True)
    channel: Mapped[str] = mapped_column(String(50), default="")
    agency_key: Mapped[str] = mapped_column(String(50), default="")
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(20), default="asked")  # asked | offered (after failed answers)
    outside_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    procedure_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    faq_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    question: Mapped[str] = mapped_column(Text, default="")  # left outside office hours (personal data)
    contact: Mapped[str] = mapped_column(String(200), default="")  # phone or e-mail to call back (personal data)
    preview: Mapped[str] = mapped_column(String(300), default="")  # the citizen's latest words, masked
    citizen_messages: Mapped[int] = mapped_column(Integer, default=0)
    agent_messages: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    first_reply_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_citizen_at: Mapped[datetime | None] = mapped_column(nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    ended_by: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    version: Mapped[int] = mapped_column(Integer, default=0)

    messages: Mapped[list[HandoffMessage]] = relationship(
        back_populates="handoff", cascade="all, delete-orphan", order_by="HandoffMessage.id"
    )


class HandoffMessage(Base):
    """An agent's reply: written by the console, sent by the action server through Rasa."""

    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(100))  # console username
    author_name: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list] = mapped_column(default=list)  # [{"title", "payload"}] the bot's own quick replies
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)

    handoff: Mapped[Handoff] = relationship(back_populates="messages")
