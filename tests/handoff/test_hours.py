"""Office hours per agency with holidays, the settings' checks, and the offer after two
failed answers; no servers needed."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from dichvucong.config import PROJECT_ROOT, Settings
from dichvucong.handoff.hours import (
    VIETNAM_TZ,
    SettingsError,
    describe_moment,
    load_agencies,
    parse_agencies,
    parse_holidays,
    parse_hours,
)
from dichvucong.handoff.offer import previous_turn_failed, reply_failed, should_offer


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VIETNAM_TZ)


AGENCIES = {
    "holidays": ["2026-09-02", "2026-02-14..2026-02-16"],
    "agencies": [
        {"key": "tinh", "name": "Trung tâm tỉnh", "hours": "mon-fri 07:30-11:30,13:30-17:00"},
        {"key": "cong-an", "name": "Công an tỉnh", "hours": "t2-t6 07:30-11:30,13:30-17:00; t7 07:30-11:30",
         "holidays": ["2026-12-05"], "fields": ["Căn cước", "Đăng ký, quản lý cư trú"]},
    ],
}


def test_open_and_closed_times_of_an_agency() -> None:
    tinh = parse_agencies(AGENCIES).get("tinh").schedule
    assert tinh.is_open(at("2026-12-01T07:30"))  # Tuesday, opening minute
    assert not tinh.is_open(at("2026-12-01T07:29"))
    assert not tinh.is_open(at("2026-12-01T12:00"))  # lunch break
    assert tinh.is_open(at("2026-12-01T16:59")) and not tinh.is_open(at("2026-12-01T17:00"))
    assert not tinh.is_open(at("2026-12-05T09:00"))  # Saturday
    assert not tinh.is_open(at("2026-09-02T09:00"))  # national day (shared holiday)
    assert tinh.next_opening(at("2026-12-01T12:00")) == at("2026-12-01T13:30")
    assert tinh.next_opening(at("2026-12-04T17:30")) == at("2026-12-07T07:30")  # Friday evening → Monday
    assert tinh.next_opening(at("2026-02-13T18:00")) == at("2026-02-17T07:30")  # over a Tết range
    assert tinh.is_open(datetime.fromisoformat("2026-12-01T02:00+00:00"))  # 09:00 in Vietnam
    assert tinh.describe() == "thứ Hai–thứ Sáu 7:30–11:30, 13:30–17:00"


def test_each_agency_has_its_own_hours_holidays_and_fields() -> None:
    agencies = parse_agencies(AGENCIES)
    police = agencies.for_field("can cuoc")  # folded like citizens type it
    assert police.key == "cong-an" and agencies.for_field("Hộ tịch").key == "tinh" and agencies.for_field(None).key == "tinh"
    assert police.schedule.is_open(at("2026-12-12T09:00"))  # an ordinary Saturday
    assert not police.schedule.is_open(at("2026-12-05T09:00"))  # its own holiday
    assert police.schedule.describe() == "thứ Hai–thứ Sáu 7:30–11:30, 13:30–17:00; thứ Bảy 7:30–11:30"


def test_describe_moment_for_citizens() -> None:
    now = at("2026-12-04T18:00")
    assert describe_moment(at("2026-12-07T07:30"), now) == "7:30 sáng thứ Hai, ngày 07/12"
    assert describe_moment(at("2026-12-05T13:30"), now) == "13:30 chiều ngày mai (thứ Bảy, 05/12)"
    assert describe_moment(at("2026-12-04T19:00"), now) == "19:00 tối hôm nay"


@pytest.mark.parametrize("text", ["", "mon-fri", "mon-fri 7h30-11h", "xyz 07:30-11:30", "mon 11:30-07:30", "mon 25:00-26:00"])
def test_bad_office_hours_are_refused(text: str) -> None:
    with pytest.raises(SettingsError):
        parse_hours(text)


def test_hours_and_holidays_shapes() -> None:
    assert parse_hours("sat-mon 08:00-24:00")[6][0][1] is None  # wraps the week; 24:00 = midnight
    assert sorted(parse_hours("mon,wed 08:00-09:00")) == [0, 2]
    assert parse_holidays("2026-01-01, 2026-04-30..2026-05-01") == {date(2026, 1, 1), date(2026, 4, 30), date(2026, 5, 1)}
    for bad in ("2026-13-01", "01/01/2026", "2026-05-01..2026-04-30"):
        with pytest.raises(SettingsError):
            parse_holidays(bad)


def test_settings_are_checked_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="HANDOFF_OFFICE_HOURS"):
        Settings(handoff_office_hours="every day")
    with pytest.raises(ValueError, match="HANDOFF_OFFICE_HOURS"):
        Settings(handoff_holidays="ngày mai")
    broken = tmp_path / "agencies.json"
    broken.write_text(json.dumps({"agencies": [{"key": "A B", "name": "x", "hours": "mon 08:00-09:00"}]}), encoding="utf-8")
    with pytest.raises(SettingsError, match="key"):
        load_agencies(Settings(handoff_agencies_file=str(broken)))
    with pytest.raises(SettingsError, match="không đọc được"):
        load_agencies(Settings(handoff_agencies_file=str(tmp_path / "missing.json")))
    single = load_agencies(Settings(handoff_agencies_file="", handoff_office_hours="mon 08:00-09:00", handoff_holidays="2026-12-07"))
    assert not single.default.schedule.is_open(at("2026-12-07T08:30")) and single.default.schedule.is_open(at("2026-12-14T08:30"))


def test_the_agencies_file_is_read_again_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "agencies.json"
    path.write_text(json.dumps(AGENCIES), encoding="utf-8")
    settings = Settings(handoff_agencies_file=str(path))
    assert load_agencies(settings).default.name == "Trung tâm tỉnh"
    changed = json.loads(json.dumps(AGENCIES))
    changed["agencies"][0]["name"] = "Trung tâm tỉnh (mới)"
    path.write_text(json.dumps(changed), encoding="utf-8")
    import os

    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    assert load_agencies(settings).default.name == "Trung tâm tỉnh (mới)"
    path.write_text("{ not json", encoding="utf-8")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 10))
    assert load_agencies(settings).default.name == "Trung tâm tỉnh (mới)"  # a running process keeps the good one


def test_the_shipped_agencies_file_is_valid() -> None:
    agencies = load_agencies(Settings(handoff_agencies_file="data/handoff_agencies.json", handoff_holidays=""))
    assert agencies.default.key == "trung-tam-tinh" and agencies.for_field("Căn cước").key == "cong-an-tinh"


def _turn(intent: str, kind: str | None = None, action: str = "action_answer_procedure") -> list[dict]:
    events = [{"event": "user", "text": "...", "parse_data": {"intent": {"name": intent}}}, {"event": "action", "name": action}]
    if kind:
        events.append({"event": "slot", "name": "last_answer_kind", "value": kind})
    return events


def test_a_person_is_offered_after_two_failed_answers_in_a_row() -> None:
    current = [{"event": "user", "text": "...", "parse_data": {"intent": {"name": "ask_fee"}}}]
    assert should_offer(_turn("ask_fee", "not_found") + current, reply_failed("not_found"))
    assert not should_offer(_turn("ask_fee", "answer") + current, reply_failed("not_found"))  # only one failure
    assert not should_offer(_turn("ask_fee", "not_found") + current, reply_failed("answer"))
    assert should_offer(_turn("feedback_negative", None, "action_store_feedback") + current, reply_failed("out_of_scope"))
    assert should_offer(_turn("nlu_fallback", "clarify", "action_clarify") + current, reply_failed("clarify", clarifying=True))
    assert not previous_turn_failed(_turn("ask_documents", "clarify") + current)  # "Ý bạn là…" choices are not a failure
    assert reply_failed(None, intent="feedback_negative") and not reply_failed("clarify")
    assert not should_offer(current, True)  # the first message cannot be the second failure


def test_every_intent_reaches_the_handoff_while_one_is_open() -> None:
    """The bot stays quiet for whatever the citizen says: each intent has its handoff rule."""
    domain = yaml.safe_load((PROJECT_ROOT / "rasa_project" / "domain.yml").read_text(encoding="utf-8"))
    rules = yaml.safe_load((PROJECT_ROOT / "rasa_project" / "data" / "rules" / "handoff.yml").read_text(encoding="utf-8"))["rules"]
    covered = {
        step["intent"]
        for rule in rules
        if any("handoff" in (c.get("slot_was_set") or [{}])[0] for c in rule.get("condition") or [])
        for step in rule["steps"]
        if "intent" in step and rule["steps"][-1].get("action") == "action_handoff_listen"
    }
    assert set(domain["intents"]) | {"nlu_fallback"} <= covered, set(domain["intents"]) - covered
