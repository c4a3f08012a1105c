"""Synonym groups in the console: list/search, create/edit with optimistic concurrency, trash.

Form values go through the importer's own :class:`SynonymRecord`, so a group saved here and
the same group imported from a file are identical (same fingerprint: re-import = unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from dichvucong.console.errors import ConsoleError, NotFound
from dichvucong.console.services import history
from dichvucong.console.services.paging import Page, matches, paginate, query_words
from dichvucong.db.base import utcnow
from dichvucong.db.models import SynonymGroup
from dichvucong.text.normalize import collapse_spaces, fold
from dichvucong.thesaurus.importer import phrase_owners, record_hash
from dichvucong.thesaurus.records import (
    MAX_CANONICAL,
    MAX_NOTE,
    MAX_VARIANT,
    MAX_VARIANTS,
    SynonymRecord,
    phrase_problem,
)

STATUS_LABELS = {"enabled": "Đang dùng", "disabled": "Đã tắt"}


@dataclass
class ThesaurusFilter:
    q: str = ""
    status: str = ""  # "" | "enabled" | "disabled"
    page: int = 1


@dataclass
class SynonymInput:
    """What the form says: the official term, one citizen phrasing per line, a note."""

    canonical: str = ""
    variants: list[str] = field(default_factory=list)
    note: str = ""
    enabled: bool = True

    def record(self) -> SynonymRecord:
        return SynonymRecord.model_construct(
            canonical=collapse_spaces(self.canonical), variants=self.variants, note=collapse_spaces(self.note),
            enabled=self.enabled,
        )


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def split_lines(text: str) -> list[str]:
    """One phrasing per line ("|" also separates); folded duplicates dropped."""
    seen: set[str] = set()
    cleaned: list[str] = []
    for part in text.replace("|", "\n").splitlines():
        value = collapse_spaces(part)
        if value and fold(value) and fold(value) not in seen:
            seen.add(fold(value))
            cleaned.append(value)
    return cleaned


def parse_form(form: FormData) -> SynonymInput:
    return SynonymInput(
        canonical=collapse_spaces(_field(form, "canonical")),
        variants=split_lines(_field(form, "variants")),
        note=collapse_spaces(_field(form, "note")),
        enabled=_field(form, "status") != "disabled",
    )


def taken_phrases(session: Session, phrases: list[str], own_key: str | None) -> dict[str, str]:
    """Phrase → canonical term of the *other* group that already uses it."""
    owners = phrase_owners(session)
    names = dict(session.execute(select(SynonymGroup.canonical_key, SynonymGroup.canonical)).all())
    taken: dict[str, str] = {}
    for phrase in phrases:
        owner = owners.get(fold(phrase))
        if owner is not None and owner != own_key:
            taken[phrase] = names.get(owner, owner)
    return taken


def validate(session: Session, data: SynonymInput, group: SynonymGroup | None = None) -> dict[str, str]:
    """Field → Vietnamese error message; empty when the input can be saved."""
    errors: dict[str, str] = {}
    key = fold(data.canonical)
    if not data.canonical:
        errors["canonical"] = "Hãy nhập thuật ngữ chính thức."
    elif len(data.canonical) > MAX_CANONICAL:
        errors["canonical"] = f"Thuật ngữ dài quá {MAX_CANONICAL} ký tự."
    elif problem := phrase_problem(data.canonical):
        errors["canonical"] = problem[0].upper() + problem[1:] + "."
    else:
        same = session.scalar(select(SynonymGroup).where(SynonymGroup.canonical_key == key))
        if same is not None and (group is None or same.id != group.id):
            where = " (đang ở thùng rác)" if same.deleted_at else ""
            errors["canonical"] = f"Đã có nhóm cho thuật ngữ này{where}: “{same.canonical}”."
    variants = [v for v in data.variants if fold(v) != key]
    if not variants:
        errors["variants"] = "Hãy nhập ít nhất một cách gọi khác (mỗi dòng một cách)."
    elif len(variants) > MAX_VARIANTS:
        errors["variants"] = f"Tối đa {MAX_VARIANTS} cách gọi trong một nhóm."
    elif any(len(v) > MAX_VARIANT for v in variants):
        errors["variants"] = f"Mỗi cách gọi tối đa {MAX_VARIANT} ký tự."
    elif problems := [p for p in (phrase_problem(v) for v in variants) if p]:
        errors["variants"] = "; ".join(problems) + "."
    if "canonical" not in errors and "variants" not in errors:
        own_key = group.canonical_key if group is not None else None
        taken = taken_phrases(session, [data.canonical, *variants], own_key)
        if taken:
            errors["variants"] = "Đã thuộc nhóm khác: " + "; ".join(f"“{p}” (nhóm “{c}”)" for p, c in taken.items()) + "."
    if len(data.note) > MAX_NOTE:
        errors["note"] = f"Ghi chú tối đa {MAX_NOTE} ký tự."
    return errors


def form_values(group: SynonymGroup | None = None, data: SynonymInput | None = None) -> dict[str, str]:
    """What the form's inputs show: the submitted input, else the stored group."""
    if data is None:
        data = SynonymInput(group.canonical, list(group.variants or []), group.note, group.enabled) if group else SynonymInput()
    return {
        "canonical": data.canonical,
        "variants": "\n".join(data.variants),
        "note": data.note,
        "status": "enabled" if data.enabled else "disabled",
    }


