"""The thesaurus: matching table, expansion, importer round trip, revision bumps, seed data."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dichvucong.db.models import SynonymGroup
from dichvucong.db.revision import current_revision
from dichvucong.seed import THESAURUS_FILE
from dichvucong.thesaurus import SynonymGroupView, Thesaurus, load_thesaurus
from dichvucong.thesaurus.importer import (
    ThesaurusFileError,
    export_csv,
    export_jsonl,
    import_thesaurus,
)

GROUPS = [
    ("giấy chứng nhận quyền sử dụng đất", ["sổ đỏ", "sổ hồng", "bìa đỏ", "gcn qsdđ"]),
    ("giấy phép lái xe", ["bằng lái", "bằng lái xe"]),
    ("sát hạch lái xe", ["thi bằng lái"]),
    ("thẻ căn cước", ["căn cước", "chứng minh nhân dân", "chứng minh thư", "căn cước công dân"]),
    ("thường trú", ["hộ khẩu", "sổ hộ khẩu"]),
    ("tách hộ", ["tách hộ khẩu"]),
    ("đăng ký thành lập hộ kinh doanh", ["mở tiệm", "mở quán"]),
    ("hộ kinh doanh", ["hộ cá thể"]),
]


@pytest.fixture(scope="module")
def thesaurus() -> Thesaurus:
    return Thesaurus.from_pairs(GROUPS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # everyday names, with and without diacritics, chat abbreviations
        ("hồ sơ xin cấp đổi sổ đỏ gồm những gì", ["giấy chứng nhận quyền sử dụng đất"]),
        ("ho so xin cap doi so do gom nhung gi", ["giấy chứng nhận quyền sử dụng đất"]),
        ("SỔ HỒNG bị mất", ["giấy chứng nhận quyền sử dụng đất"]),
        ("làm lại GCN QSDĐ", ["giấy chứng nhận quyền sử dụng đất"]),  # "đ" folds to "d", then expands
        ("lam lai gcnqsdd", ["giấy chứng nhận quyền sử dụng đất"]),  # the abbreviation table's long form
        ("đổi bằng lái ở đâu", ["giấy phép lái xe"]),
        ("doi GPLX o dau", ["giấy phép lái xe"]),  # the canonical term itself, via the abbreviation table
        ("mất CMND thì làm sao", ["thẻ căn cước"]),
        ("lam lai cccd mat bn tien", ["thẻ căn cước"]),
        ("mat chung minh thu", ["thẻ căn cước"]),
        ("mở tiệm sửa xe cần giấy tờ gì", ["đăng ký thành lập hộ kinh doanh"]),
        ("mo quan an", ["đăng ký thành lập hộ kinh doanh"]),
        # the longest phrase wins and matches never overlap
        ("thi bằng lái xe máy", ["sát hạch lái xe"]),
        ("tách hộ khẩu cho con", ["tách hộ"]),
        ("đăng ký thành lập hộ kinh doanh", ["đăng ký thành lập hộ kinh doanh"]),
        ("chuyển hộ khẩu về quê", ["thường trú"]),
        # several groups, in the order they appear, each once
        ("sổ đỏ và bằng lái, lại sổ đỏ", ["giấy chứng nhận quyền sử dụng đất", "giấy phép lái xe"]),
        # word boundaries: a phrase never matches inside other words
        ("so dong", []),
        ("bao nhiêu số đông người", []),
        ("sổ đỏng", []),
        ("bằng lái", ["giấy phép lái xe"]),
        ("bằng lái xe", ["giấy phép lái xe"]),
        ("", []),
        ("!!!", []),
    ],
)
def test_groups_in(thesaurus: Thesaurus, text: str, expected: list[str]) -> None:
    assert [g.canonical for g in thesaurus.groups_in(text)] == expected


def test_group_view_holds_folded_phrases(thesaurus: Thesaurus) -> None:
    (group,) = thesaurus.groups_in("bìa đỏ")
    assert isinstance(group, SynonymGroupView)
    # "gcn qsdđ" folds to the canonical term, so it is not repeated
    assert group.phrases == ("giay chung nhan quyen su dung dat", "so do", "so hong", "bia do")


def test_expand_appends_every_name_of_every_group(thesaurus: Thesaurus) -> None:
    assert thesaurus.expand("Đổi bằng lái") == "Đổi bằng lái . giay phep lai xe . bang lai . bang lai xe"
    expanded = thesaurus.expand("so do va so ho khau")
    assert expanded == (
        "so do va so ho khau . giay chung nhan quyen su dung dat . so do . so hong . bia do"
        " . thuong tru . ho khau . so ho khau"
    )
    assert thesaurus.expand("đăng ký khai sinh") == "đăng ký khai sinh"


def test_conflicting_phrase_stays_with_the_first_group() -> None:
    thesaurus = Thesaurus.from_pairs([("giấy phép lái xe", ["bằng lái"]), ("bằng cấp", ["bằng lái"])])
    assert [g.canonical for g in thesaurus.groups_in("bằng lái")] == ["giấy phép lái xe"]
    assert [(c.phrase, c.kept_by, c.ignored_in) for c in thesaurus.conflicts] == [
        ("bang lai", "giấy phép lái xe", "bằng cấp")
    ]


def test_empty_thesaurus_changes_nothing() -> None:
    empty = Thesaurus.from_pairs([])
    assert len(empty) == 0
    assert empty.groups_in("sổ đỏ") == []
    assert empty.expand("sổ đỏ") == "sổ đỏ"


def test_thousands_of_groups_cost_one_lookup_per_ngram() -> None:
    pairs = [(f"thuật ngữ số {i} chính thức", [f"cách gọi {i} thường ngày"]) for i in range(5000)]
    thesaurus = Thesaurus.from_pairs(pairs + GROUPS)
    assert len(thesaurus) == 5000 + len(GROUPS)
    assert [g.canonical for g in thesaurus.groups_in("mất cách gọi 4321 thường ngày và sổ đỏ")] == [
        "thuật ngữ số 4321 chính thức",
        "giấy chứng nhận quyền sử dụng đất",
    ]


# -- database: load, import/export, revision ----------------------------------------------------
def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_reports_bad_rows_by_line_and_round_trips(db_session: Session, tmp_path: Path) -> None:
    source = _write(
        tmp_path / "thesaurus.csv",
        "canonical,variants,note,enabled\n"
        "giấy phép lái xe,bằng lái|Bằng Lái|bằng lái xe|GPLX,Người dân gọi tắt,true\n"  # duplicates folded away
        "giấy chứng nhận quyền sử dụng đất,sổ đỏ|sổ hồng,,\n"
        ",sổ gì đó,,true\n"  # line 4: no canonical term
        "thẻ căn cước,,,true\n"  # line 5: no variant
        "bằng cấp,bằng lái,,true\n"  # line 6: "bằng lái" belongs to another group
        "giay phep lai xe,bằng xe,,true\n"  # line 7: the same term as line 2 (folded)
        "tạm trú,sổ,,true\n"  # line 8: a one-syllable phrase is too short
        "thường trú,hộ khẩu|kt3,,false\n",
    )
    report = import_thesaurus(db_session, source)
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    skipped = {s.where: s.reason for s in report.skipped}
    assert set(skipped) == {"dòng 4", "dòng 5", "dòng 6", "dòng 7", "dòng 8"}
    assert "canonical" in skipped["dòng 4"]
    assert "variants" in skipped["dòng 5"]
    assert "“bằng lái”" in skipped["dòng 6"] and "nhóm khác" in skipped["dòng 6"]
    assert "hai lần" in skipped["dòng 7"]
    assert "quá ngắn" in skipped["dòng 8"]

    licence = db_session.scalar(select(SynonymGroup).where(SynonymGroup.canonical == "giấy phép lái xe"))
    assert licence is not None and licence.variants == ["bằng lái", "bằng lái xe"]
    assert licence.note == "Người dân gọi tắt" and licence.updated_by == "import"

    thesaurus = load_thesaurus(db_session)
    assert [g.canonical for g in thesaurus.groups] == ["giấy phép lái xe", "giấy chứng nhận quyền sử dụng đất"]
    assert thesaurus.groups_in("hộ khẩu") == []  # disabled groups are not used

    # export → import is "unchanged", for CSV and JSONL alike
    exported = _write(tmp_path / "export.csv", export_csv(db_session))
    again = import_thesaurus(db_session, exported)
    assert (again.created, again.updated, again.unchanged, again.skipped) == (0, 0, 3, [])
    lines = export_jsonl(db_session).splitlines()
    assert json.loads(lines[0]) == {
        "canonical": "giấy phép lái xe", "variants": ["bằng lái", "bằng lái xe"], "note": "Người dân gọi tắt", "enabled": True,
    }
    jsonl = _write(tmp_path / "export.jsonl", "\n".join(lines) + "\n{not json\n")
    third = import_thesaurus(db_session, jsonl)
    assert (third.unchanged, [s.where for s in third.skipped]) == (3, ["dòng 4"])

    # an edit in the file updates the same group (keyed by the folded term), never duplicates
    edited = _write(tmp_path / "edited.csv", "canonical,variants\nGiấy phép lái xe,bằng lái|bằng tài xế\n")
    fourth = import_thesaurus(db_session, edited)
    assert (fourth.created, fourth.updated) == (0, 1)
    db_session.refresh(licence)
    assert licence.variants == ["bằng lái", "bằng tài xế"] and licence.version == 2
    assert db_session.query(SynonymGroup).count() == 3


def test_unreadable_files_are_refused(db_session: Session, tmp_path: Path) -> None:
    with pytest.raises(ThesaurusFileError, match="canonical, variants"):
        import_thesaurus(db_session, _write(tmp_path / "faqs.csv", "question,answer\na,b\n"))
    with pytest.raises(ThesaurusFileError, match=r"\.csv hoặc \.jsonl"):
        import_thesaurus(db_session, _write(tmp_path / "x.txt", "canonical,variants\n"))
    with pytest.raises(ThesaurusFileError, match="Không tìm thấy"):
        import_thesaurus(db_session, tmp_path / "missing.csv")


def test_every_edit_bumps_the_content_revision(db_session: Session) -> None:
    start = current_revision(db_session)
    group = SynonymGroup(canonical="giấy phép lái xe", canonical_key="giay phep lai xe", variants=["bằng lái"])
    db_session.add(group)
    db_session.commit()
    assert current_revision(db_session) == start + 1
    group.variants = [*group.variants, "bằng tài xế"]
    db_session.commit()
    assert current_revision(db_session) == start + 2
    assert [g.canonical for g in load_thesaurus(db_session).groups_in("mất bằng tài xế")] == ["giấy phép lái xe"]
    group.enabled = False
    db_session.commit()
    assert current_revision(db_session) == start + 3
    assert load_thesaurus(db_session).groups_in("mất bằng tài xế") == []


def test_seed_file_imports_cleanly_without_conflicts(db_session: Session) -> None:
    report = import_thesaurus(db_session, THESAURUS_FILE)
    with THESAURUS_FILE.open(encoding="utf-8") as handle:
        rows = sum(1 for _ in csv.DictReader(handle))
    assert report.skipped == [] and report.created == rows >= 60
    thesaurus = load_thesaurus(db_session)
    assert thesaurus.conflicts == ()
    expected = {
        "ho so xin cap doi so do gom nhung gi": "giấy chứng nhận quyền sử dụng đất",
        "đổi bằng lái ở đâu": "giấy phép lái xe",
        "mất chứng minh thư": "thẻ căn cước",
        "mo tiem sua xe can gi": "đăng ký thành lập hộ kinh doanh",
        "muốn chuyển hộ khẩu về quê": "đăng ký thường trú",
    }
    for text, canonical in expected.items():
        assert [g.canonical for g in thesaurus.groups_in(text)] == [canonical], text
