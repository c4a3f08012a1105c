"""Review pages at 100,000 tracker events: list (first, deep, filtered), transcript, dashboard.

Fills a scratch tracker store (Rasa's ``events`` table, same columns and index) with generated
but realistic conversations — session starts, user events with NLU parse data, actions, bot
replies, slot events, fallbacks, requests for a person, 👍/👎 — in a temporary SQLite file
and, when PostgreSQL answers, in a temporary PostgreSQL database (created and dropped with
``dichvucong.db.admin``). Then it times the console's review pages over HTTP (signed in as a
reviewer, TestClient, median of several runs) and the summary build.

    .venv/bin/python bench/review_bench.py                 # 100,000 events, SQLite + PostgreSQL
    .venv/bin/python bench/review_bench.py --events 20000 --no-postgres
    BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/review_bench.py
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dichvucong.db.admin import create_database, drop_database, unique_name  # noqa: E402
from dichvucong.db.migrate import upgrade  # noqa: E402
from dichvucong.db.models import AnswerFeedback, ReviewConversation  # noqa: E402
from dichvucong.db.session import get_engine, get_sessionmaker  # noqa: E402
from dichvucong.review.services.listing import Cursor  # noqa: E402
from dichvucong.review.tracker import EVENTS, dispose_engines, normalize_url  # noqa: E402
from dichvucong.text.normalize import strip_accents  # noqa: E402

PASSWORD = "mat-khau-do-hieu-nang-1"
ASPECT_INTENTS = {
    "ask_documents": "cần giấy tờ gì", "ask_fee": "lệ phí bao nhiêu", "ask_processing_time": "mất bao lâu",
    "ask_place": "nộp ở đâu", "ask_steps": "các bước thế nào", "ask_result": "nhận kết quả gì",
}
OTHER_INTENTS = ["greet", "thank", "goodbye", "affirm", "deny", "out_of_scope", "bot_capabilities", "check_status"]
ALL_INTENTS = [*ASPECT_INTENTS, *OTHER_INTENTS, "ask_human", "feedback_positive", "feedback_negative", "ask_overview"]
CHANNELS = [("rest", 0.45), ("socketio", 0.2), ("telegram", 0.25), ("zalo", 0.1)]
UNCLEAR = ["cho hỏi", "alo ad ơi", "vụ giấy tờ nhà đất của bố mẹ", "làm sao giờ", "hỏi chút", "cái này là sao", "??"]


@dataclass
class Corpus:
    procedures: list[tuple[str, str]]  # code, name
    faqs: list[tuple[str, str]]  # external id, question


def load_corpus() -> Corpus:
    procedures = [(p["ma_tthc"], p["ten_tthc"]) for p in json.loads((ROOT / "data/catalog/procedures.json").read_text())]
    faqs = []
    for line in (ROOT / "data/faqs.jsonl").read_text().splitlines():
        if line.strip():
            item = json.loads(line)
            faqs.append((item["id"], item["question"]))
            faqs += [(item["id"], q) for q in item.get("alt_questions", [])]
    return Corpus(procedures, faqs)


@dataclass
class Generated:
    rows: list[dict] = field(default_factory=list)
    feedback: list[dict] = field(default_factory=list)
    conversations: int = 0


def _ranking(rng: random.Random, top: str, confidence: float) -> list[dict]:
    others = rng.sample([i for i in ALL_INTENTS if i != top], 9)
    rest = 1 - confidence
    return [{"name": top, "confidence": confidence}] + [{"name": n, "confidence": rest / (2 ** (k + 1))} for k, n in enumerate(others)]


def generate(n_events: int, days: int = 90, seed: int = 42) -> Generated:
    """Conversations until ``n_events`` events, spread over the last ``days`` days."""
    rng = random.Random(seed)
    corpus = load_corpus()
    out = Generated()
    now = time.time()
    while len(out.rows) < n_events:
        out.conversations += 1
        channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        sender = f"web-{uuid.UUID(int=rng.getrandbits(128)).hex[:16]}" if channel in ("rest", "socketio") else str(rng.randrange(10**9, 10**10))
        ts = now - rng.random() * days * 86400
        _conversation(rng, corpus, out, sender, channel, ts)
    return out


def _event(out: Generated, sender: str, kind: str, ts: float, data: dict, intent: str | None = None, action: str | None = None) -> None:
    data = {"event": kind, "timestamp": ts, "metadata": {"model_id": "bench"}, **data}
    out.rows.append({
        "sender_id": sender, "type_name": kind, "timestamp": ts, "intent_name": intent, "action_name": action,
        "data": json.dumps(data),
    })


def _conversation(rng: random.Random, corpus: Corpus, out: Generated, sender: str, channel: str, ts: float) -> None:
    _event(out, sender, "action", ts, {"name": "action_session_start"}, action="action_session_start")
    _event(out, sender, "session_started", ts + 0.0001, {})
    _event(out, sender, "action", ts + 0.0002, {"name": "action_listen"}, action="action_listen")
    for _ in range(rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6])):
        ts += rng.uniform(5, 90)
        roll = rng.random()
        if roll < 0.12:
            text, intent, conf, kind = rng.choice(UNCLEAR), "nlu_fallback", rng.uniform(0.15, 0.44), rng.choice(["clarify", "not_found"])
        elif roll < 0.16:
            text, intent, conf, kind = rng.choice(["gặp cán bộ", "cho tôi nói chuyện với người thật", "gap nhan vien tu van"]), "ask_human", rng.uniform(0.8, 1), None
        elif roll < 0.26:
            text, intent, conf, kind = rng.choice(["chào bạn", "cảm ơn nhé", "ok", "tạm biệt"]), rng.choice(OTHER_INTENTS[:5]), rng.uniform(0.7, 1), None
        elif roll < 0.5:
            _, question = rng.choice(corpus.faqs)
            text, intent, conf, kind = question, rng.choice(list(ASPECT_INTENTS)), rng.uniform(0.5, 1), "faq"
        else:
            code, name = rng.choice(corpus.procedures)
            intent = rng.choice(list(ASPECT_INTENTS))
            text, conf, kind = f"{name.lower()} {ASPECT_INTENTS[intent]}", rng.uniform(0.45, 1), "answer"
        if rng.random() < 0.35:
            text = strip_accents(text)
        if rng.random() < 0.05:
            text += f", sđt của tôi 09{rng.randrange(10**7, 10**8)}"
        _user_turn(rng, corpus, out, sender, channel, ts, text, intent, conf, kind)
        if kind in ("answer", "faq") and rng.random() < 0.1:
            ts += rng.uniform(3, 20)
            positive = rng.random() < 0.7
            answer_ts = next(r["timestamp"] for r in reversed(out.rows) if r["type_name"] == "bot")
            payload = "/feedback_positive" if positive else "/feedback_negative"
            name = payload[1:]
            _event(out, sender, "user", ts, {"text": payload, "input_channel": channel, "parse_data": {
                "intent": {"name": name, "confidence": 1.0}, "entities": [], "text": payload, "intent_ranking": [{"name": name, "confidence": 1.0}]}}, intent=name)
            _event(out, sender, "action", ts + 0.05, {"name": "action_store_feedback"}, action="action_store_feedback")
            _event(out, sender, "bot", ts + 0.06, {"text": "Cảm ơn bạn đã phản hồi!" if positive else "Xin lỗi vì câu trả lời chưa đúng ý bạn."})
            _event(out, sender, "action", ts + 0.07, {"name": "action_listen"}, action="action_listen")
            out.feedback.append({"sender_id": sender, "channel": channel, "rating": 1 if positive else -1, "answer_timestamp": answer_ts, "question": text})


def _user_turn(rng: random.Random, corpus: Corpus, out: Generated, sender: str, channel: str, ts: float, text: str, intent: str, conf: float, kind: str | None) -> None:
    top = rng.choice(list(ASPECT_INTENTS)) if intent == "nlu_fallback" else intent
    ranking = _ranking(rng, top, conf)
    parse_intent = {"name": "nlu_fallback", "confidence": 0.45} if intent == "nlu_fallback" else {"name": intent, "confidence": conf}
    if intent == "nlu_fallback":
        ranking = [parse_intent, *ranking]
    tokens = [[m.start(), m.end()] for m in re.finditer(r"\S+", text)]
    _event(out, sender, "user", ts, {"text": text, "input_channel": channel, "message_id": uuid.UUID(int=rng.getrandbits(128)).hex,
        "parse_data": {"intent": parse_intent, "entities": [], "text": text, "text_tokens": tokens, "intent_ranking": ranking}}, intent=parse_intent["name"])
    _event(out, sender, "user_featurization", ts + 0.01, {"use_text_for_featurization": False})
    reply_ts = ts + rng.lognormvariate(-1.2, 0.5)
    action = {"nlu_fallback": "action_clarify", "ask_human": "utter_ask_human"}.get(intent, "action_answer_procedure" if kind else f"utter_{intent}")
    _event(out, sender, "action", reply_ts - 0.001, {"name": action, "policy": "RulePolicy", "confidence": 1.0}, action=action)
    _event(out, sender, "bot", reply_ts, {"text": f"Trả lời cho: {text[:60]}", "data": {"buttons": [{"title": "👍 Hữu ích", "payload": "/feedback_positive"}]}})
    if action in ("action_answer_procedure", "action_clarify"):
        code = rng.choice(corpus.procedures)[0] if kind == "answer" else None
        faq = rng.choice(corpus.faqs)[0] if kind == "faq" else None
        slots = [("pending_aspects", None), ("last_answer_kind", kind)] + ([("procedure_code", code)] if code else []) + [("faq_id", faq)]
        for k, (name, value) in enumerate(slots):
            _event(out, sender, "slot", reply_ts + 0.0001 * (k + 1), {"name": name, "value": value}, action=name)
    _event(out, sender, "action", reply_ts + 0.01, {"name": "action_listen"}, action="action_listen")


def load_tracker(url: str, generated: Generated) -> None:
    """Create Rasa's events table (same columns and index) and insert the rows."""
    engine = create_engine(normalize_url(url))
    EVENTS.metadata.create_all(engine)
    with engine.begin() as connection:
        for start in range(0, len(generated.rows), 5000):
            connection.execute(insert(EVENTS), generated.rows[start : start + 5000])
    engine.dispose()


