"""Probe: what would reviewed questions attached as phrasings give? (an experiment, not a target)

For each left-out dev set, builds the `make eval` database, attaches the questions of the
*other* dev sets to the unit they expect (an FAQ's ``alt_questions``, a procedure's
``keywords``), as the review loop would after officials attached them, and answers the
left-out set in-process. Prints right answers per left-out set with and without.

    .venv/bin/python bench/reviewed_probe.py --sets dev5,dev6 --mode faq
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eval_answers as ea  # noqa: E402


def attach(url: str, items: list[ea.Item], mode: str) -> int:
    from sqlalchemy import select

    from dichvucong.db.models import Faq, Procedure

    added = 0
    with ea.get_sessionmaker(url)() as session:
        faqs = {f.external_id: f for f in session.scalars(select(Faq))}
        procedures = {p.code: p for p in session.scalars(select(Procedure))}
        for item in items:
            expect = item.expect
            if expect["type"] == "faq" and expect["ids"][0] in faqs:
                faq = faqs[expect["ids"][0]]
                faq.alt_questions = [*(faq.alt_questions or []), item.question]
                added += 1
            elif expect["type"] == "procedure" and mode != "faq" and expect["code"] in procedures:
                if mode == "situational" and item.kind != "situational":
                    continue
                procedure = procedures[expect["code"]]
                procedure.keywords = ", ".join(k for k in (procedure.keywords, item.question.replace(",", " ")) if k)
                added += 1
        session.commit()
    return added


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default=",".join(ea.DEV_SETS))
    parser.add_argument("--mode", default="faq", choices=("faq", "situational", "all"))
    parser.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    held = [s for s in args.sets.split(",") if s]
    for name in held:
        items = ea.load_items(name)
        others = [i for other in ea.DEV_SETS if other != name for i in ea.load_items(other)]
        row = [name, str(len(items))]
        for attached in ((False, True) if args.baseline else (True,)):
            with tempfile.TemporaryDirectory(prefix="dvc-probe-") as tmp:
                url = ea.build_database(Path(tmp), with_distractors=True)
                count = attach(url, others, args.mode) if attached else 0
                catalogue = ea.load_catalogue(url)
                answer = ea.in_process_answerer(url)
                by_kind: dict[str, int] = {}
                for i in items:
                    if ea.reply_contains(i, answer(i.question)[0], catalogue):
                        by_kind[i.kind] = by_kind.get(i.kind, 0) + 1
                kinds = " ".join(f"{k} {v}" for k, v in sorted(by_kind.items()))
                row.append(f"{'attached ' + str(count) if attached else 'none'}: {sum(by_kind.values())} ({kinds})")
        print(" | ".join(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
