"""Importing the national procedure export: round trip, idempotency, bad records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dichvucong.catalog.importer import CatalogFileError, import_catalog
from dichvucong.db.models import Procedure
from dichvucong.db.revision import current_revision
from dichvucong.seed import DATA_DIR


def _record(code: str, name: str, fee: str = "Lệ phí: 70.000 Đồng") -> dict:
    return {
        "ma_tthc": code,
        "ten_tthc": name,
        "linh_vuc": "Căn cước",
        "cap_thuc_hien": "Cấp xã",
        "tu_khoa": "làm lại căn cước, mất cccd",
        "dia_chi_tiep_nhan": "Công an cấp xã",
        "cach_thuc_thuc_hien": [
            {"hinh_thuc_nop": "Trực tiếp", "thoi_gian": "7 Ngày làm việc", "phi_le_phi": fee, "mo_ta": ""},
            {"hinh_thuc_nop": "Trực tuyến", "thoi_gian": "7 Ngày làm việc", "phi_le_phi": "Lệ phí: 35.000 Đồng", "mo_ta": ""},
        ],
        "trinh_tu_thuc_hien": [{"truong_hop_xu_ly": "", "mo_ta_chi_tiet": "Nộp hồ sơ."}],
        "tphs": [{"ten_giay_to": "Tờ khai", "ban_chinh": True, "ban_sao": False}],
        "kqth": [{"ten_ket_qua": "Thẻ căn cước"}],
        "ccpl": [{"so_ky_hieu": "26/2023/QH15", "trich_yeu": "Luật Căn cước"}],
        "yeu_cau_dieu_kien": "Không",
    }


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Procedure)) or 0


def test_seed_catalogue_imports_every_procedure_with_parsed_fees(db_session: Session) -> None:
    report = import_catalog(db_session, DATA_DIR / "catalog" / "procedures.json")
    assert report.created >= 30 and not report.skipped
    birth = db_session.scalar(select(Procedure).where(Procedure.code == "1.001193"))
    assert birth is not None and birth.name == "Đăng ký khai sinh"
    assert birth.documents and birth.channels and birth.legal_bases
    assert any(channel.fee_amount == 0 for channel in birth.channels), "birth registration on time is free"


def test_reimport_updates_instead_of_duplicating(db_session: Session, tmp_path: Path) -> None:
    path = _write(tmp_path, [_record("9.000001", "Cấp lại thẻ căn cước")])
    first = import_catalog(db_session, path)
    again = import_catalog(db_session, path)
    assert (first.created, again.created, again.unchanged) == (1, 0, 1)

    path = _write(tmp_path, [_record("9.000001", "Cấp lại thẻ căn cước", fee="Lệ phí: 80.000 Đồng")])
    changed = import_catalog(db_session, path)
    assert (changed.updated, changed.created) == (1, 0)
    assert _count(db_session) == 1
    procedure = db_session.scalar(select(Procedure).where(Procedure.code == "9.000001"))
    assert [c.fee_amount for c in procedure.channels] == [80000, 35000]
    assert len(procedure.documents) == 1, "child rows are replaced, not appended"


def test_malformed_records_are_skipped_and_named_while_the_rest_import(db_session: Session, tmp_path: Path) -> None:
    records = [
        _record("9.000001", "Cấp lại thẻ căn cước"),
        {"ten_tthc": "Thiếu mã thủ tục"},
        "not an object",
        {**_record("9.000003", "Thủ tục hỏng"), "tphs": [{"ban_chinh": True}]},
        _record("9.000001", "Trùng mã"),
        _record("9.000004", "Đăng ký tạm trú"),
    ]
    report = import_catalog(db_session, _write(tmp_path, records))
    assert report.created == 2
    assert len(report.skipped) == 4
    where = " ".join(s.where for s in report.skipped)
    assert "#2" in where and "#3" in where and "9.000003" in where and "#5" in where
    assert any("ma_tthc" in s.reason for s in report.skipped)
    assert _count(db_session) == 2


def test_import_bumps_the_content_revision_only_when_something_changed(db_session: Session, tmp_path: Path) -> None:
    path = _write(tmp_path, [_record("9.000001", "Cấp lại thẻ căn cước")])
    import_catalog(db_session, path)
    after_first = current_revision(db_session)
    import_catalog(db_session, path)
    assert after_first > 0 and current_revision(db_session) == after_first


@pytest.mark.parametrize("content", ["{not json", '{"a": 1}', "42"])
def test_unreadable_files_give_a_clear_error(db_session: Session, tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogFileError):
        import_catalog(db_session, path)
    assert _count(db_session) == 0


def test_missing_file_gives_a_clear_error(db_session: Session, tmp_path: Path) -> None:
    with pytest.raises(CatalogFileError, match="Không tìm thấy"):
        import_catalog(db_session, tmp_path / "missing.json")
