"""Exports of the real conversations: Rasa NLU YAML from annotated messages, conversations CSV."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from urllib.parse import quote

import pytest
import yaml
from sqlalchemy import select

from dichvucong.db.models import ReviewAnnotation, ReviewAudit
from dichvucong.db.session import get_sessionmaker
from dichvucong.devstack import RASA_BIN
from dichvucong.review.services.exports import CSV_HEADER, _cell, example_text, nlu_export
from tests.console.conftest import ConsoleClient
from tests.review.conftest import CODE, PHONE, Chats
from tests.stack import rasa_env


def _event_ids(client: ConsoleClient, sender: str) -> list[int]:
    page = client.get(f"/console/review/conversations/{quote(sender, safe='')}")
    return [int(i) for i in re.findall(r'data-event="(\d+)"', page.text)]


def _annotate(client: ConsoleClient, sender: str, intent: str, index: int = 0) -> None:
    event_id = _event_ids(client, sender)[index]
    response = client.post("/console/review/annotations", {"sender_id": sender, "event_id": str(event_id), "intent": intent})
    assert response.status_code == 303, response.text[:500]


def test_nlu_export_is_rasa_training_data(reviewer: ConsoleClient, chats: Chats, review_db: str) -> None:
    _annotate(reviewer, chats.personal, "check_status")  # phone number and code: masked in the export
    _annotate(reviewer, chats.fallback, "ask_overview")
    _annotate(reviewer, chats.unanswered, "out_of_scope")
    _annotate(reviewer, chats.human, "ask_human")  # "gặp cán bộ": kept unless already in the training data
    _annotate(reviewer, chats.procedure, "ask_fee")
    response = reviewer.get("/console/review/export/nlu.yml")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/yaml")
    assert "attachment" in response.headers["content-disposition"]
    body = response.text
    assert PHONE not in body and CODE not in body
    data = yaml.safe_load(body)
    assert data["version"] == "3.1" and isinstance(data["nlu"], list)
    examples = {item["intent"]: [line[2:] for line in item["examples"].splitlines()] for item in data["nlu"]}
    assert all(set(item) == {"intent", "examples"} and item["examples"].endswith("\n") for item in data["nlu"])
    assert examples["check_status"] == ["số điện thoại của tôi là 091****678, hồ sơ 000.00.04.H51-******-**07 sao rồi"]
    assert examples["out_of_scope"] == ["xyz abc qwerty trời mưa"]
    assert examples["ask_overview"] == [chats.unclear_text]
    # Examples already in rasa_project/data/nlu are not repeated.
    from dichvucong.review.intents import example_key, training_examples

    known = training_examples()
    for intent, text in (("ask_human", "gặp cán bộ"), ("ask_fee", "làm lại căn cước mất bao nhiêu tiền")):
        assert (text in examples.get(intent, [])) == (example_key(text) not in known)
    with get_sessionmaker(review_db)() as session:
        assert session.scalars(select(ReviewAudit.action)).all() == ["export_nlu"]


def test_nlu_export_deduplicates_and_drops_conflicts(review_db: str) -> None:
    with get_sessionmaker(review_db)() as session:
        rows = [
            ("a", 1, "Lệ phí  làm sổ đỏ", "ask_fee"), ("b", 2, "lệ phí làm sổ đỏ", "ask_fee"),  # same text: once
            ("c", 3, "nộp ở [đâu](place) vậy", "ask_place"),  # brackets are not entity markup
            ("d", 4, "hỏi linh tinh", "ask_fee"), ("e", 5, "hỏi linh tinh", "out_of_scope"),  # reviewers disagree: left out
            ("f", 6, "/feedback_negative", "deny"),  # a button press is not training data
            ("g", 7, "gọi 0987654321 nhé", "ask_human"),
        ]
        for sender, event_id, text, intent in rows:
            session.add(ReviewAnnotation(sender_id=sender, event_id=event_id, event_timestamp=1.0, text_masked=text, corrected_intent=intent))
        session.commit()
        result = nlu_export(session, known={"goi 098****321 nhe": "x"})
        assert nlu_export(session, known={"gọi 098****321 nhé": "ask_human"}).already_trained == 1
    assert result.examples == {
        "ask_fee": ["Lệ phí làm sổ đỏ"], "ask_place": ["nộp ở (đâu)(place) vậy"], "ask_human": ["gọi 098****321 nhé"],
    }
    assert result.conflicting == 1 and result.count == 3
    data = yaml.safe_load(result.yaml)
    assert [item["intent"] for item in data["nlu"]] == ["ask_human", "ask_fee", "ask_place"]  # the domain's order


def test_empty_nlu_export_is_valid_yaml(review_db: str) -> None:
    with get_sessionmaker(review_db)() as session:
        assert yaml.safe_load(nlu_export(session).yaml) == {"version": "3.1", "nlu": []}


def test_rasa_reads_the_exported_file(reviewer: ConsoleClient, chats: Chats, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Rasa's own YAML reader (in the Rasa environment) accepts the export."""
    if not (RASA_BIN / "python").exists():
        pytest.skip("the Rasa environment is missing")
    _annotate(reviewer, chats.personal, "check_status")
    _annotate(reviewer, chats.unanswered, "out_of_scope")
    path = tmp_path / "review.yml"
    path.write_text(reviewer.get("/console/review/export/nlu.yml").text, encoding="utf-8")
    script = (
        "import json, sys\n"
        "from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader\n"
        "data = RasaYAMLReader().read(sys.argv[1])\n"
        "print(json.dumps(sorted((m.get('intent'), m.get('text')) for m in data.training_examples), ensure_ascii=False))\n"
    )
    result = subprocess.run([str(RASA_BIN / "python"), "-c", script, str(path)], capture_output=True, text=True, env=rasa_env(), timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    examples = json.loads(result.stdout.strip().splitlines()[-1])
    assert ["out_of_scope", "xyz abc qwerty trời mưa"] in examples
    assert ["check_status", "số điện thoại của tôi là 091****678, hồ sơ 000.00.04.H51-******-**07 sao rồi"] in examples


def test_conversations_csv_is_masked_and_follows_the_filters(reviewer: ConsoleClient, chats: Chats, review_db: str) -> None:
    _annotate(reviewer, chats.personal, "check_status")
    response = reviewer.get("/console/review/export/conversations.csv")
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_HEADER
    body = response.content.decode("utf-8-sig")
    assert PHONE not in body and CODE not in body
    ours = [r for r in rows[1:] if r[0] in chats.senders]
    assert {r[0] for r in ours} == set(chats.senders)
    personal = [r for r in ours if r[0] == chats.personal and r[3] == "người dân"]
    assert personal[0][4].startswith("số điện thoại của tôi là 091****678") and personal[0][11] == "check_status"
    fee = next(r for r in ours if r[0] == chats.procedure and r[3] == "người dân")
    assert (fee[5], fee[7], fee[9]) == ("ask_fee", "1.012354", "answer") and float(fee[6]) > 0.5
    answer = next(r for r in ours if r[0] == chats.procedure and r[3] == "trợ lý")
    assert answer[10] == "👎" and "Lệ phí" in answer[4]
    filtered = list(csv.reader(io.StringIO(reviewer.get("/console/review/export/conversations.csv?fallback=1").content.decode("utf-8-sig"))))
    assert {r[0] for r in filtered[1:]} & set(chats.senders) == {chats.fallback}
    with get_sessionmaker(review_db)() as session:
        assert session.scalars(select(ReviewAudit.action)).all() == ["export_csv", "export_csv"]


def test_csv_cells_never_start_a_formula() -> None:
    assert _cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert _cell("+84 912") == "'+84 912" and _cell("@x") == "'@x" and _cell("bình thường") == "bình thường"
    assert example_text("  a\n b  [c] {d} ") == "a b (c) (d)"


def test_without_the_rasa_project_the_seen_intents_stand_in(review_db: str, live_tracker: str, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The app image ships no rasa_project/: intents come from the summary, nothing counts as known."""
    from dichvucong.review import intents
    from dichvucong.review.services.sync import sync
    from dichvucong.review.tracker import public_source, readonly_engine

    assert intents.domain_intents(tmp_path / "domain.yml") == () and intents.training_examples(tmp_path / "nlu") == {}
    monkeypatch.setattr(intents, "domain_intents", lambda *_: ())
    with get_sessionmaker(review_db)() as session:
        sync(session, readonly_engine(live_tracker), public_source(live_tracker))
        seen = intents.known_intents(session)
    assert {"ask_fee", "ask_human", "feedback_negative"} <= set(seen) and "nlu_fallback" not in seen
