"""``make profile``: where the milliseconds of one answered message go (docs/performance.md).

Starts the stack on embedded defaults with a clock around each stage of Rasa and of the
action server (bench/stage_timer.py: only the listed functions are timed, so the figures
are those of a normal run), sends the benchmark questions one at a time, stops the stack
and prints the milliseconds per message of each stage. Nested stages are part of their
parent ("NLU: tokenizer" is inside "NLU: all components").

    python bench/profile_message.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rest_bench import assistant_stack, load_questions, sequential  # noqa: E402
from stage_timer import STAGES  # noqa: E402

import dichvucong.devstack as devstack  # noqa: E402

STAGE_TIMER = Path(__file__).resolve().parent / "stage_timer.py"


def report(timings: dict[str, Path], messages: int) -> None:
    """The stage table, in ms per message and calls per message."""
    print(f"\nMilliseconds per message, {messages} messages one at a time:\n")
    print("| process | stage | ms / message | calls / message |")
    print("|---|---|---|---|")
    for process, path in timings.items():
        totals = json.loads(path.read_text())["totals"] if path.exists() else {}
        for label, _module, _attribute in STAGES[process]:
            seconds, calls = totals.get(label, (0.0, 0))
            shown = f"{seconds * 1000 / messages:.2f}" if calls else "—"
            print(f"| {process} | {label} | {shown} | {calls / messages:.1f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    questions = load_questions()
    folder = Path(tempfile.mkdtemp(prefix="dvc-profile-"))
    timings = {"rasa": folder / "rasa.json", "actions": folder / "actions.json"}
    plain_services = devstack.services

    def timed_services(config: devstack.StackConfig) -> list[devstack.Service]:
        started = plain_services(config)
        for service in started:
            if service.name in timings:
                program, *rest = service.command
                if not Path(program).name.startswith("python"):  # a console script such as `rasa`
                    program, rest = str(Path(program).with_name("python")), [program, *rest]
                service.command = [program, str(STAGE_TIMER), service.name, str(timings[service.name]), *rest]
        return started

    devstack.services = timed_services
    try:
        with assistant_stack(1, None) as (urls, processes):
            asyncio.run(sequential(urls[0], questions[:5], "profile-warmup"))
            for name in timings:  # count from here: start-up and warm-up left out
                os.kill(processes[name], signal.SIGUSR1)
            asyncio.run(sequential(urls[0], questions, "profile"))
        report(timings, len(questions))
    finally:
        devstack.services = plain_services
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
