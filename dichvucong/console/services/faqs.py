"""FAQs in the console: list with filters, create/edit with optimistic concurrency, trash."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from dichvucong.console.errors import ConsoleError, NotFound
from dichvucong.console.services import history
from dichvucong.console.services.paging import Page, matches, paginate, query_words
from dichvucong.db.base import utcnow
from dichvucong.db.models import Faq, Procedure
from dichvucong.faqs.importer import MAX_TEXT, FaqRecord
from dichvucong.importing import content_hash
from dichvucong.text.normalize import collapse_spaces

STATUS_LABELS = {"published": "Đã xuất bản", "draft": "Nháp"}


@dataclass
class FaqFilter:
    q: str = ""
    tag: str = ""
    code: str = ""
    status: str = ""  # "" | "published" | "draft"
    page: int = 1


@dataclass
class FaqInput:
    """What the form says; lists already split and cleaned."""

    question: str = ""
    alt_questions: list[str] = field(default_factory=list)
    answer: str = ""
    procedure_codes: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    published: bool = False

    def record(self, external_id: str = "") -> FaqRecord:
        """The importer's own record, so console saves and file imports agree on every value."""
        return FaqRecord(
            id=external_id,
            question=self.question,
            answer=self.answer,
            alt_questions=self.alt_questions,
            procedure_codes=self.procedure_codes,
            tags=self.tags,
            published=self.published,
        )


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _clean_list(values: list[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        value = collapse_spaces(value.replace("|", "/"))  # "|" separates list items in CSV files
        if value and value not in seen:
            seen.append(value)
    return seen


def parse_form(form: FormData) -> FaqInput:
    return FaqInput(
        question=_field(form, "question").strip(),
        alt_questions=_clean_list(_field(form, "alt_questions").splitlines()),
        answer=_field(form, "answer").strip(),
        procedure_codes=_clean_list(_field(form, "procedure_codes").replace(";", ",").replace("\n", ",").split(",")),
        tags=_clean_list(_field(form, "tags").replace(";", ",").replace("\n", ",").split(",")),
        published=_field(form, "status") == "published",
    )


def validate(session: Session, data: FaqInput) -> dict[str, str]:
    """Field → Vietnamese error message; empty when the input can be saved."""
    errors: dict[str, str] = {}
    if not data.question:
        errors["question"] = "Hãy nhập câu hỏi."
    elif len(data.question) > MAX_TEXT:
        errors["question"] = f"Câu hỏi dài quá {MAX_TEXT} ký tự."
    if not data.answer:
        errors["answer"] = "Hãy nhập câu trả lời."
    elif len(data.answer) > MAX_TEXT:
        errors["answer"] = f"Câu trả lời dài quá {MAX_TEXT} ký tự."
    if any(len(a) > 1000 for a in data.alt_questions):
        errors["alt_questions"] = "Mỗi cách hỏi khác tối đa 1000 ký tự."
    if data.procedure_codes:
        known = set(session.scalars(select(Procedure.code).where(Procedure.code.in_(data.procedure_codes))))
        unknown = [c for c in data.procedure_codes if c not in known]
        if unknown:
            errors["procedure_codes"] = "Không có thủ tục mang mã: " + ", ".join(unknown)
    if any(len(t) > 100 for t in data.tags):
        errors["tags"] = "Mỗi nhãn tối đa 100 ký tự."
    return errors


def form_values(faq: Faq | None = None, data: FaqInput | None = None) -> dict[str, str]:
    """What the form's inputs show: the submitted input, else the stored FAQ."""
    if data is None:
        data = FaqInput(
            question=faq.question,
            alt_questions=list(faq.alt_questions or []),
            answer=faq.answer,
            procedure_codes=list(faq.procedure_codes or []),
            tags=list(faq.tags or []),
            published=faq.published,
        ) if faq is not None else FaqInput(published=False)
    return {
        "question": data.question,
        "alt_questions": "\n".join(data.alt_questions),
        "answer": data.answer,
        "procedure_codes": ", ".join(data.procedure_codes),
        "tags": ", ".join(data.tags),
        "status": "published" if data.published else "draft",
    }


# -- queries ----------------------------------------------------------------------------------
def list_faqs(session: Session, flt: FaqFilter, page_size: int) -> Page[Faq]:
    """Live FAQs matching the filter, newest change first."""
    words = query_words(flt.q)
    rows = session.scalars(select(Faq).where(Faq.deleted_at.is_(None)).order_by(Faq.updated_at.desc(), Faq.id.desc()))
    selected = []
    for faq in rows:
        if flt.status == "published" and not faq.published:
            continue
        if flt.status == "draft" and faq.published:
            continue
        if flt.tag and flt.tag not in (faq.tags or []):
            continue
        if flt.code and flt.code not in (faq.procedure_codes or []):
            continue
        if not matches(words, faq.question, " ".join(faq.alt_questions or []), faq.answer, faq.external_id):
            continue
        selected.append(faq)
    return paginate(selected, flt.page, page_size)


def deleted_faqs(session: Session) -> list[Faq]:
    return list(session.scalars(select(Faq).where(Faq.deleted_at.is_not(None)).order_by(Faq.deleted_at.desc())))


def all_tags(session: Session) -> list[str]:
    tags: set[str] = set()
    for values in session.scalars(select(Faq.tags).where(Faq.deleted_at.is_(None))):
        tags.update(values or [])
    return sorted(tags)


def get_faq(session: Session, faq_id: int, include_deleted: bool = False) -> Faq:
    faq = session.get(Faq, faq_id)
    if faq is None or (faq.deleted_at is not None and not include_deleted):
        raise NotFound("Không tìm thấy câu hỏi này (có thể đã bị xóa).")
    return faq


# -- changes ----------------------------------------------------------------------------------
def _apply(faq: Faq, data: FaqInput, author: str) -> None:
    record = data.record(faq.external_id)
    faq.question = record.question
    faq.alt_questions = record.alt_questions
    faq.answer = record.answer
    faq.procedure_codes = record.procedure_codes
    faq.tags = record.tags
    faq.published = record.published
    # The importer's fingerprint of this content: exporting and re-importing it is "unchanged".
    faq.source_hash = content_hash(record.model_dump())
    faq.updated_by = author


def create_faq(session: Session, data: FaqInput, author: str) -> Faq:
    """Add an FAQ (committed); its id is derived from the question like the importer's."""
    external_id = data.record().key()
    existing = session.scalar(select(Faq).where(Faq.external_id == external_id))
    if existing is not None:
        where = " (đang ở thùng rác)" if existing.deleted_at else ""
        raise ConsoleError(f"Đã có câu hỏi giống hệt{where}: “{existing.question}”.")
    faq = Faq(external_id=external_id, version=1)
    _apply(faq, data, author)
    session.add(faq)
    session.flush()
    history.record_version(session, faq, "create", author, None)
    session.commit()
    return faq


def update_faq(session: Session, faq: Faq, expected_version: int | None, data: FaqInput, author: str) -> bool:
    """Save the form over ``faq``; ``False`` when nothing changed. Stale versions raise 409."""
    history.check_version(faq, expected_version)
    before = history.faq_snapshot(faq)
    probe = dict(before)
    record = data.record(faq.external_id)
    probe.update(
        question=record.question, alt_questions=record.alt_questions, answer=record.answer,
        procedure_codes=record.procedure_codes, tags=record.tags, published=record.published,
    )
    if probe == before:
        return False
    history.ensure_baseline(session, faq, before)
    history.claim_version(session, faq, expected_version)  # type: ignore[arg-type]
    _apply(faq, data, author)
    history.record_version(session, faq, "update", author, before)
    session.commit()
    return True


def delete_faq(session: Session, faq: Faq, author: str) -> None:
    """Move to the trash: the bot stops using it at once; "Hoàn tác" brings it back."""
    before = history.faq_snapshot(faq)
    history.ensure_baseline(session, faq, before)
    history.claim_version(session, faq, faq.version)
    faq.deleted_at = utcnow()
    faq.updated_by = author
    history.record_version(session, faq, "delete", author, before)
    session.commit()


def restore_faq(session: Session, faq: Faq, author: str) -> None:
    if faq.deleted_at is None:
        return
    before = history.faq_snapshot(faq)
    history.claim_version(session, faq, faq.version)
    faq.deleted_at = None
    faq.updated_by = author
    history.record_version(session, faq, "restore", author, before)
    session.commit()
