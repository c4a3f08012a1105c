"""Import with a preview that cannot disagree with the import, and CSV/XLSX export.

Preview and import run the very same core importer on the very same stored file, inside one
outer database transaction: the preview rolls it back, "Nhập" commits it.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Literal

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.pool import NullPool

from dichvucong.catalog.importer import CatalogFileError, import_catalog
from dichvucong.console.errors import UploadTooLarge
from dichvucong.console.services import history
from dichvucong.console.services.procedure_fields import CHILD_FIELDS
from dichvucong.console.services.zipcheck import UnsafeArchive, XlsxLimits, check_xlsx_archive
from dichvucong.console.timeutil import local_time
from dichvucong.db.models import Faq, Procedure, SynonymGroup
from dichvucong.db.revision import install_revision_tracking
from dichvucong.db.session import get_engine
from dichvucong.faqs.importer import FaqFileError, import_faqs
from dichvucong.formula_guard import guard_cell, needs_guard
from dichvucong.importing import ImportReport
from dichvucong.thesaurus import importer as thesaurus_importer

log = logging.getLogger(__name__)

Kind = Literal["catalog", "faqs", "thesaurus"]
KIND_LABELS = {
    "catalog": "Thủ tục (JSON xuất từ CSDL quốc gia)", "faqs": "Câu hỏi thường gặp", "thesaurus": "Từ đồng nghĩa",
}
EXTENSIONS: dict[str, Kind] = {".json": "catalog", ".csv": "faqs", ".xlsx": "faqs", ".jsonl": "faqs", ".ndjson": "faqs"}
FAQ_COLUMNS = ("id", "question", "answer", "alt_questions", "procedure_codes", "tags", "published")
THESAURUS_COLUMNS = thesaurus_importer.COLUMNS
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
UPLOAD_MAX_AGE_SECONDS = 24 * 3600


class UploadError(ValueError):
    """The uploaded file cannot be used (message in Vietnamese for the official)."""


@dataclass
class StoredUpload:
    token: str
    kind: Kind
    filename: str
    path: Path  # what the importer reads (an .xlsx is converted to .csv once, on upload)
    user_id: int
    size: int


@dataclass
class Change:
    entity_type: str
    entity_id: int
    key: str
    title: str
    action: str  # "created" | "updated"
    fields: list[str] = field(default_factory=list)


@dataclass
class ImportOutcome:
    report: ImportReport
    changes: list[Change]
    committed: bool


# -- uploads ----------------------------------------------------------------------------------
def _upload_root(upload_dir: str) -> Path:
    root = Path(upload_dir)
    root.mkdir(parents=True, exist_ok=True)
    return root


def _safe_name(filename: str) -> str:
    name = Path(filename or "tep").name
    return re.sub(r"[^\w.\-]+", "_", name)[:120] or "tep"


def store_upload(
    upload_dir: str, user_id: int, filename: str, stream: IO[bytes], max_bytes: int, xlsx_limits: XlsxLimits | None = None
) -> StoredUpload:
    """Save an upload for its preview and later import; check type, size (zip limits for .xlsx) and readability."""
    suffix = Path(filename or "").suffix.lower()
    kind = EXTENSIONS.get(suffix)
    if kind is None:
        raise UploadError(
            "Chỉ nhận tệp .json (danh mục thủ tục xuất từ CSDL quốc gia) hoặc .csv, .xlsx, .jsonl (câu hỏi thường gặp)."
        )
    _purge_old(upload_dir)
    token = secrets.token_urlsafe(24)
    folder = _upload_root(upload_dir) / token
    folder.mkdir()
    original = folder / ("upload" + suffix)
    size = 0
    with original.open("wb") as out:
        while chunk := stream.read(1024 * 1024):
            size += len(chunk)
            if size > max_bytes:
                out.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise UploadTooLarge(too_large_message(max_bytes))
            out.write(chunk)
    if size == 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise UploadError("Tệp rỗng: không có dữ liệu nào để nhập.")
    path = original
    try:
        if suffix == ".xlsx":
            try:
                check_xlsx_archive(original, xlsx_limits or XlsxLimits())  # before openpyxl inflates anything
            except UnsafeArchive as exc:
                raise UploadError(str(exc)) from exc
            path = xlsx_to_csv(original, folder / "upload.csv")
        else:
            _check_text(original)
    except UploadError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    kind = _table_kind(path, kind)
    meta = {"kind": kind, "filename": _safe_name(filename), "path": path.name, "user_id": user_id, "size": size}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return StoredUpload(token, kind, meta["filename"], path, user_id, size)


def _table_kind(path: Path, kind: Kind) -> Kind:
    """A CSV/JSONL (or converted XLSX) whose first record has a ``canonical`` column is a thesaurus."""
    if kind != "faqs":
        return kind
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
    except (OSError, UnicodeDecodeError):
        return kind
    if path.suffix.lower() == ".csv":
        columns = {c.strip().lower() for c in next(csv.reader([first]), [])}
    else:
        try:
            record = json.loads(first)
        except json.JSONDecodeError:
            return kind
        columns = set(record) if isinstance(record, dict) else set()
    return "thesaurus" if "canonical" in columns and "question" not in columns else kind


def too_large_message(max_bytes: int) -> str:
    return f"Tệp quá lớn: tối đa {max_bytes / (1024 * 1024):g} MB. Hãy chia nhỏ tệp rồi nhập từng phần."


def _check_text(path: Path) -> None:
    try:
        with path.open(encoding="utf-8-sig") as handle:
            while handle.read(1024 * 1024):
                pass
    except UnicodeDecodeError as exc:
        raise UploadError(
            "Tệp không ở bảng mã UTF-8. Trong Excel hãy lưu bằng “CSV UTF-8 (Comma delimited)”, hoặc tải lên tệp .xlsx."
        ) from exc


def load_upload(upload_dir: str, token: str, user_id: int) -> StoredUpload:
    """The upload saved under ``token`` by this official, or an error if it expired."""
    folder = _upload_root(upload_dir) / token if _TOKEN_RE.match(token or "") else None
    meta_path = folder / "meta.json" if folder else None
    if meta_path is None or not meta_path.is_file():
        raise UploadError("Tệp đã tải lên không còn (đã nhập hoặc quá hạn). Hãy tải tệp lên lại.")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("user_id") != user_id:
        raise UploadError("Tệp này do tài khoản khác tải lên. Hãy tải tệp lên lại.")
    return StoredUpload(token, meta["kind"], meta["filename"], folder / meta["path"], user_id, meta["size"])


def discard_upload(upload_dir: str, token: str) -> None:
    if _TOKEN_RE.match(token or ""):
        shutil.rmtree(Path(upload_dir) / token, ignore_errors=True)


def _purge_old(upload_dir: str) -> None:
    limit = time.time() - UPLOAD_MAX_AGE_SECONDS
    for folder in _upload_root(upload_dir).iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)


# -- XLSX <-> rows ----------------------------------------------------------------------------
def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def xlsx_to_csv(source: Path, target: Path) -> Path:
    """The first sheet of a workbook as a UTF-8 CSV the FAQ importer reads (same row numbers)."""
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook gets the same clear message
        raise UploadError("Tệp .xlsx bị hỏng hoặc không phải tệp Excel. Hãy mở lại bằng Excel và lưu dạng .xlsx.") from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise UploadError("Tệp Excel không có trang tính nào.")
        with target.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            for row in sheet.iter_rows(values_only=True):  # guarded like our CSV: the importers' unguard is then exact
                writer.writerow([guard_cell(_cell_text(v)) for v in row])
    finally:
        workbook.close()
    return target


# -- running the importer ---------------------------------------------------------------------
@lru_cache(maxsize=8)
def _transactional_engine(url: str) -> Engine:
    """An engine whose transactions are real ones, savepoints included (SQLite needs help).

    pysqlite starts transactions lazily, so a SAVEPOINT issued first would be committed by its
    RELEASE. Emitting BEGIN ourselves makes the outer transaction the one we roll back.
    """
    if not url.startswith("sqlite"):
        return get_engine(url)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _snapshots(session: Session, kind: Kind) -> dict[int, tuple[int, dict[str, Any]]]:
    """id → (version, snapshot) of every item the import may touch."""
    if kind == "thesaurus":
        return {g.id: (g.version, _group_snapshot(g)) for g in session.scalars(select(SynonymGroup))}
    if kind == "faqs":
        return {f.id: (f.version, history.faq_snapshot(f)) for f in session.scalars(select(Faq))}
    query = select(Procedure).options(*(selectinload(getattr(Procedure, r)) for r in CHILD_FIELDS))
    return {p.id: (p.version, history.procedure_snapshot(p)) for p in session.scalars(query)}


def _group_snapshot(group: SynonymGroup) -> dict[str, Any]:
    return {"canonical": group.canonical, "variants": list(group.variants or []), "note": group.note,
            "enabled": bool(group.enabled), "deleted": group.deleted_at is not None}


_GROUP_LABELS = {"canonical": "Thuật ngữ", "variants": "Cách gọi", "note": "Ghi chú", "enabled": "Trạng thái", "deleted": "Thùng rác"}


def _group_changes(session: Session, before: dict[int, tuple[int, dict[str, Any]]], author: str) -> list[Change]:
    """What a thesaurus import created or changed (groups keep their version counter, no snapshots)."""
    session.expire_all()
    changes: list[Change] = []
    for group in session.scalars(select(SynonymGroup).order_by(SynonymGroup.id)):
        old = before.get(group.id)
        if old is not None and old[0] == group.version:
            continue
        after = _group_snapshot(group)
        fields = [label for key, label in _GROUP_LABELS.items() if old is not None and old[1].get(key) != after.get(key)]
        group.updated_by = author
        action = "updated" if old is not None else "created"
        changes.append(Change("thesaurus", group.id, group.canonical, group.canonical, action, fields))
    return changes


def _changes(session: Session, kind: Kind, before: dict[int, tuple[int, dict[str, Any]]], author: str, filename: str) -> list[Change]:
    """What the import created or changed; each gets a history version (baseline first)."""
    if kind == "thesaurus":
        return _group_changes(session, before, author)
    model = Faq if kind == "faqs" else Procedure
    entity_type = "faq" if kind == "faqs" else "procedure"
    session.expire_all()
    changes: list[Change] = []
    for entity in session.scalars(select(model).order_by(model.id)):
        old = before.get(entity.id)
        if old is not None and old[0] == entity.version:
            continue
        after = history.snapshot_of(entity)
        if old is not None:
            history.ensure_baseline(session, entity, old[1])
        fields = history.changed_fields(entity_type, old[1] if old else None, after)
        action = "updated" if old is not None else "created"
        label = "cập nhật" if old is not None else "thêm mới"
        summary = f"Nhập từ tệp {filename} ({label})" + (f": {', '.join(fields)}" if fields else "")
        history.record_version(session, entity, "import", author, old[1] if old else None, summary)
        changes.append(Change(entity_type, entity.id, history.entity_key(entity), history.entity_title(entity), action, fields))
    return changes


def run_import(database_url: str, upload: StoredUpload, author: str, commit: bool) -> ImportOutcome:
    """Run the core importer on the stored file; commit only when ``commit`` (else preview)."""
    install_revision_tracking()
    engine = _transactional_engine(database_url)
    importers = {"faqs": import_faqs, "catalog": import_catalog, "thesaurus": thesaurus_importer.import_thesaurus}
    importer = importers[upload.kind]
    with engine.connect() as connection:
        outer = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            before = _snapshots(session, upload.kind)
            report = importer(session, upload.path)
            changes = _changes(session, upload.kind, before, author, upload.filename)
            session.commit()
        except (CatalogFileError, FaqFileError, thesaurus_importer.ThesaurusFileError) as exc:
            outer.rollback()
            raise UploadError(str(exc).replace(str(upload.path), upload.filename).replace(upload.path.name, upload.filename)) from exc
        except (UnicodeDecodeError, csv.Error) as exc:
            outer.rollback()
            raise UploadError(f"Không đọc được tệp {upload.filename}: tệp hỏng hoặc không đúng định dạng ({exc}).") from exc
        except BaseException:
            outer.rollback()
            raise
        finally:
            session.close()
        if commit:
            outer.commit()
        else:
            outer.rollback()
    return ImportOutcome(report, changes, commit)


# -- export -----------------------------------------------------------------------------------
def faq_rows(session: Session) -> list[list[str]]:
    """Live FAQs in the importer's columns, so an export can be imported back unchanged."""
    rows = []
    for faq in session.scalars(select(Faq).where(Faq.deleted_at.is_(None)).order_by(Faq.id)):
        rows.append(
            [
                faq.external_id,
                faq.question,
                faq.answer,
                "|".join(faq.alt_questions or []),
                "|".join(faq.procedure_codes or []),
                "|".join(faq.tags or []),
                "true" if faq.published else "false",
            ]
        )
    return rows


