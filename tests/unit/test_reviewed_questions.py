"""Reviewed citizens' questions imported in bulk become phrasings of what they asked about,
and the next citizen who asks the same gets that answer."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from dichvucong.assistant.service import AssistantService
from dichvucong.config import Settings
from dichvucong.db.models import Faq, Procedure
from dichvucong.db.session import get_sessionmaker
from dichvucong.review.reviewed_questions import import_reviewed_questions
from dichvucong.search import SearchService
from dichvucong.seed import REVIEWED_QUESTIONS_FILE, seed_demo_data
from dichvucong.text.normalize import fold

EVAL_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "eval"
JOINT_LAND = "chồng em đang lao động bên Nhật, hai vợ chồng muốn bán mảnh đất đứng tên chung thì mình em ký được không"


def write_lines(path: Path, lines: list[object]) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n",
                    encoding="utf-8")
    return path


def rules_only(url: str) -> AssistantService:
    factory = get_sessionmaker(url)
    return AssistantService(factory, SearchService(factory, refresh_seconds=0), Settings(database_url=url, learned_selection=False))


def test_an_attached_question_is_answered_by_its_faq(database_url: str, tmp_path: Path) -> None:
    seed_demo_data(database_url, reviewed_questions=False)
    before = rules_only(database_url).answer_question(JOINT_LAND, None)
    assert before.faq_id != "faq-227"
    path = write_lines(tmp_path / "r.jsonl", [{"question": JOINT_LAND, "faq": "faq-227"}])
    with get_sessionmaker(database_url)() as session:
        report = import_reviewed_questions(session, path)
    assert (report.created, report.skipped) == (1, [])
    after = rules_only(database_url).answer_question(JOINT_LAND, None)
    assert after.kind == "faq" and after.faq_id == "faq-227"


def test_importing_again_changes_nothing_and_bad_lines_are_reported(database_url: str, tmp_path: Path) -> None:
    seed_demo_data(database_url, reviewed_questions=False)
    path = write_lines(tmp_path / "r.jsonl", [
        {"question": "vo di lam o nuoc ngoai, ban dat chung chong ky 1 minh dc ko", "faq": "faq-227"},
        {"question": "xin so do lan dau o dau, nha o tu 1990", "procedure": "1.012773"},
        {"question": "gọi giúp tôi số 0912345678", "faq": "faq-227"},
        {"question": "câu hỏi cho FAQ không có", "faq": "faq-9999"},
        {"question": "hai đích", "faq": "faq-227", "procedure": "1.012773"},
        "không phải JSON",
    ])
    factory = get_sessionmaker(database_url)
    with factory() as session:
        first = import_reviewed_questions(session, path)
    assert first.created == 2 and len(first.skipped) == 4
    reasons = " ".join(s.reason for s in first.skipped)
    assert "số điện thoại" in reasons and "faq-9999" in reasons and "JSON" in reasons
    with factory() as session:
        second = import_reviewed_questions(session, path)
        assert (second.created, second.unchanged) == (0, 2)
        faq = session.scalar(select(Faq).where(Faq.external_id == "faq-227"))
        assert faq is not None and [fold(p) for p in faq.alt_questions].count(fold(
            "vo di lam o nuoc ngoai, ban dat chung chong ky 1 minh dc ko")) == 1
        assert not any("0912345678" in p for p in faq.alt_questions)
        procedure = session.scalar(select(Procedure).where(Procedure.code == "1.012773"))
        assert procedure is not None and "xin so do lan dau o dau  nha o tu 1990" not in procedure.keywords
        assert "xin so do lan dau o dau nha o tu 1990" in procedure.keywords  # its comma would split it


def test_the_shipped_reviewed_questions_all_apply_and_none_is_from_the_frozen_set(database_url: str) -> None:
    reports = seed_demo_data(database_url)
    assert reports["reviewed_questions"].skipped == [] and reports["reviewed_questions"].created > 900
    frozen = {fold(json.loads(line)["question"]) for line in (EVAL_DIR / "frozen.jsonl").read_text(encoding="utf-8").splitlines() if line}
    shipped = {fold(json.loads(line)["question"]) for line in REVIEWED_QUESTIONS_FILE.read_text(encoding="utf-8").splitlines() if line}
    assert not frozen & shipped
