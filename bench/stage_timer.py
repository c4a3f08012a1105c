"""Run Rasa or the action server with a clock around each stage of a message (make profile).

    python bench/stage_timer.py rasa OUT.json -m serving run ...
    python bench/stage_timer.py actions OUT.json -m actions.server --port 5055

Each stage listed below is wrapped (where the running code has it) so that its wall time and
number of calls are added up; at exit the totals are written to ``OUT.json``. Only these
few functions are timed, so the overhead is a few microseconds per message: unlike a
profiler, the figures are those of a normal run. Nested stages are included in their parent.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import inspect
import json
import runpy
import signal
import sys
import time
from collections import defaultdict
from typing import Any

# process → (stage label, module, attribute path); a stage missing in the code under test is skipped.
STAGES: dict[str, list[tuple[str, str, str]]] = {
    "rasa": [
        ("whole message (after the HTTP body is read)", "rasa.core.agent", "Agent.handle_message"),
        ("tracker store: load (and session check)", "rasa.core.processor", "MessageProcessor.fetch_tracker_and_update_session"),
        ("tracker store: save", "rasa.core.processor", "MessageProcessor.save_tracker"),
        ("NLU: all components", "rasa.core.processor", "MessageProcessor.parse_message"),
        ("NLU: tokenizer (underthesea)", "components.vietnamese_tokenizer", "VietnameseTokenizer.process"),
        ("NLU: regex featurizer", "rasa.nlu.featurizers.sparse_featurizer.regex_featurizer", "RegexFeaturizer.process"),
        ("NLU: count-vector featurizers (2)", "rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer", "CountVectorsFeaturizer.process"),
        ("NLU: intent classifier", "components.logistic_regression_intent", "LogisticRegressionIntentClassifier.process"),
        ("NLU: fallback classifier", "rasa.nlu.classifiers.fallback_classifier", "FallbackClassifier.process"),
        ("policies: all predictions", "rasa.core.processor", "MessageProcessor._predict_next_with_tracker"),
        ("policies: RulePolicy", "rasa.core.policies.rule_policy", "RulePolicy.predict_action_probabilities"),
        ("policies: MemoizationPolicy", "rasa.core.policies.memoization", "MemoizationPolicy.predict_action_probabilities"),
        ("action call: whole (waits for the action server)", "rasa.core.actions.action", "RemoteAction.run"),
        ("action call: request JSON", "rasa.core.actions.action", "RemoteAction._action_call_format"),
        ("action call: HTTP round trip", "rasa.utils.endpoints", "EndpointConfig.request"),
        ("action call: response check", "rasa.core.actions.action", "RemoteAction._validate_action_result"),
    ],
    "actions": [
        ("whole call", "actions.server", "ActionServer.webhook"),
        ("tracker from JSON (rasa-sdk)", "rasa_sdk.interfaces", "Tracker.from_dict"),
        ("answer a question", "dichvucong.assistant.service", "AssistantService.answer_question"),
        ("answer an unclear question", "dichvucong.assistant.service", "AssistantService.answer_unclear"),
        ("search: content check", "dichvucong.search.service", "SearchService.refresh"),
        ("search: index builds (in the background after an edit)", "dichvucong.search.service", "SearchService._build"),
        ("search: ranking", "dichvucong.search.index", "SearchIndex.search"),
        ("database: queries", "sqlalchemy.engine.base", "Connection._execute_context"),
        ("status lookup dialogue", "dichvucong.applications.dialogue", "StatusDialogue.prefill"),
    ],
}

totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])


def _timed(label: str, function: Any) -> Any:
    def add(started: float) -> None:
        entry = totals[label]
        entry[0] += time.perf_counter() - started
        entry[1] += 1

    if inspect.iscoroutinefunction(function):
        @functools.wraps(function)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                add(started)

        return async_wrapper

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            add(started)

    return wrapper


def install(process: str) -> list[str]:
    """Wrap every stage of ``process`` that exists here; returns the labels not found."""
    missing = []
    for label, module_name, path in STAGES[process]:
        try:
            owner: Any = importlib.import_module(module_name)
            *parents, attribute = path.split(".")
            for parent in parents:
                owner = getattr(owner, parent)
            raw = inspect.getattr_static(owner, attribute)
        except (ImportError, AttributeError):
            missing.append(label)
            continue
        if isinstance(raw, staticmethod):
            setattr(owner, attribute, staticmethod(_timed(label, raw.__func__)))
        elif isinstance(raw, classmethod):
            setattr(owner, attribute, classmethod(_timed(label, raw.__func__)))
        else:
            setattr(owner, attribute, _timed(label, raw))
    return missing


def main() -> None:
    process, output, *command = sys.argv[1:]
    if process == "rasa":  # Rasa's own fixes first, as `python -m serving` does
        try:
            from serving import apply_fixes

            apply_fixes()
        except ImportError:
            pass
    missing = install(process)

    def dump() -> None:
        with open(output, "w", encoding="utf-8") as file:
            json.dump({"totals": dict(totals), "missing": missing}, file, ensure_ascii=False)

    atexit.register(dump)
    # SIGUSR1 starts the count afresh (after a warm-up, so start-up work is left out).
    signal.signal(signal.SIGUSR1, lambda _signum, _frame: totals.clear())
    if command[0] == "-m":
        # Call the module's main() on the imported (and patched) module: runpy would run a
        # second, unpatched copy of it as __main__.
        module, *arguments = command[1:]
        sys.argv = [module, *arguments]
        if process == "rasa" and module == "serving":
            module = "rasa"  # the fixes are installed above; run Rasa's CLI
        loaded = importlib.import_module(module)
        if not hasattr(loaded, "main"):
            loaded = importlib.import_module(f"{module}.__main__")
        loaded.main()
    else:
        script, *arguments = command
        sys.argv = [script, *arguments]
        runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
