"""The custom actions with real rasa-sdk trackers against a real (seeded) SQLite database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from actions.procedure_actions import ActionAnswerProcedure, ActionClarify
from dichvucong.config import get_settings


@pytest.fixture(autouse=True)
def seeded_environment(seeded_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    get_settings.cache_clear()
    runtime.assistant.cache_clear()
    yield
    get_settings.cache_clear()
    runtime.assistant.cache_clear()


def tracker(text: str, intent: str, slots: dict[str, Any] | None = None, entities: list[dict] | None = None) -> Tracker:
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "intent_ranking": [{"name": intent, "confidence": 0.9}],
        "entities": entities or [],
    }
    return Tracker("citizen-1", slots or {}, message, [], False, None, {}, "action_listen")


def run(action: Any, tracker_: Tracker) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker_, {})
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return dispatcher.messages, slots


def test_answer_sets_the_procedure_slot_and_offers_other_aspects() -> None:
    messages, slots = run(ActionAnswerProcedure(), tracker("làm lại căn cước mất bao nhiêu tiền", "ask_fee"))
    assert len(messages) == 1 and "70.000 đồng" in messages[0]["text"]
    assert slots["procedure_code"] == "1.012354" and slots["last_answer_kind"] == "answer"
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert "/ask_documents" in payloads and "/ask_fee" not in payloads


def test_follow_up_reads_the_slot() -> None:
    messages, slots = run(ActionAnswerProcedure(), tracker("thế mất bao lâu", "ask_processing_time", {"procedure_code": "1.003544"}))
    assert "Thời gian giải quyết — Cấp hộ chiếu phổ thông ở trong nước" in messages[0]["text"]
    assert slots["procedure_code"] == "1.003544"


def test_ambiguous_question_remembers_the_aspect_and_button_press_answers_it() -> None:
    messages, slots = run(ActionAnswerProcedure(), tracker("căn cước hết bao nhiêu tiền", "ask_fee"))
    assert messages[0]["text"].startswith("Ý bạn là")
    assert slots["pending_aspects"] == ["fee"]
    payload = messages[0]["buttons"][0]["payload"]
    code = json.loads(payload.removeprefix("/choose_procedure"))["procedure_code"]
    press = tracker(payload, "choose_procedure", {"pending_aspects": ["fee"]}, [{"entity": "procedure_code", "value": code}])
    messages, slots = run(ActionAnswerProcedure(), press)
    assert "Lệ phí — " in messages[0]["text"] and slots["procedure_code"] == code and slots["pending_aspects"] is None


def test_clarify_action_answers_from_search_when_sure() -> None:
    messages, slots = run(ActionClarify(), tracker("gplx bị mất", "nlu_fallback"))
    assert "Cấp lại giấy phép lái xe" in messages[0]["text"] and slots["procedure_code"] == "1.013157"


def test_clarify_action_asks_politely_otherwise() -> None:
    messages, _ = run(ActionClarify(), tracker("🙂", "nlu_fallback"))
    assert "chữ" in messages[0]["text"]


def test_a_procedure_added_while_running_is_answered(seeded_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Procedures are data: an import reaches the running action server without retraining."""
    from dichvucong.catalog.importer import import_catalog
    from dichvucong.db.session import get_sessionmaker
    from tests.unit.test_catalog_importer import _record, _write

    messages, _ = run(ActionAnswerProcedure(), tracker("cấp phép khai thác nước ngầm lệ phí bao nhiêu", "ask_fee"))
    assert "chưa tìm thấy" in messages[0]["text"]
    record = _record("9.200001", "Cấp giấy phép khai thác nước dưới đất", fee="Phí: 300.000 Đồng")
    record["tu_khoa"] = "khai thác nước ngầm, giếng khoan"
    with get_sessionmaker(seeded_url)() as session:
        import_catalog(session, _write(tmp_path, [record]))
    try:
        runtime.assistant()._search.refresh(force=True)  # the 1-second refresh window, made immediate
        messages, slots = run(ActionAnswerProcedure(), tracker("cấp phép khai thác nước ngầm lệ phí bao nhiêu", "ask_fee"))
        assert slots["procedure_code"] == "9.200001" and "300.000 đồng" in messages[0]["text"]
    finally:
        from sqlalchemy import delete

        from dichvucong.db.models import Procedure

        with get_sessionmaker(seeded_url)() as session:
            session.execute(delete(Procedure).where(Procedure.code == "9.200001"))
            session.commit()
