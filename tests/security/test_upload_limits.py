"""Attack: a small .xlsx that inflates to hundreds of megabytes (or holds thousands of entries)
exhausts the console's memory when openpyxl opens it. Defended: the archive is measured
(declared sizes, then really inflated in chunks with a cap) before openpyxl sees it."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from dichvucong.console.services import transfer
from dichvucong.console.services.zipcheck import UnsafeArchive, XlsxLimits, check_xlsx_archive
from tests.console.conftest import ConsoleClient, page_text


def real_workbook() -> bytes:
    workbook = Workbook()
    workbook.active.append(["question", "answer"])
    workbook.active.append(["Làm lại căn cước mất bao lâu?", "Khoảng 7 ngày làm việc."])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_extra_entries(entries: dict[str, int], count: int = 1) -> bytes:
    """A real workbook plus entries of ``size`` zero bytes each (zeros compress ~1000:1)."""
    buffer = io.BytesIO(real_workbook())
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, size in entries.items():
            for n in range(count):
                with archive.open(f"{name}{n if count > 1 else ''}", "w") as member:
                    for _ in range(size // (1024 * 1024)):
                        member.write(bytes(1024 * 1024))
                    member.write(bytes(size % (1024 * 1024)))
    return buffer.getvalue()


BOMBS = {
    "ratio": lambda: with_extra_entries({"xl/media/padding.bin": 40 * 1024 * 1024}),
    "total size": lambda: with_extra_entries({"xl/worksheets/sheet9.xml": 60 * 1024 * 1024}, count=2),
    "entries": lambda: with_extra_entries({"xl/customXml/item": 10}, count=400),
}


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {name: make() for name, make in BOMBS.items()}


def test_the_bombs_are_small_enough_to_upload(bombs: dict[str, bytes]) -> None:
    assert all(len(content) < 1024 * 1024 for content in bombs.values())  # under the 1 MB test upload limit


@pytest.mark.parametrize("name", list(BOMBS))
def test_bombs_are_refused_before_openpyxl_opens_them(
    name: str, bombs: dict[str, bytes], editor: ConsoleClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl was asked to open a zip bomb")

    monkeypatch.setattr(transfer, "load_workbook", must_not_run)
    editor.get("/console/import")
    response = editor.post("/console/import/preview", files={"file": ("cau-hoi.xlsx", bombs[name])})
    assert response.status_code == 400
    text = page_text(response)
    assert "không được mở" in text and "Traceback" not in text


def test_a_real_workbook_passes_and_is_imported(editor: ConsoleClient) -> None:
    editor.get("/console/import")
    response = editor.post("/console/import/preview", files={"file": ("cau-hoi.xlsx", real_workbook())})
    assert response.status_code == 200 and "Xem trước" in response.text


def test_declared_and_real_sizes_are_both_checked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(with_extra_entries({"xl/big.xml": 3 * 1024 * 1024}))
    check_xlsx_archive(path, XlsxLimits(max_uncompressed_bytes=8 * 1024 * 1024, max_ratio=5000))
    with pytest.raises(UnsafeArchive, match="giải nén"):
        check_xlsx_archive(path, XlsxLimits(max_uncompressed_bytes=2 * 1024 * 1024, max_ratio=5000))
    with pytest.raises(UnsafeArchive, match="giải nén"):
        check_xlsx_archive(path, XlsxLimits(max_ratio=10))
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(UnsafeArchive, match="bị hỏng"):
        check_xlsx_archive(path, XlsxLimits())