def fill_ours(url: str, generated: Generated) -> None:
    from dichvucong.catalog.importer import import_catalog
    from dichvucong.console.services.accounts import create_user
    from dichvucong.faqs.importer import import_faqs
    from dichvucong.seed import CATALOG_FILE, FAQ_FILE

    upgrade(url)
    with get_sessionmaker(url)() as session:
        import_catalog(session, CATALOG_FILE)
        import_faqs(session, FAQ_FILE)
        create_user(session, "reviewer1", PASSWORD, "reviewer", "Người xem xét")
        session.add_all(AnswerFeedback(answer="", **f) for f in generated.feedback)
        session.commit()


def _median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(label: str, our_url: str, tracker_url: str, generated: Generated, runs: int) -> list[tuple[str, str]]:
    """Time the summary build and the pages; returns (what, figure) rows."""
    from fastapi.testclient import TestClient

    from dichvucong.api.app import create_app
    from dichvucong.config import Settings
    from dichvucong.review.services.sync import sync
    from dichvucong.review.tracker import public_source, readonly_engine

    results: list[tuple[str, str]] = []
    tracker = readonly_engine(tracker_url)
    factory = get_sessionmaker(our_url)
    with factory() as session:
        started = time.perf_counter()
        report = sync(session, tracker, public_source(tracker_url), 10)
        results.append((f"first summary build ({report.events:,} events → {report.messages:,} messages, {report.conversations:,} conversations)",
                        f"{time.perf_counter() - started:.2f} s"))
        results.append(("incremental sync, nothing new", f"{_median_ms(lambda: sync(session, tracker, public_source(tracker_url), 10), runs):.1f} ms"))
        total = session.scalar(select(func.count()).select_from(ReviewConversation)) or 0
        deep = session.scalars(select(ReviewConversation).order_by(ReviewConversation.last_ts.desc(), ReviewConversation.id.desc()).offset(int(total * 0.9)).limit(1)).one()
        longest = session.execute(
            text("SELECT sender_id FROM review_conversations ORDER BY messages DESC LIMIT 1")
        ).scalar_one()
        typical = session.scalars(select(ReviewConversation.sender_id).where(ReviewConversation.messages == 3).limit(1)).first() or longest
    with factory() as session:
        extra = Generated()
        _conversation(random.Random(7), load_corpus(), extra, "bench-new-conversation", "rest", time.time())
        writer = create_engine(normalize_url(tracker_url))
        with writer.begin() as connection:
            connection.execute(insert(EVENTS), extra.rows)
        writer.dispose()
        started = time.perf_counter()
        report = sync(session, tracker, public_source(tracker_url), 10)
        results.append((f"incremental sync, one new conversation ({report.events} events)", f"{(time.perf_counter() - started) * 1000:.1f} ms"))
    with tracker.connect() as connection:  # type: ignore[union-attr]
        group_sql = text("SELECT sender_id, min(timestamp), max(timestamp), count(*) FROM events GROUP BY sender_id ORDER BY max(timestamp) DESC LIMIT 20")
        results.append(("(reference) GROUP BY sender_id straight on events, one page", f"{_median_ms(lambda: connection.execute(group_sql).all(), runs):.1f} ms"))
        confidence = (
            "json_extract(data, '$.parse_data.intent.confidence')" if connection.dialect.name == "sqlite"
            else "CAST((CAST(data AS json)->'parse_data'->'intent'->>'confidence') AS float)"
        )
        json_sql = text(
            "SELECT sender_id, max(timestamp) FROM events WHERE type_name = 'user' AND " + confidence + " < 0.6 "
            "GROUP BY sender_id ORDER BY max(timestamp) DESC LIMIT 20"
        )
        results.append(("(reference) same with a JSON confidence filter", f"{_median_ms(lambda: connection.execute(json_sql).all(), runs):.1f} ms"))

    settings = Settings(
        database_url=our_url, tracker_store_url=tracker_url, console_secret_key="bench-secret-key-0123456789abcdef",
        search_refresh_seconds=0, console_page_size=20,
    )
    pages = [
        ("list, first page", "/console/review"),
        (f"list, deep page (keyset, ~{int(total * 0.9):,} conversations in)", f"/console/review?after={Cursor.of(deep).encode()}"),
        ("list, filtered: fallback + not reviewed", "/console/review?fallback=1&unreviewed=1"),
        ("list, filtered: intent ask_fee", "/console/review?intent=ask_fee"),
        ("list, filtered: low confidence < 0.6, Telegram", "/console/review?low=1&threshold=0.6&channel=telegram"),
        ("list, filtered: negative rating + asked for a person", "/console/review?negative=1&human=1"),
        ("list, filtered: 7-day range", "/console/review?from={}&to={}"),
        ("transcript, typical conversation", f"/console/review/conversations/{typical}"),
        ("transcript, longest conversation", f"/console/review/conversations/{longest}"),
        ("dashboard, 30 days", "/console/review/dashboard"),
        ("dashboard, 90 days", "/console/review/dashboard?from={90}&to={0}"),
        ("export NLU YAML", "/console/review/export/nlu.yml"),
        ("export CSV, filtered (fallback, 7 days)", "/console/review/export/conversations.csv?fallback=1&from={}&to={}"),
    ]
    from datetime import timedelta

    from dichvucong.review.services.period import today

    end = today()
    with TestClient(create_app(settings)) as client:
        login = client.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
        response = client.post("/console/login", data={"username": "reviewer1", "password": PASSWORD, "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303, response.text[:500]
        for what, path in pages:
            path = path.replace("{90}", (end - timedelta(days=89)).isoformat()).replace("{0}", end.isoformat())
            path = path.format((end - timedelta(days=6)).isoformat(), end.isoformat()) if "{}" in path else path
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code, response.text[:500])
            results.append((what, f"{_median_ms(lambda p=path: client.get(p), runs):.1f} ms"))
    dispose_engines()
    print(f"\n## {label}: {len(generated.rows):,} events, {generated.conversations:,} conversations, {len(generated.feedback):,} ratings")
    width = max(len(w) for w, _ in results)
    for what, figure in results:
        print(f"  {what:<{width}}  {figure:>10}")
    return results


@contextmanager
def sqlite_pair(workdir: Path) -> Iterator[tuple[str, str]]:
    yield f"sqlite:///{workdir / 'ours.db'}", f"sqlite:///{workdir / 'tracker.db'}"


@contextmanager
def postgres_pair(admin_url: str) -> Iterator[tuple[str, str]]:
    ours, tracker = unique_name("dvc_bench"), unique_name("rasa_bench")
    create_database(admin_url, ours)
    create_database(admin_url, tracker)
    try:
        from sqlalchemy.engine import make_url

        # The tracker URL as Rasa's endpoints.yml has it (psycopg2-style); the review converts it.
        rasa_url = make_url(admin_url).set(drivername="postgresql", database=tracker).render_as_string(hide_password=False)
        yield make_url(admin_url).set(database=ours).render_as_string(hide_password=False), rasa_url
    finally:
        dispose_engines()
        get_engine.cache_clear()
        get_sessionmaker.cache_clear()
        drop_database(admin_url, ours)
        drop_database(admin_url, tracker)


def postgres_admin_url() -> str | None:
    url = os.environ.get("BENCH_PG_URL") or os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return url
    except Exception:  # noqa: BLE001 - no PostgreSQL here: SQLite only
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per page (median)")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    generated = generate(args.events)
    print(f"Generated {len(generated.rows):,} events in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory(prefix="review-bench-") as workdir, sqlite_pair(Path(workdir)) as (ours, tracker):
        load_tracker(tracker, generated)
        fill_ours(ours, generated)
        measure("SQLite (our database and tracker store)", ours, tracker, generated, args.runs)
        get_engine(ours).dispose()
    admin = None if args.no_postgres else postgres_admin_url()
    if admin:
        with postgres_pair(admin) as (ours, tracker):
            load_tracker(tracker, generated)
            fill_ours(ours, generated)
            measure("PostgreSQL (our database and tracker store)", ours, tracker, generated, args.runs)
            get_engine(ours).dispose()
    elif not args.no_postgres:
        print("\nPostgreSQL not reachable (BENCH_PG_URL / TEST_DATABASE_URL): SQLite only.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