# -- queries ----------------------------------------------------------------------------------
def list_groups(session: Session, flt: ThesaurusFilter, page_size: int) -> Page[SynonymGroup]:
    """Groups not in the trash matching the filter, alphabetical by folded term."""
    words = query_words(flt.q)
    rows = session.scalars(select(SynonymGroup).where(SynonymGroup.deleted_at.is_(None)).order_by(SynonymGroup.canonical_key))
    selected = []
    for group in rows:
        if flt.status == "enabled" and not group.enabled:
            continue
        if flt.status == "disabled" and group.enabled:
            continue
        if not matches(words, group.canonical, " ".join(group.variants or []), group.note):
            continue
        selected.append(group)
    return paginate(selected, flt.page, page_size)


def deleted_groups(session: Session) -> list[SynonymGroup]:
    query = select(SynonymGroup).where(SynonymGroup.deleted_at.is_not(None)).order_by(SynonymGroup.deleted_at.desc())
    return list(session.scalars(query))


def live_groups(session: Session) -> list[SynonymGroup]:
    """Every group not in the trash (for pickers such as the review page's)."""
    return list(session.scalars(select(SynonymGroup).where(SynonymGroup.deleted_at.is_(None)).order_by(SynonymGroup.canonical_key)))


def get_group(session: Session, group_id: int, include_deleted: bool = False) -> SynonymGroup:
    group = session.get(SynonymGroup, group_id)
    if group is None or (group.deleted_at is not None and not include_deleted):
        raise NotFound("Không tìm thấy nhóm từ đồng nghĩa này (có thể đã bị xóa).")
    return group


# -- changes ----------------------------------------------------------------------------------
def _apply(group: SynonymGroup, data: SynonymInput, author: str) -> None:
    record = data.record()
    group.canonical = record.canonical
    group.canonical_key = record.key()
    group.variants = record.clean_variants()
    group.note = record.note
    group.enabled = record.enabled
    group.source_hash = record_hash(record)  # exporting and re-importing it is "unchanged"
    group.updated_by = author


def create_group(session: Session, data: SynonymInput, author: str, commit: bool = True) -> SynonymGroup:
    """Add a validated group; search uses it within a second (content revision)."""
    errors = validate(session, data)
    if errors:
        raise ConsoleError(" ".join(errors.values()))
    group = SynonymGroup(version=1, created_by=author)
    _apply(group, data, author)
    session.add(group)
    session.flush()
    if commit:
        session.commit()
    return group


def update_group(session: Session, group: SynonymGroup, expected_version: int | None, data: SynonymInput, author: str) -> bool:
    """Save the form over ``group``; ``False`` when nothing changed. Stale versions raise 409."""
    history.check_version(group, expected_version)  # type: ignore[arg-type]
    before = (group.canonical, list(group.variants or []), group.note, group.enabled)
    record = data.record()
    if before == (record.canonical, record.clean_variants(), record.note, record.enabled):
        return False
    history.claim_version(session, group, expected_version)  # type: ignore[arg-type]
    _apply(group, data, author)
    session.commit()
    return True


def set_enabled(session: Session, group: SynonymGroup, enabled: bool, author: str) -> None:
    """Switch a group on or off without opening the form."""
    if group.enabled == enabled:
        return
    history.claim_version(session, group, group.version)  # type: ignore[arg-type]
    data = SynonymInput(group.canonical, list(group.variants or []), group.note, enabled)
    _apply(group, data, author)
    session.commit()


def add_variant(session: Session, group: SynonymGroup, phrase: str, author: str, commit: bool = True) -> bool:
    """Append one citizen phrasing; ``False`` when the group already has it. Conflicts raise."""
    phrase = collapse_spaces(phrase)
    if problem := phrase_problem(phrase):
        raise ConsoleError(problem[0].upper() + problem[1:] + ".")
    if fold(phrase) in {fold(t) for t in (group.canonical, *(group.variants or []))}:
        return False
    taken = taken_phrases(session, [phrase], group.canonical_key)
    if taken:
        raise ConsoleError(f"“{phrase}” đã thuộc nhóm “{taken[phrase]}”.")
    if len(group.variants or []) >= MAX_VARIANTS:
        raise ConsoleError(f"Nhóm đã có {MAX_VARIANTS} cách gọi, không thêm được nữa.")
    history.claim_version(session, group, group.version)  # type: ignore[arg-type]
    data = SynonymInput(group.canonical, [*(group.variants or []), phrase], group.note, group.enabled)
    _apply(group, data, author)
    if commit:
        session.commit()
    return True


def delete_group(session: Session, group: SynonymGroup, author: str) -> None:
    """Move to the trash: search stops using it at once; "Hoàn tác" brings it back."""
    history.claim_version(session, group, group.version)  # type: ignore[arg-type]
    group.deleted_at = utcnow()
    group.updated_by = author
    session.commit()


def restore_group(session: Session, group: SynonymGroup, author: str) -> None:
    """Bring a group back from the trash unless another group took its phrases meanwhile."""
    if group.deleted_at is None:
        return
    taken = taken_phrases(session, [group.canonical, *(group.variants or [])], group.canonical_key)
    if taken:
        raise ConsoleError(
            "Không khôi phục được: " + "; ".join(f"“{p}” nay thuộc nhóm “{c}”" for p, c in taken.items()) + "."
        )
    history.claim_version(session, group, group.version)  # type: ignore[arg-type]
    group.deleted_at = None
    group.updated_by = author
    session.commit()
