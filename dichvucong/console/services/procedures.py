"""Procedures in the console: list with filters, view, edit (re-parsing fees and times),
enable/disable and create, all with history and optimistic concurrency."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from starlette.datastructures import FormData

from dichvucong.console.errors import ConsoleError
from dichvucong.console.services import history
from dichvucong.console.services.paging import Page, matches, paginate, query_words
from dichvucong.console.services.procedure_fields import (
    CHILD_BOOLEANS,
    CHILD_FIELDS,
    CHILD_LABELS,
    CHILD_REQUIRED,
    MAX_FIELD,
    SCALAR_FIELDS,
    channel_parsed_values,
)
from dichvucong.db.models import (
    FilingChannel,
    LegalBasis,
    Procedure,
    ProcedureResult,
    ProcedureStep,
    RequiredDocument,
)

_CHILD_MODELS = {
    "channels": FilingChannel,
    "documents": RequiredDocument,
    "steps": ProcedureStep,
    "results": ProcedureResult,
    "legal_bases": LegalBasis,
}
_ROW_KEY = re.compile(r"^(channels|documents|steps|results|legal_bases)-(\d{1,6})-([a-z_]+)$")
CODE_RE = re.compile(r"^[0-9A-Za-z.\-_]{1,32}$")


@dataclass
class ProcedureFilter:
    q: str = ""
    field: str = ""
    status: str = ""  # "" | "enabled" | "disabled"
    page: int = 1


@dataclass
class ProcedureInput:
    """The form as a snapshot-shaped dict (scalars, ``enabled`` and child row lists)."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def list_procedures(session: Session, flt: ProcedureFilter, page_size: int) -> Page[Procedure]:
    words = query_words(flt.q)
    rows = session.scalars(select(Procedure).options(selectinload(Procedure.channels)).order_by(Procedure.code))
    selected = []
    for p in rows:
        if flt.status == "enabled" and not p.enabled:
            continue
        if flt.status == "disabled" and p.enabled:
            continue
        if flt.field and p.field != flt.field:
            continue
        if not matches(words, p.code, p.name, p.keywords, p.field):
            continue
        selected.append(p)
    return paginate(selected, flt.page, page_size)


def all_fields(session: Session) -> list[str]:
    return sorted({f for f in session.scalars(select(Procedure.field)) if f})


def all_codes(session: Session) -> list[tuple[str, str]]:
    return [(code, name) for code, name in session.execute(select(Procedure.code, Procedure.name).order_by(Procedure.code))]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def parse_form(form: FormData, with_code: bool = False) -> ProcedureInput:
    """Read scalar fields and the repeated child rows (``documents-3-name`` …) of the form."""
    result = ProcedureInput()
    values = result.values
    for name in SCALAR_FIELDS:
        values[name] = _text(form, name).replace("\r\n", "\n")
        if len(values[name]) > MAX_FIELD:
            result.errors[name] = f"Tối đa {MAX_FIELD} ký tự."
    values["enabled"] = form.get("enabled") == "on"
    if with_code:
        values["code"] = _text(form, "code")
    rows: dict[str, dict[int, dict[str, Any]]] = {relation: {} for relation in CHILD_FIELDS}
    for key in form:
        match = _ROW_KEY.match(key)
        if match and match.group(3) in CHILD_FIELDS[match.group(1)]:
            relation, index, name = match.group(1), int(match.group(2)), match.group(3)
            raw = form.get(key)
            rows[relation].setdefault(index, {})[name] = raw.strip().replace("\r\n", "\n") if isinstance(raw, str) else ""
    for relation, fields in CHILD_FIELDS.items():
        cleaned = []
        for number, index in enumerate(sorted(rows[relation]), start=1):
            raw = rows[relation][index]
            row = {f: (raw.get(f) == "on" if f in CHILD_BOOLEANS else raw.get(f, "")) for f in fields}
            if not any(row[f] for f in fields if f not in CHILD_BOOLEANS):
                continue  # an empty row is no row
            required = CHILD_REQUIRED[relation]
            if relation == "channels" and not row["method"]:
                row["method"] = "Khác"
            if not row[required]:
                result.errors[relation] = f"Dòng {number} của mục “{CHILD_LABELS[relation]}” còn thiếu ô bắt buộc."
            if any(isinstance(v, str) and len(v) > MAX_FIELD for v in row.values()):
                result.errors[relation] = f"Một ô của mục “{CHILD_LABELS[relation]}” dài quá {MAX_FIELD} ký tự."
            cleaned.append(row)
        values[relation] = cleaned
    if not values["name"]:
        result.errors["name"] = "Hãy nhập tên thủ tục."
    return result


def form_values(procedure: Procedure) -> dict[str, Any]:
    return history.procedure_snapshot(procedure)


def _apply(procedure: Procedure, values: dict[str, Any], author: str) -> None:
    for name in SCALAR_FIELDS:
        setattr(procedure, name, values.get(name, ""))
    procedure.enabled = bool(values.get("enabled", True))
    for relation, model in _CHILD_MODELS.items():
        new_rows = []
        for position, row in enumerate(values.get(relation, [])):
            data = dict(row)
            if relation == "channels":  # the numbers the bot says come from the texts
                data.update(channel_parsed_values(data["fee_text"], data["time_text"], data["time_description"]))
            new_rows.append(model(position=position, **data))
        setattr(procedure, relation, new_rows)
    procedure.updated_by = author


def create_procedure(session: Session, data: ProcedureInput, author: str) -> Procedure:
    code = data.values.get("code", "")
    if not CODE_RE.match(code):
        raise ConsoleError("Mã thủ tục gồm 1–32 ký tự: chữ, số, dấu chấm, gạch ngang (ví dụ 1.000894).")
    if session.scalar(select(Procedure.id).where(Procedure.code == code)) is not None:
        raise ConsoleError(f"Đã có thủ tục mang mã {code}.")
    procedure = Procedure(code=code, version=1)
    session.add(procedure)
    _apply(procedure, data.values, author)
    session.flush()
    history.record_version(session, procedure, "create", author, None)
    session.commit()
    return procedure


def update_procedure(
    session: Session, procedure: Procedure, expected_version: int | None, data: ProcedureInput, author: str
) -> bool:
    """Save the form; ``False`` when nothing changed; a stale ``expected_version`` raises 409."""
    history.check_version(procedure, expected_version)
    before = history.procedure_snapshot(procedure)
    probe = {**before, **{k: v for k, v in data.values.items() if k != "code"}}
    if probe == before:
        return False
    history.ensure_baseline(session, procedure, before)
    history.claim_version(session, procedure, expected_version)  # type: ignore[arg-type]
    _apply(procedure, data.values, author)
    history.record_version(session, procedure, "update", author, before)
    session.commit()
    return True


def set_enabled(session: Session, procedure: Procedure, enabled: bool, author: str) -> bool:
    """Turn the procedure on or off for the bot; ``False`` when it already was."""
    if procedure.enabled == enabled:
        return False
    before = history.procedure_snapshot(procedure)
    history.ensure_baseline(session, procedure, before)
    history.claim_version(session, procedure, procedure.version)
    procedure.enabled = enabled
    procedure.updated_by = author
    history.record_version(session, procedure, "enable" if enabled else "disable", author, before)
    session.commit()
    return True
