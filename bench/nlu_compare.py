"""Compare intent classifiers on the project's NLU data, on the same features and folds.

For each variant of ``rasa_project/config.yml`` (the classifier swapped, everything else
kept: tokenizer, featurizers, the application-code component, the fallback), it reports

- stratified k-fold cross-validation (the same folds for every variant): intent accuracy,
  macro F1, accuracy on accented and unaccented examples, the most frequent confusions;
- the wall time of ``rasa train`` of the full model (NLU + dialogue, empty cache);
- parse latency per message of that model (``Agent.parse_message``, one message at a time).

Run in the Rasa environment (``make nlu-compare`` is not a target; the command is in
docs/nlu.md)::

    PYTHONPATH=$PWD:$PWD/rasa_project:$PWD/bench .venv-rasa/bin/python bench/nlu_compare.py \\
        --variants diet logreg sklearn --folds 3 --out var/nlu-compare
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import logging
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RASA_DIR = ROOT / "rasa_project"
BENCH_DIR = ROOT / "bench"
for _path in (str(ROOT), str(RASA_DIR), str(BENCH_DIR)):
    if _path not in sys.path:
        sys.path.insert(0, _path)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

import yaml  # noqa: E402

Pipeline = list[dict[str, Any]]
CLASSIFIER = "DIETClassifier"


def _replace_classifier(pipeline: Pipeline, replacement: Pipeline) -> Pipeline:
    """``pipeline`` with its trainable intent classifier replaced by ``replacement``."""
    names = [step["name"] for step in pipeline]
    index = next(i for i, name in enumerate(names) if name == CLASSIFIER or name.endswith(("LogisticRegressionIntentClassifier", "SklearnIntentClassifier")))
    if index > 0 and names[index - 1].endswith("SparseSentenceAsDense"):
        index -= 1
        del pipeline[index]
    return pipeline[:index] + replacement + pipeline[index + 1 :]


VARIANTS: dict[str, Pipeline] = {
    "diet": [{"name": CLASSIFIER, "epochs": 60, "entity_recognition": False, "constrain_similarities": True, "random_seed": 42}],
    "logreg": [
        {"name": "components.logistic_regression_intent.LogisticRegressionIntentClassifier", "solver": "liblinear", "C": 3,
         "max_iter": 200, "random_state": 42}
    ],  # fmt: skip
    "sklearn": [
        {"name": "nlu_dense_features.SparseSentenceAsDense"},
        {"name": "SklearnIntentClassifier", "C": [1, 5, 20], "kernels": ["linear"], "num_threads": 1},
    ],
}


# Alternative featurizer sets (``logreg@words``); the default keeps the project's featurizers.
FEATURES: dict[str, Pipeline] = {
    "words": [{"name": "RegexFeaturizer", "case_sensitive": False}, {"name": "CountVectorsFeaturizer", "ngram_range": [1, 2]}],
    "words3": [{"name": "RegexFeaturizer", "case_sensitive": False}, {"name": "CountVectorsFeaturizer", "ngram_range": [1, 3]}],
    "char25": [
        {"name": "RegexFeaturizer", "case_sensitive": False},
        {"name": "CountVectorsFeaturizer", "ngram_range": [1, 2]},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5},
    ],
    "char35": [
        {"name": "RegexFeaturizer", "case_sensitive": False},
        {"name": "CountVectorsFeaturizer", "ngram_range": [1, 2]},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 3, "max_ngram": 5},
    ],
    "charx": [
        {"name": "RegexFeaturizer", "case_sensitive": False},
        {"name": "CountVectorsFeaturizer", "ngram_range": [1, 2]},
        {"name": "CountVectorsFeaturizer", "analyzer": "char", "min_ngram": 2, "max_ngram": 5},
    ],
    "charx6": [
        {"name": "RegexFeaturizer", "case_sensitive": False},
        {"name": "CountVectorsFeaturizer", "ngram_range": [1, 2]},
        {"name": "CountVectorsFeaturizer", "analyzer": "char", "min_ngram": 2, "max_ngram": 6},
    ],
    "charx36": [
        {"name": "RegexFeaturizer", "case_sensitive": False},
        {"name": "CountVectorsFeaturizer", "ngram_range": [1, 2]},
        {"name": "CountVectorsFeaturizer", "analyzer": "char", "min_ngram": 3, "max_ngram": 6},
    ],
    "binary": [
        {"name": "RegexFeaturizer", "case_sensitive": False},
        {"name": "CountVectorsFeaturizer", "ngram_range": [1, 2], "use_shared_vocab": False},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4, "min_df": 2},
    ],
}


def _with_features(pipeline: Pipeline, features: str) -> Pipeline:
    if not features:
        return pipeline
    featurizers = {"RegexFeaturizer", "CountVectorsFeaturizer"}
    first = next(i for i, step in enumerate(pipeline) if step["name"] in featurizers)
    rest = [step for step in pipeline[first:] if step["name"] not in featurizers]
    return pipeline[:first] + copy.deepcopy(FEATURES[features]) + rest


def variant_config(base: dict[str, Any], variant: str) -> dict[str, Any]:
    """The project config with the classifier of ``variant``.

    A variant is a name of :data:`VARIANTS`, optionally followed by ``@`` and a featurizer
    set of :data:`FEATURES`, then by settings of its classifier: ``logreg:C=10``,
    ``diet:epochs=100``, ``logreg@words:C=3``.
    """
    name, _, settings = variant.partition(":")
    name, _, features = name.partition("@")
    replacement = copy.deepcopy(VARIANTS[name])
    for setting in filter(None, settings.split(",")):
        key, _, value = setting.partition("=")
        replacement[-1][key] = yaml.safe_load(value)
    config = copy.deepcopy(base)
    config["pipeline"] = _with_features(_replace_classifier(config["pipeline"], replacement), features)
    return config


def _threshold(config: dict[str, Any]) -> float:
    fallback = [step for step in config["pipeline"] if step["name"] == "FallbackClassifier"]
    return float(fallback[0].get("threshold", 0.3)) if fallback else 0.0


def _has_diacritics(text: str) -> bool:
    decomposed = unicodedata.normalize("NFD", text)
    return "đ" in text.lower() or any(unicodedata.combining(c) for c in decomposed)


def _predicted_intent(result: dict[str, Any]) -> tuple[str, float, bool]:
    """The classifier's intent and confidence, undoing a fallback as ``rasa test nlu`` does,
    and whether the fallback fired."""
    intent = result["intent"]
    ranking = result.get("intent_ranking") or []
    if intent["name"] == "nlu_fallback" and len(ranking) > 1:
        return ranking[1]["name"], ranking[1]["confidence"], True
    return intent["name"], intent["confidence"], False


def _parse_all(model: str, texts: list[str], timed: bool = False) -> tuple[list[dict[str, Any]], list[float]]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    loop = asyncio.new_event_loop()
    try:
        if timed:
            for text in texts[:20]:  # warm-up
                loop.run_until_complete(agent.parse_message(text))
        results, seconds = [], []
        for text in texts:
            started = time.perf_counter()
            results.append(loop.run_until_complete(agent.parse_message(text)))
            seconds.append(time.perf_counter() - started)
    finally:
        loop.close()
    return results, seconds


def cross_validate(config_path: Path, folds: int, seed: int, workdir: Path) -> dict[str, Any]:
    """Stratified k-fold CV with fixed folds; returns metrics and confusions."""
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    data = load_data(str(RASA_DIR / "data" / "nlu"))
    examples = data.intent_examples
    labels = [e.get("intent") for e in examples]
    y_true: list[str] = []
    y_pred: list[str] = []
    fell_back: list[bool] = []
    texts: list[str] = []
    started = time.perf_counter()
    for fold, (train_index, test_index) in enumerate(StratifiedKFold(folds, shuffle=True, random_state=seed).split(examples, labels)):
        train = TrainingData(
            training_examples=[examples[i] for i in train_index],
            regex_features=data.regex_features,
            lookup_tables=data.lookup_tables,
            entity_synonyms=data.entity_synonyms,
        )
        train_file = workdir / f"fold{fold}.yml"
        train_file.write_text(RasaYAMLWriter().dumps(train), encoding="utf-8")
        model = train_nlu(str(config_path), str(train_file), str(workdir / "models"), fixed_model_name=f"fold{fold}")
        test_texts = [examples[i].get("text") for i in test_index]
        results, _ = _parse_all(model, test_texts)
        texts += test_texts
        y_true += [labels[i] for i in test_index]
        predictions = [_predicted_intent(r) for r in results]
        y_pred += [p[0] for p in predictions]
        fell_back += [p[2] for p in predictions]
    accented = [t == p for t, p, x in zip(y_true, y_pred, texts, strict=True) if _has_diacritics(x)]
    plain = [t == p for t, p, x in zip(y_true, y_pred, texts, strict=True) if not _has_diacritics(x)]
    errors = [{"text": x, "intent": t, "predicted": p} for t, p, x in zip(y_true, y_pred, texts, strict=True) if t != p]
    return {
        "examples": len(y_true),
        "accuracy": accuracy_score(y_true, y_pred),
        "macro_f1": f1_score(y_true, y_pred, average="macro"),
        "accented_accuracy": sum(accented) / max(1, len(accented)),
        "unaccented_accuracy": sum(plain) / max(1, len(plain)),
        "correct_but_fallback": sum(f for t, p, f in zip(y_true, y_pred, fell_back, strict=True) if t == p) / len(y_true),
        "wrong_and_answered": sum(not f for t, p, f in zip(y_true, y_pred, fell_back, strict=True) if t != p) / len(y_true),
        "confusions": Counter(f"{e['intent']} -> {e['predicted']}" for e in errors).most_common(12),
        "errors": errors,
        "cv_seconds": time.perf_counter() - started,
    }


def train_full(config_path: Path, workdir: Path) -> tuple[str, float]:
    """``rasa train`` of the full model with an empty cache; returns (model path, seconds)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(RASA_DIR), str(BENCH_DIR)])
    env["RASA_CACHE_DIRECTORY"] = str(workdir / "cache")
    rasa = Path(sys.executable).parent / "rasa"
    command = [str(rasa), "train", "--config", str(config_path), "--domain", "domain.yml", "--data", "data",
               "--out", str(workdir / "full"), "--fixed-model-name", "full"]  # fmt: skip
    started = time.perf_counter()
    result = subprocess.run(command, cwd=RASA_DIR, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(result.stdout[-3000:] + result.stderr[-3000:])
    return str(workdir / "full" / "full.tar.gz"), seconds


def latency_messages(count: int, seed: int) -> list[str]:
    """``count`` citizen messages drawn from the NLU data (fixed order for every variant)."""
    from rasa.shared.nlu.training_data.loading import load_data

    texts = [e.get("text") for e in load_data(str(RASA_DIR / "data" / "nlu")).intent_examples]
    random.Random(seed).shuffle(texts)
    return (texts * (count // max(1, len(texts)) + 1))[:count]


def measure(variant: str, folds: int, seed: int, messages: int, out: Path, full: bool = True) -> dict[str, Any]:
    """All figures of one variant (``full=False``: cross-validation only)."""
    base = yaml.safe_load((RASA_DIR / "config.yml").read_text(encoding="utf-8"))
    workdir = Path(tempfile.mkdtemp(prefix=f"nlu-{variant}-"))
    os.environ["RASA_CACHE_DIRECTORY"] = str(workdir / "cache")  # not ./.rasa, and never reused
    try:
        return _measure(variant, folds, seed, messages, out, full, base, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _measure(
    variant: str, folds: int, seed: int, messages: int, out: Path, full: bool, base: dict[str, Any], workdir: Path
) -> dict[str, Any]:
    config_path = workdir / "config.yml"
    config_path.write_text(yaml.safe_dump(variant_config(base, variant), allow_unicode=True, sort_keys=False), encoding="utf-8")
    report: dict[str, Any] = {"variant": variant, "load_before": os.getloadavg(), "fallback_threshold": _threshold(variant_config(base, variant))}
    report.update(cross_validate(config_path, folds, seed, workdir))
    report.update(train_seconds=float("nan"), parse_ms_median=float("nan"), parse_ms_p95=float("nan"))
    if not full:
        (out / f"{variant}.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        return report
    model, report["train_seconds"] = train_full(config_path, workdir)
    _, seconds = _parse_all(model, latency_messages(messages, seed), timed=True)
    report["parse_ms_median"] = statistics.median(seconds) * 1000
    report["parse_ms_p95"] = sorted(seconds)[int(0.95 * len(seconds)) - 1] * 1000
    report["parse_ms_mean"] = statistics.fmean(seconds) * 1000
    report["model_mb"] = Path(model).stat().st_size / 1e6
    report["load_after"] = os.getloadavg()
    (out / f"{variant}.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return report


def table(reports: list[dict[str, Any]]) -> str:
    """Markdown table of the headline figures."""
    rows = [
        "| classifier | CV accuracy | macro F1 | accented | unaccented | full `rasa train` | parse p50 | parse p95 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in reports:
        rows.append(
            f"| {r['variant']} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} | {r['accented_accuracy']:.3f} | "
            f"{r['unaccented_accuracy']:.3f} | {r['train_seconds']:.0f} s | {r['parse_ms_median']:.1f} ms | {r['parse_ms_p95']:.1f} ms |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None, run: Callable[..., dict[str, Any]] = measure) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), help=f"of {list(VARIANTS)}, e.g. logreg:C=10")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--messages", type=int, default=200, help="messages parsed for the latency figure")
    parser.add_argument("--cv-only", action="store_true", help="skip the full training and the latency")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "nlu-compare")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    args.out.mkdir(parents=True, exist_ok=True)
    reports = []
    for variant in args.variants:
        report = run(variant, args.folds, args.seed, args.messages, args.out, full=not args.cv_only)
        reports.append(report)
        print(f"{variant}: accuracy {report['accuracy']:.3f}, macro F1 {report['macro_f1']:.3f}, "
              f"train {report['train_seconds']:.0f} s, parse p50 {report['parse_ms_median']:.1f} ms, "
              f"correct but fallback {report['correct_but_fallback']:.3f}, wrong and answered {report['wrong_and_answered']:.3f}; "
              f"confusions {report['confusions'][:6]}", flush=True)  # fmt: skip
    print(table(reports))


if __name__ == "__main__":
    main()
