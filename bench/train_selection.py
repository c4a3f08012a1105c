"""`make train-selection`: train the learned second opinion on the selection rules.

Builds two databases — the `make eval` one (demo catalogue and FAQs with the 1,924 national
procedure names as distractors: a province that imported the national list) and the demo
data alone (a province with only its own catalogue) — asks the rules about every question
of the dev sets in each (never the frozen set), and fits the two linear models of
``dichvucong/assistant/learned_selection.py`` on both together, so that what it learns holds
for a small catalogue as for a national one:

* the ranker, on pairs (right unit, wrong unit) of the same question;
* the word associations and earlier words both read (``learn_associations``,
  ``learn_earlier_words``), from the training questions only, so a left-out set is measured
  with what the others taught;
* the answer check, on whether the ranker's best unit is right (no unit is right for a
  question about what the catalogue lacks), and the bar under which it says "not found" (ANSWER_THRESHOLD);
  the out-of-scope NLU examples ("khách sạn ở đà lạt", "mua xe máy loại nào tốt") count as
  such questions too (``--no-chitchat`` leaves them out). Held out on six dev sets, the
  learned step chose "nothing" for 282 / 275 of those 335 messages when trained without them
  (the rules 290 / 279) and 294 / 284 when trained with them, for 1,439 / 1,389 right dev
  questions against 1,441 / 1,391.

It first reports, set by set, how often the rules and the learned step choose the right
unit when that set is left out of training (an honest estimate: the rules were tuned on
these sets, the learned step did not see the set it is measured on), then trains on all the
sets and writes ``dichvucong/assistant/selection_model.json``.

    .venv/bin/python bench/train_selection.py                 # every dev set (eval_answers.DEV_SETS)
    .venv/bin/python bench/train_selection.py --no-write      # only the held-out report
    .venv/bin/python bench/train_selection.py --no-write --failures var/selection-failures.jsonl
                                                              # ... and the held-out mistakes
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eval_answers as ea  # noqa: E402

from dichvucong.assistant.learned_selection import (  # noqa: E402
    FEATURES,
    MODEL_PATH,
    SelectionModel,
    association_scores,
    candidate_units,
    earlier_word_scores,
    learn_associations,
    learn_earlier_words,
    set_learnt_word_features,
    unit_features,
    unit_key,
    vector,
)
from dichvucong.assistant.logistic import fit_logistic  # noqa: E402
from dichvucong.assistant.selection import Decision, Question, Selection, has_content  # noqa: E402

#: Regularisation of the ranker (smaller: weights closer to zero). 0.03 and 0.1 were within
#: one question of each other held out; 0.3 did worse.
RANKER_C = 0.03
ANSWER_C = 1.0
#: The answer check's bar. Chosen once, held out on six dev sets: 0.4 gave 1,419 / 1,362 right
#: (national / province catalogue), the bar fitted to each training fold (0.3 or 0.4) 1,414 /
#: 1,363, 0.3 1,414 / 1,364, 0.5 1,417 / 1,361. A bar fitted anew at each retraining drifts
#: between folds with no gain, so it is fixed.
ANSWER_THRESHOLD = 0.4


@dataclass
class Example:
    """One labelled question as the models see it."""

    set_name: str
    shape: str  # "national" (with the distractors) or "province" (the demo data alone)
    item_id: str
    kind: str  # the question's kind in its set (named, situational, …; "chitchat")
    rows: list[dict[str, float]]
    right: list[bool]  # per row: is this unit an expected answer
    expects_unit: bool  # False: out of catalogue, "not found" is right
    rules_right: bool  # did the rules choose the expected unit (or none for out of catalogue)
    rules_bare: bool  # the rules chose a bare catalogue name
    question: Question  # for the word associations, learnt per training fold
    units: list[tuple[frozenset[str], frozenset[str]]]  # per row: the unit's terms and name terms
    keys: list[str]  # per row: the unit's key (``unit_key``)


def _unit_key(selection: Selection) -> tuple[str, str] | None:
    if selection.decision is Decision.FAQ and selection.faq is not None:
        return ("faq", selection.faq.code)
    if selection.decision is Decision.PROCEDURE and selection.procedure_code:
        return ("procedure", selection.procedure_code)
    return None


#: Messages NLU is taught are not about procedures (weather, football, jokes, verdicts on an
#: answer): for the answer check, questions whose right reply is "nothing from the catalogue".
OUT_OF_SCOPE_NLU = ea.ROOT / "rasa_project" / "data" / "nlu" / "out_of_scope.yml"
CHITCHAT_PREFIX = "oos-"


def chitchat_items(set_names: list[str]) -> dict[str, list[ea.Item]]:
    """The out-of-scope NLU examples as "not found" questions, dealt in turn to the dev sets
    so that each held-out fold is also measured on chitchat it was not trained on."""
    import yaml

    blocks = yaml.safe_load(OUT_OF_SCOPE_NLU.read_text(encoding="utf-8"))["nlu"]
    texts = [
        line[2:].strip()
        for block in blocks if block.get("intent") == "out_of_scope"
        for line in block["examples"].splitlines() if line.startswith("- ")
    ]
    dealt: dict[str, list[ea.Item]] = {name: [] for name in set_names}
    for i, text in enumerate(texts):
        dealt[set_names[i % len(set_names)]].append(ea.Item(f"{CHITCHAT_PREFIX}{i:04d}", text, "chitchat", "", {"type": "none"}))
    return dealt


def collect(url: str, set_names: list[str], shape: str, extra: Mapping[str, list[ea.Item]] | None = None) -> list[Example]:
    """Every dev question (and ``extra`` questions counted with a set), through the rules
    (the learned step off)."""
    from dichvucong.assistant.service import AssistantService
    from dichvucong.config import get_settings

    settings = get_settings().model_copy(update={"learned_selection": False, "database_url": url})
    factory = ea.get_sessionmaker(url)
    service = AssistantService(factory, ea.search_service(url, rerank=False), settings)
    examples = []
    for name in set_names:
        for item in [*ea.load_items(name), *(extra or {}).get(name, [])]:
            expect = item.expect
            wanted = (
                {("faq", i) for i in expect["ids"]} if expect["type"] == "faq"
                else {("procedure", expect["code"])} if expect["type"] == "procedure" else set()
            )
            inputs = service.selection_inputs(item.question)
            if inputs is None:
                continue
            question, hits, context, rules = inputs
            rows = unit_features(question, hits, context, rules)
            units = candidate_units(hits, rules)
            # A bare national name is never a right unit to learn: for a question about
            # something else, "procedure X exists but is not updated yet" misleads. (The
            # rules' own bare choice is kept by ``reconsider``: they choose one only when the
            # citizen said most of its name.)
            right = [(h.type, h.code) in wanted for h in units]
            chosen = _unit_key(rules)
            bare_choice = (
                rules.decision is Decision.PROCEDURE and rules.procedure is not None and not has_content(rules.procedure)
            )
            rules_right = (chosen in wanted) if wanted else rules.decision is Decision.NONE or bare_choice
            units_terms = [(h.terms, h.name_terms) for h in units]
            keys = [unit_key(h.type, h.code) for h in units]
            examples.append(
                Example(name, shape, item.id, item.kind, rows, right, bool(wanted), rules_right, bare_choice, question, units_terms, keys)
            )
    return examples


def with_reviewed_questions(base_url: str, workdir: Path, left_out: str) -> str:
    """A copy of the database at ``base_url`` with every dev set's questions but
    ``left_out``'s attached, as the shipped demo data has them all: a set is measured, and
    its examples learnt, as questions nobody attached yet."""
    import shutil

    from export_reviewed_questions import attach_dev_questions

    copy = workdir / f"reviewed-{left_out}.db"
    shutil.copyfile(base_url.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    attach_dev_questions(url, left_out)
    return url


LearntWords = tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]


def learnt_words_from(examples: list[Example]) -> LearntWords:
    """Word associations and earlier words from the questions of ``examples`` with a right
    unit among the candidates (each question once: the national catalogue's copy)."""
    labelled = [(ex, ex.right.index(True)) for ex in examples if ex.shape == "national" and any(ex.right)]
    associations = learn_associations((ex.question.terms, *ex.units[i]) for ex, i in labelled)
    earlier = learn_earlier_words((ex.question.terms, ex.units[i][0], ex.keys[i]) for ex, i in labelled)
    return associations, earlier


def with_learnt_words(
    examples: list[Example], associations: Mapping[str, Mapping[str, float]], earlier: Mapping[str, Mapping[str, float]]
) -> None:
    """Recompute every example's learnt-word signals."""
    for ex in examples:
        if ex.rows:
            set_learnt_word_features(
                ex.rows,
                association_scores(ex.question, ex.units, associations),
                earlier_word_scores(ex.question, [(terms, key) for (terms, _), key in zip(ex.units, ex.keys, strict=True)], earlier),
            )


def train(examples: list[Example]) -> SelectionModel:
    """Both models, the word associations and the earlier words, from ``examples`` (the
    answer bar is ANSWER_THRESHOLD). The examples' learnt-word signals are set from what they
    teach first; measure a held-out set after :func:`with_learnt_words` with the returned
    model's."""
    associations, earlier = learnt_words_from(examples)
    with_learnt_words(examples, associations, earlier)
    pairs, labels = [], []
    for ex in examples:
        x = np.array([vector(r) for r in ex.rows]) if ex.rows else np.zeros((0, len(FEATURES)))
        for p in (i for i, r in enumerate(ex.right) if r):
            for n in (i for i, r in enumerate(ex.right) if not r):
                pairs += [x[p] - x[n], x[n] - x[p]]
                labels += [1, 0]
    ranker, _ = fit_logistic(np.array(pairs), np.array(labels), c=RANKER_C, intercept=False)
    draft = SelectionModel(tuple(ranker), (0.0,) * (len(FEATURES) + 1), 0.0, 0.0)
    inputs, outcomes = [], []
    for ex in examples:
        if not ex.rows:
            continue
        scores = draft.ranks(ex.rows)
        best = int(np.argmax(scores))
        runner_up = max((s for i, s in enumerate(scores) if i != best), default=0.0)
        inputs.append([*vector(ex.rows[best]), scores[best] - runner_up])
        outcomes.append(ex.right[best])
    answer, intercept = fit_logistic(np.array(inputs), np.array(outcomes, dtype=float), c=ANSWER_C)
    return SelectionModel(tuple(ranker), tuple(answer), intercept, ANSWER_THRESHOLD, associations, earlier)


def _right(model: SelectionModel, ex: Example) -> bool:
    """Would the learned step give the expected answer (as ``reconsider`` decides)?"""
    if not ex.rows:
        return ex.rules_right
    position = model.decide(ex.rows)
    if position is None:
        return not ex.expects_unit
    if ex.rules_bare and ex.rows[position]["rules_choice"]:
        return ex.rules_right  # the rules' bare catalogue name: a "not updated yet" reply
    return ex.right[position]


def model_json(model: SelectionModel, names: list[str], questions: int) -> str:
    """The model file: named weights, then the word associations and the earlier words, one
    question term a line."""
    text = json.dumps({
        "about": "Learned second opinion on the answer-selection rules (dichvucong/assistant/learned_selection.py), "
                 "trained by bench/train_selection.py on the dev question sets, never the frozen set.",
        "trained_on": names,
        "questions": questions,
        "trained": dt.date.today().isoformat(),
        "ranker_c": RANKER_C,
        "ranker": dict(zip(FEATURES, (round(w, 6) for w in model.ranker), strict=True)),
        "answer": dict(zip(FEATURES, (round(w, 6) for w in model.answer[:-1]), strict=True)),
        "answer_lead": round(model.answer[-1], 6),
        "answer_intercept": round(model.answer_intercept, 6),
        "threshold": model.threshold,
    }, ensure_ascii=False, indent=1)
    def block(name: str, table: Mapping[str, Mapping[str, float]]) -> str:
        lines = [f" {json.dumps(term, ensure_ascii=False)}: {json.dumps(dict(row), ensure_ascii=False)}" for term, row in sorted(table.items())]
        return f' "{name}": {{\n' + ",\n".join(lines) + "\n }"

    return text[:-2] + ",\n" + block("associations", model.associations) + ",\n" + block("earlier_words", model.earlier_words) + "\n}\n"


def write_failures(path: Path, wrong: list[Example], picks: Mapping[int, str]) -> None:
    """One line per held-out question answered wrongly: its set, kind, text, what was
    expected, what the rules and the learned step chose."""
    items = {(name, item.id): item for name in {ex.set_name for ex in wrong} for item in ea.load_items(name)}
    lines = []
    for ex in wrong:
        item = items.get((ex.set_name, ex.item_id))
        lines.append(json.dumps({
            "set": ex.set_name, "id": ex.item_id, "kind": ex.kind, "rules_right": ex.rules_right,
            "question": item.question if item else "", "expect": item.expect if item else {"type": "none"},
            "rules": next((key for key, row in zip(ex.keys, ex.rows, strict=True) if row["rules_choice"]), ""),
            "learned": picks.get(id(ex), ""),
        }, ensure_ascii=False))
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    print(f"held-out failures: {path} ({len(lines)})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(ea.DEV_SETS))
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--reviewed", action=argparse.BooleanOptionalAction, default=True,
                        help="measure each set with the other dev sets' questions attached (data/reviewed_questions.jsonl)")
    parser.add_argument("--chitchat", action=argparse.BooleanOptionalAction, default=True,
                        help="also learn from the out-of-scope NLU examples as 'not found' questions")
    parser.add_argument("--failures", type=Path, default=None, metavar="FILE",
                        help="write the held-out questions the learned step gets wrong (national catalogue) as JSON lines")
    args = parser.parse_args(argv)
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    if "frozen" in names:
        parser.error("the frozen set is never trained on")
    examples: list[Example] = []
    chitchat = chitchat_items(names) if args.chitchat else None
    for shape, distractors in (("national", True), ("province", False)):
        with tempfile.TemporaryDirectory(prefix="dvc-train-selection-") as tmp:
            base = ea.build_database(Path(tmp), with_distractors=distractors, reviewed_questions=False)
            for name in names:
                url = with_reviewed_questions(base, Path(tmp), name) if args.reviewed else base
                examples += collect(url, [name], shape, chitchat)
    print("\n| left out | catalogue | questions | rules | learned (trained on the other sets) |")
    print("|---|---|---|---|---|")
    totals: dict[str, list[int]] = {}
    held_out_right: dict[int, bool] = {}
    held_out_pick: dict[int, str] = {}  # the learned step's unit (its key; "" for none)
    for name in names:
        model = train([ex for ex in examples if ex.set_name != name]) if len(names) > 1 else None
        if model is not None:
            with_learnt_words([ex for ex in examples if ex.set_name == name], model.associations, model.earlier_words)
        for shape in ("national", "province"):
            for kind in ("", "chitchat "):
                held = [
                    ex for ex in examples
                    if ex.set_name == name and ex.shape == shape and ex.item_id.startswith(CHITCHAT_PREFIX) == bool(kind)
                ]
                rules = sum(ex.rules_right for ex in held)
                for ex in held:
                    held_out_right[id(ex)] = _right(model, ex) if model else False
                    position = model.decide(ex.rows) if model and ex.rows else None
                    held_out_pick[id(ex)] = ex.keys[position] if position is not None else ""
                learned = sum(held_out_right[id(ex)] for ex in held)
                total = totals.setdefault(kind + shape, [0, 0, 0])
                total[0] += len(held)
                total[1] += rules
                total[2] += learned
                if held and not kind:
                    print(f"| {name} | {shape} | {len(held)} | {rules} ({rules / len(held):.3f}) | {learned} ({learned / len(held):.3f}) |")
    for shape, (count, rules, learned) in totals.items():
        if count:
            print(f"| all | {shape} | {count} | {rules} | {learned} |")
    print("\n| kind (held out) | catalogue | questions | rules | learned |")
    print("|---|---|---|---|---|")
    for shape, kind in sorted({(ex.shape, ex.kind) for ex in examples}):
        held = [ex for ex in examples if ex.shape == shape and ex.kind == kind]
        print(f"| {kind} | {shape} | {len(held)} | {sum(ex.rules_right for ex in held)} | {sum(held_out_right[id(ex)] for ex in held)} |")
    if args.failures is not None:
        write_failures(args.failures, [ex for ex in examples if ex.shape == "national" and not held_out_right.get(id(ex), True)], held_out_pick)
    model = train(examples)
    if args.write:
        MODEL_PATH.write_text(model_json(model, names, len(examples)), encoding="utf-8")
        print(f"written: {MODEL_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
