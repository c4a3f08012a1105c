"""The domain's intents (what a reviewer may choose as the correct one) and the NLU examples
already in the training data (so an export never repeats them).

Both are read from ``rasa_project/``. Where it is not shipped (the app image has no Rasa
project), the intents the summary has seen stand in and no example counts as known.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from dichvucong.config import PROJECT_ROOT
from dichvucong.text.normalize import collapse_spaces

RASA_DIR = PROJECT_ROOT / "rasa_project"
DOMAIN_FILE = RASA_DIR / "domain.yml"
NLU_DIR = RASA_DIR / "data" / "nlu"


@lru_cache(maxsize=4)
def domain_intents(domain_file: Path = DOMAIN_FILE) -> tuple[str, ...]:
    """Intents declared in ``domain.yml``, in their order there (empty without the file)."""
    if not domain_file.is_file():
        return ()
    data = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    names = []
    for item in data.get("intents") or []:
        name = next(iter(item)) if isinstance(item, dict) else item
        if isinstance(name, str):
            names.append(name)
    return tuple(names)


def known_intents(session: Session) -> tuple[str, ...]:
    """The domain's intents, else the ones NLU has predicted so far (``nlu_fallback`` aside)."""
    from dichvucong.db.models import ReviewMessage

    declared = domain_intents()
    if declared:
        return declared
    seen = session.scalars(select(ReviewMessage.intent).where(ReviewMessage.intent.is_not(None)).distinct())
    return tuple(sorted(i for i in seen if i and i != "nlu_fallback"))


def example_key(text: str) -> str:
    """Two examples are the same when they differ only in case and spacing."""
    return collapse_spaces(text).casefold()


def training_examples(nlu_dir: Path = NLU_DIR) -> dict[str, str]:
    """Example key → intent for every example in ``rasa_project/data/nlu``."""
    known: dict[str, str] = {}
    if not nlu_dir.is_dir():
        return known
    for path in sorted(nlu_dir.rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            if not isinstance(item, dict) or "intent" not in item:
                continue
            for line in str(item.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    known.setdefault(example_key(line[2:]), str(item["intent"]))
    return known
