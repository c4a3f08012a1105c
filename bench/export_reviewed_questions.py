"""Write ``data/reviewed_questions.jsonl`` from the dev question sets (never the frozen set).

Every dev question that expects an FAQ becomes another phrasing of that FAQ, and every one
that expects a procedure a keyword of it, as officials attach citizens' questions in the
review pages; `make train-selection` measures each dev set with the others' questions
attached, so its figures say what such a review history is worth for questions nobody has
attached yet. Held out on the eight first dev sets (national / province catalogue, the
learned step retrained each time): without them 1,959 / 1,890 of 2,287 right; with the FAQ
questions 2,040 / 1,985; with the procedure questions too 2,049 / 2,012, but then 270 / 243
of the 335 small-talk messages still found nothing against 285 / 280 (a story attached as a
keyword brought its stray words: "thời tiết", "người yêu" found a procedure). Counting each
phrasing on its own (``IndexedDoc.phrasings``) and asking that the citizen said half of the
one phrasing a procedure was found by (``selection.PHRASING_SAID``) fixed that: on the ten
dev sets, FAQ questions alone 2,568 / 2,520 of 2,887 right, 284 / 282 small talk; with the
procedure questions 2,641 / 2,583 and 299 / 295.

    .venv/bin/python bench/export_reviewed_questions.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eval_answers as ea  # noqa: E402

from dichvucong.review.services.attach import MAX_KEYWORD  # noqa: E402
from dichvucong.seed import REVIEWED_QUESTIONS_FILE  # noqa: E402


def reviewed_records(set_names: list[str]) -> list[dict[str, str]]:
    """One record per dev question that expects a unit (an FAQ question: its first FAQ; a
    procedure question longer than a keyword may be is left out)."""
    records = []
    for name in set_names:
        if name == "frozen":
            raise ValueError("the frozen set is never attached")
        for item in ea.load_items(name):
            if item.expect["type"] == "faq":
                records.append({"question": item.question, "faq": item.expect["ids"][0]})
            elif item.expect["type"] == "procedure" and len(item.question) <= MAX_KEYWORD:
                records.append({"question": item.question, "procedure": item.expect["code"]})
    return records


def attach_dev_questions(url: str, left_out: str) -> None:
    """Attach, in the database at ``url`` (seeded without them), every dev set's questions
    but those of the set ``left_out``, which is then measured as questions nobody attached."""
    from dichvucong.db.session import get_sessionmaker
    from dichvucong.review.reviewed_questions import ReviewedQuestion, apply_reviewed_questions

    records = reviewed_records([name for name in ea.DEV_SETS if name != left_out])
    with get_sessionmaker(url)() as session:
        apply_reviewed_questions(session, [
            ReviewedQuestion(r["question"], "faq" if "faq" in r else "procedure", r.get("faq") or r["procedure"])
            for r in records
        ])


def main() -> int:
    records = reviewed_records(list(ea.DEV_SETS))
    REVIEWED_QUESTIONS_FILE.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    print(f"written: {REVIEWED_QUESTIONS_FILE} ({len(records)} questions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
