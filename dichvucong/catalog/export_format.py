"""The national procedure export format (CSDL quốc gia về TTHC), validated with pydantic.

Field names are the export's own (Vietnamese, without diacritics). Unknown fields are
ignored; missing optional fields default to empty. ``to_procedure_fields`` maps one record
onto our model's columns and child rows.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dichvucong.catalog.parsing import parse_fee, parse_processing_time


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    @field_validator("*", mode="before")
    @classmethod
    def _none_to_empty(cls, value: Any) -> Any:
        return "" if value is None else value


class ExportChannel(_Part):
    hinh_thuc_nop: str = ""
    thoi_gian: str = ""
    phi_le_phi: str = ""
    mo_ta: str = ""


class ExportStep(_Part):
    truong_hop_xu_ly: str = ""
    mo_ta_chi_tiet: str = Field(min_length=1)


class ExportDocument(_Part):
    ma_tphs: str = ""
    ten_giay_to: str = Field(min_length=1)
    loai_giay_to: str = ""
    co_quan_ban_hanh: str = ""
    ban_chinh: bool = False
    ban_sao: bool = False
    bm_dien_tu: str = ""

    @field_validator("ban_chinh", "ban_sao", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> bool:
        if isinstance(value, str):
            return value.strip().lower() in {"true", "1", "có", "co", "x"}
        return bool(value)


class ExportResult(_Part):
    ma_ket_qua: str = ""
    ten_ket_qua: str = Field(min_length=1)
    co_quan_ban_hanh: str = ""
    mo_ta: str = ""


class ExportLegalBasis(_Part):
    so_ky_hieu: str = ""
    trich_yeu: str = ""
    co_quan_ban_hanh: str = ""
    ngay_ban_hanh: str = ""
    ngay_hieu_luc: str = ""
    dia_chi_truy_cap: str = ""


class ExportRecord(_Part):
    """One procedure of the export."""

    ma_tthc: str = Field(min_length=1, max_length=32)
    ten_tthc: str = Field(min_length=1)
    link_truy_cap: str = ""
    so_quyet_dinh: str = ""
    ngay_quyet_dinh: str = ""
    co_quan_ban_hanh: str = ""
    linh_vuc: str = ""
    cap_thuc_hien: str = ""
    doi_tuong_thuc_hien: str = ""
    loai_tthc: str = ""
    tu_khoa: str = ""
    dia_chi_tiep_nhan: str = ""
    co_quan_thuc_hien: str = ""
    co_quan_co_tham_quyen: str = ""
    co_quan_phoi_hop: str = ""
    co_quan_duoc_uy_quyen: str = ""
    mo_ta: str = ""
    trang_thai: str = ""
    yeu_cau_dieu_kien: str = ""
    cach_thuc_thuc_hien: list[ExportChannel] = []
    trinh_tu_thuc_hien: list[ExportStep] = []
    tphs: list[ExportDocument] = []
    kqth: list[ExportResult] = []
    ccpl: list[ExportLegalBasis] = []

    @field_validator("ma_tthc", "ten_tthc")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("cach_thuc_thuc_hien", "trinh_tu_thuc_hien", "tphs", "kqth", "ccpl", mode="before")
    @classmethod
    def _list_or_empty(cls, value: Any) -> Any:
        return [] if value in (None, "") else value


def procedure_columns(record: ExportRecord) -> dict[str, Any]:
    """Scalar columns of :class:`~dichvucong.db.models.Procedure` for one record."""
    return {
        "code": record.ma_tthc,
        "name": record.ten_tthc,
        "field": record.linh_vuc,
        "level": record.cap_thuc_hien,
        "applicants": record.doi_tuong_thuc_hien,
        "filing_address": record.dia_chi_tiep_nhan,
        "handling_agency": record.co_quan_thuc_hien,
        "competent_authority": record.co_quan_co_tham_quyen,
        "coordinating_agency": record.co_quan_phoi_hop,
        "delegated_agency": record.co_quan_duoc_uy_quyen,
        "procedure_type": record.loai_tthc,
        "keywords": record.tu_khoa,
        "description": record.mo_ta,
        "conditions": record.yeu_cau_dieu_kien,
        "publication_status": record.trang_thai,
        "portal_url": record.link_truy_cap,
        "decision_number": record.so_quyet_dinh,
        "decision_date": record.ngay_quyet_dinh,
        "decision_issuer": record.co_quan_ban_hanh,
    }


def channel_rows(record: ExportRecord) -> list[dict[str, Any]]:
    """Filing channels with parsed fee and processing time."""
    rows = []
    for position, channel in enumerate(record.cach_thuc_thuc_hien):
        fee = parse_fee(channel.phi_le_phi)
        time = parse_processing_time(channel.thoi_gian, channel.mo_ta)
        rows.append(
            {
                "position": position,
                "method": channel.hinh_thuc_nop or "Khác",
                "time_text": channel.thoi_gian,
                "time_description": channel.mo_ta,
                "fee_text": channel.phi_le_phi,
                "fee_amount": fee.amount,
                "fee_unit": fee.unit,
                "processing_days": time.days,
                "processing_day_kind": time.kind,
            }
        )
    return rows


def step_rows(record: ExportRecord) -> list[dict[str, Any]]:
    return [
        {"position": i, "case": s.truong_hop_xu_ly, "description": s.mo_ta_chi_tiet}
        for i, s in enumerate(record.trinh_tu_thuc_hien)
    ]


def document_rows(record: ExportRecord) -> list[dict[str, Any]]:
    return [
        {
            "position": i,
            "document_code": d.ma_tphs,
            "name": d.ten_giay_to,
            "kind": d.loai_giay_to,
            "issuer": d.co_quan_ban_hanh,
            "original": d.ban_chinh,
            "copy": d.ban_sao,
            "eform": d.bm_dien_tu,
        }
        for i, d in enumerate(record.tphs)
    ]


def result_rows(record: ExportRecord) -> list[dict[str, Any]]:
    return [
        {"position": i, "result_code": r.ma_ket_qua, "name": r.ten_ket_qua, "issuer": r.co_quan_ban_hanh, "description": r.mo_ta}
        for i, r in enumerate(record.kqth)
    ]


def legal_basis_rows(record: ExportRecord) -> list[dict[str, Any]]:
    return [
        {
            "position": i,
            "number": b.so_ky_hieu,
            "title": b.trich_yeu,
            "issuer": b.co_quan_ban_hanh,
            "issued_on": b.ngay_ban_hanh,
            "effective_on": b.ngay_hieu_luc,
            "url": b.dia_chi_truy_cap,
        }
        for i, b in enumerate(record.ccpl)
    ]
