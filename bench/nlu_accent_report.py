"""After `rasa test nlu --cross-validation`: accuracy for accented vs unaccented examples and
the most frequent confusions (true intent -> predicted intent).

    python bench/nlu_accent_report.py var/nlu-eval
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import yaml

from dichvucong.config import PROJECT_ROOT
from dichvucong.text.normalize import has_diacritics


def training_examples() -> list[str]:
    examples = []
    for path in sorted((PROJECT_ROOT / "rasa_project" / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" in block:
                examples += [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]
    return examples


def confusions(errors: list[dict], top: int = 10) -> list[tuple[str, int]]:
    """The most frequent ``true -> predicted`` pairs among the misclassified examples."""
    pairs = Counter(f"{e['intent']} -> {(e.get('intent_prediction') or {}).get('name')}" for e in errors)
    return pairs.most_common(top)


def main(results_dir: Path) -> None:
    error_list = json.loads((results_dir / "intent_errors.json").read_text(encoding="utf-8"))
    errors = {e["text"] for e in error_list}
    groups: dict[str, list[bool]] = {"accented": [], "unaccented": []}
    for text in training_examples():
        groups["accented" if has_diacritics(text) else "unaccented"].append(text not in errors)
    for name, results in groups.items():
        print(f"{name:10}: {sum(results) / len(results):.3f} intent accuracy over {len(results)} examples")
    print("most frequent confusions (true -> predicted):")
    for pair, count in confusions(error_list):
        print(f"  {count:3}  {pair}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "var/nlu-eval"))
