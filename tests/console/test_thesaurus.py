"""Thesaurus in the console: create/edit/disable/trash, validation, roles, CSRF, import/export,
and the live effect on search (an edited group changes what a question finds, no retraining)."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from dichvucong.db.models import SynonymGroup
from dichvucong.db.revision import current_revision
from dichvucong.db.session import get_sessionmaker
from dichvucong.search import SearchService
from dichvucong.thesaurus import load_thesaurus
from tests.console.conftest import ConsoleClient, page_text
from tests.console.test_transfer import commit, counts, upload

LICENCE = {"canonical": "giấy phép lái xe", "variants": "bằng lái\nbằng tài xế\nBằng Lái", "note": "Người dân gọi tắt", "status": "enabled"}


def _session(client: ConsoleClient) -> Session:
    return get_sessionmaker(client.http.app.state.console.settings.database_url)()


def _group_id(response) -> int:  # type: ignore[no-untyped-def]
    match = re.search(r"/console/thesaurus/(\d+)$", response.headers["location"])
    assert match, (response.status_code, response.headers, response.text[:1000])
    return int(match.group(1))


def _version(client: ConsoleClient, group_id: int) -> str:
    form = client.get(f"/console/thesaurus/{group_id}/edit")
    return re.search(r'name="version" value="(\d+)"', form.text).group(1)  # type: ignore[union-attr]


def _matched(client: ConsoleClient, text: str) -> list[str]:
    with _session(client) as session:
        return [g.canonical for g in load_thesaurus(session).groups_in(text)]


def test_editor_creates_a_group_that_is_used_at_once(editor: ConsoleClient) -> None:
    with _session(editor) as session:
        before = current_revision(session)
    assert "Từ đồng nghĩa" in editor.get("/console").text  # navigation link
    editor.get("/console/thesaurus/new")
    response = editor.post("/console/thesaurus/new", LICENCE)
    group_id = _group_id(response)
    page = page_text(editor.follow(response))
    assert "Đã lưu" in page and "bằng tài xế" in page
    with _session(editor) as session:
        group = session.get(SynonymGroup, group_id)
        assert group is not None and group.variants == ["bằng lái", "bằng tài xế"]  # duplicates folded away
        assert (group.created_by, group.updated_by, group.note) == ("editor1", "editor1", "Người dân gọi tắt")
        assert current_revision(session) > before
    assert _matched(editor, "doi bang tai xe o dau") == ["giấy phép lái xe"]
    listing = page_text(editor.get("/console/thesaurus?q=bang+tai+xe"))
    assert "giấy phép lái xe" in listing and "bằng tài xế" in listing
    tested = page_text(editor.get("/console/thesaurus?test=mất+bằng+tài+xế"))
    assert "giấy phép lái xe" in tested.split("Kiểm tra một câu hỏi")[1]
    assert "Không nhận ra nhóm nào" in page_text(editor.get("/console/thesaurus?test=khai+sinh"))


def test_bad_input_gets_vietnamese_messages(editor: ConsoleClient) -> None:
    editor.get("/console/thesaurus/new")
    editor.post("/console/thesaurus/new", LICENCE)
    cases = [
        ({"canonical": "", "variants": "sổ đỏ"}, "Hãy nhập thuật ngữ chính thức."),
        ({"canonical": "giấy chứng nhận quyền sử dụng đất", "variants": ""}, "ít nhất một cách gọi"),
        ({"canonical": "giấy chứng nhận quyền sử dụng đất", "variants": "sổ"}, "quá ngắn"),
        ({"canonical": "bằng cấp", "variants": "bằng lái"}, "“bằng lái” (nhóm “giấy phép lái xe”)"),
        ({"canonical": "Giấy Phép Lái Xe", "variants": "bằng xe"}, "Đã có nhóm cho thuật ngữ này"),
    ]
    for form, message in cases:
        editor.get("/console/thesaurus/new")
        response = editor.post("/console/thesaurus/new", {**form, "status": "enabled"})
        assert response.status_code == 400, form
        assert message in page_text(response), (form, page_text(response)[:1500])
        assert "Traceback" not in response.text
    with _session(editor) as session:
        assert session.query(SynonymGroup).count() == 1


def test_edit_disable_trash_and_restore(editor: ConsoleClient, admin_client: ConsoleClient) -> None:
    editor.get("/console/thesaurus/new")
    group_id = _group_id(editor.post("/console/thesaurus/new", LICENCE))
    version = _version(editor, group_id)
    stale = _version(admin_client, group_id)
    saved = editor.post(f"/console/thesaurus/{group_id}/edit", {**LICENCE, "variants": "bằng lái\nbằng lái xe", "version": version})
    assert "Đã lưu" in editor.follow(saved).text
    assert _matched(editor, "bằng tài xế") == [] and _matched(editor, "bằng lái xe") == ["giấy phép lái xe"]
    # the admin's form was opened on the older version: refused, nothing lost
    conflict = admin_client.post(f"/console/thesaurus/{group_id}/edit", {**LICENCE, "version": stale})
    assert conflict.status_code == 409 and "người khác sửa" in page_text(conflict)
    unchanged = editor.post(f"/console/thesaurus/{group_id}/edit", {**LICENCE, "variants": "bằng lái\nbằng lái xe", "version": _version(editor, group_id)})
    assert "Không có thay đổi" in editor.follow(unchanged).text

    editor.get(f"/console/thesaurus/{group_id}")
    off = editor.post(f"/console/thesaurus/{group_id}/toggle")
    assert "Đã tắt nhóm" in editor.follow(off).text and _matched(editor, "bằng lái") == []
    editor.post(f"/console/thesaurus/{group_id}/toggle")
    assert _matched(editor, "bằng lái") == ["giấy phép lái xe"]

    deleted = editor.post(f"/console/thesaurus/{group_id}/delete")
    assert deleted.headers["location"] == "/console/thesaurus"
    assert "vào thùng rác" in editor.follow(deleted).text and _matched(editor, "bằng lái") == []
    assert "giấy phép lái xe" in page_text(editor.get("/console/thesaurus/trash"))
    assert "giấy phép lái xe" not in page_text(editor.get("/console/thesaurus")).split("Cập nhật")[-1]
    # while it is in the trash, another group may take its phrase; restoring then explains why not
    editor.get("/console/thesaurus/new")
    other = _group_id(editor.post("/console/thesaurus/new", {"canonical": "bằng lái hạng A1", "variants": "bằng lái", "status": "enabled"}))
    refused = editor.follow(editor.post(f"/console/thesaurus/{group_id}/restore"))
    assert "Không khôi phục được" in page_text(refused) and "“bằng lái” nay thuộc nhóm “bằng lái hạng A1”" in page_text(refused)
    editor.post(f"/console/thesaurus/{other}/delete")
    restored = editor.follow(editor.post(f"/console/thesaurus/{group_id}/restore"))
    assert "Đã khôi phục" in restored.text and _matched(editor, "bằng lái") == ["giấy phép lái xe"]


def test_reviewer_reads_but_cannot_change(reviewer: ConsoleClient, client: ConsoleClient) -> None:
    with _session(reviewer) as session:
        session.add(SynonymGroup(canonical="giấy phép lái xe", canonical_key="giay phep lai xe", variants=["bằng lái"]))
        session.commit()
        group_id = session.scalar(select(SynonymGroup.id))
    listing = reviewer.get("/console/thesaurus")
    assert listing.status_code == 200 and "bằng lái" in listing.text and "+ Thêm nhóm" not in listing.text
    assert reviewer.get(f"/console/thesaurus/{group_id}").status_code == 200
    for path in ("/console/thesaurus/new", f"/console/thesaurus/{group_id}/edit"):
        assert reviewer.get(path).status_code == 403
    for path in ("/console/thesaurus/new", f"/console/thesaurus/{group_id}/edit", f"/console/thesaurus/{group_id}/toggle",
                 f"/console/thesaurus/{group_id}/delete"):
        assert reviewer.post(path, {**LICENCE, "version": "1"}).status_code == 403
    assert _matched(reviewer, "bằng lái") == ["giấy phép lái xe"]


def test_signed_out_and_forged_posts_are_refused(client: ConsoleClient, editor: ConsoleClient) -> None:
    forged = editor.post("/console/thesaurus/new", LICENCE, token="")
    assert forged.status_code == 403 and "CSRF" in forged.text
    with _session(editor) as session:
        assert session.query(SynonymGroup).count() == 0
    editor.post("/console/logout")
    assert editor.get("/console/thesaurus", follow_redirects=False).status_code in (303, 307)


THESAURUS_CSV = (
    "canonical,variants,note,enabled\n"
    "giấy chứng nhận quyền sử dụng đất,sổ đỏ|sổ hồng|bìa đỏ,,true\n"
    "giấy phép lái xe,bằng lái|bằng lái xe,,true\n"
    "bằng cấp,bằng lái,,true\n"
).encode()


def test_import_preview_commit_and_export_round_trip(editor: ConsoleClient) -> None:
    with _session(editor) as session:
        before = current_revision(session)
    preview = upload(editor, "tu-dong-nghia.csv", THESAURUS_CSV)
    assert preview.status_code == 200, page_text(preview)[:2000]
    text = page_text(preview)
    assert "Từ đồng nghĩa" in text and counts(preview.text) == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 1}
    assert "dòng 4" in text and "“bằng lái”" in text
    with _session(editor) as session:
        assert session.query(SynonymGroup).count() == 0 and current_revision(session) == before
    done = commit(editor, preview)
    assert counts(done.text)["created"] == 2 and "/console/thesaurus/" in done.text
    assert _matched(editor, "cap doi so do") == ["giấy chứng nhận quyền sử dụng đất"]
    with _session(editor) as session:
        assert {g.updated_by for g in session.scalars(select(SynonymGroup))} == {"editor1"}

    csv_export = editor.get("/console/export/thesaurus.csv")
    assert csv_export.status_code == 200 and "attachment" in csv_export.headers["content-disposition"]
    assert csv_export.content.decode("utf-8-sig").splitlines()[0] == "canonical,variants,note,enabled"
    again = upload(editor, "lai.csv", csv_export.content)
    assert counts(again.text) == {"created": 0, "updated": 0, "unchanged": 2, "skipped": 0}

    xlsx = editor.get("/console/export/thesaurus.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["canonical", "variants", "note", "enabled"]
    assert rows[2][:2] == ["giấy phép lái xe", "bằng lái|bằng lái xe"]
    from_excel = upload(editor, "lai.xlsx", xlsx.content)
    assert counts(from_excel.text) == {"created": 0, "updated": 0, "unchanged": 2, "skipped": 0}
    assert "Từ đồng nghĩa" in page_text(from_excel)
    assert "/console/export/thesaurus.xlsx" in editor.get("/console/export").text


def test_live_edit_changes_what_search_finds(editor: ConsoleClient) -> None:
    """A citizen's new word for marriage registration reaches search once an official adds it.

    Needs the search side to read the thesaurus (dichvucong.search, owned by the lead).
    """
    url = editor.http.app.state.console.settings.database_url
    search = SearchService(get_sessionmaker(url), refresh_seconds=0)
    question = "thủ tục se duyên cần giấy tờ gì"
    assert all(h.code != "1.000894" for h in search.search(question, k=3))
    with _session(editor) as session:
        session.add(SynonymGroup(canonical="đăng ký kết hôn", canonical_key="dang ky ket hon", variants=["đăng kí kết hôn"]))
        session.commit()
        group_id = session.scalar(select(SynonymGroup.id))
    version = _version(editor, group_id)
    response = editor.post(
        f"/console/thesaurus/{group_id}/edit",
        {"canonical": "đăng ký kết hôn", "variants": "đăng kí kết hôn\nse duyên", "status": "enabled", "version": version},
    )
    assert "Đã lưu" in editor.follow(response).text
    hits = search.search(question, k=3)
    assert hits and hits[0].code == "1.000894", [(h.code, h.title) for h in hits]
    assert search.search("se duyen can gi", k=1)[0].code == "1.000894"