def thesaurus_rows(session: Session) -> list[list[str]]:
    """Synonym groups (not in the trash) in the importer's columns: re-importing changes nothing."""
    return thesaurus_importer.export_rows(session)


PROCEDURE_COLUMNS = (
    "ma_tthc", "ten_tthc", "linh_vuc", "cap_thuc_hien", "dang_ap_dung", "co_quan_thuc_hien",
    "dia_chi_tiep_nhan", "cach_thuc_thoi_han_phi", "so_giay_to", "tu_khoa", "phien_ban", "cap_nhat_luc", "cap_nhat_boi",
)


def procedure_rows(session: Session) -> list[list[str]]:
    rows = []
    query = select(Procedure).options(selectinload(Procedure.channels), selectinload(Procedure.documents)).order_by(Procedure.code)
    for p in session.scalars(query):
        channels = "; ".join(f"{c.method}: {c.time_text or '—'}, {c.fee_text or '—'}" for c in p.channels)
        rows.append(
            [
                p.code, p.name, p.field, p.level, "có" if p.enabled else "không", p.handling_agency,
                p.filing_address, channels, str(len(p.documents)), p.keywords, str(p.version),
                local_time(p.updated_at), p.updated_by,
            ]
        )
    return rows


def to_csv(header: tuple[str, ...], rows: list[list[str]]) -> bytes:
    """UTF-8 with BOM so Excel shows Vietnamese correctly; the importers accept the BOM.

    Formula-looking cells get a leading apostrophe (the FAQ importer takes it off again).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([guard_cell(v) for v in header])
    writer.writerows([guard_cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(title: str, header: tuple[str, ...], rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) for value in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and needs_guard(cell.value):
                cell.data_type = "s"  # an inline string, never a formula ("=..." would become one)
                cell.quotePrefix = True  # and Excel keeps it text even when the cell is edited
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        width = min(60, max(10, *(len(str(c.value or "")) for c in column[:200])))
        sheet.column_dimensions[column[0].column_letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
