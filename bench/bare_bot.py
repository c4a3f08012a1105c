"""A bare ``rasa init`` bot, made once and cached, for ``make bench`` to compare against.

The bot is Rasa's own starter project (default config, in-memory tracker store, no custom
actions), created with our Rasa environment by ``rasa init --no-prompt`` (which also trains
it) under ``var/bench/``. It is rebuilt only when the Rasa version changes.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from dichvucong.devstack import PROJECT_ROOT, RASA_BIN, free_port

CACHE_ROOT = PROJECT_ROOT / "var" / "bench"


def rasa_version() -> str:
    """The Rasa version of our Rasa environment (part of the cache key)."""
    result = subprocess.run(
        [str(RASA_BIN / "python"), "-c", "import rasa; print(rasa.__version__)"],
        capture_output=True, text=True, check=True,
    )
    return result.stdout.strip()


def ensure_bare_bot(cache_root: Path = CACHE_ROOT) -> Path:
    """The folder of the trained starter bot, created (and trained) on first use."""
    folder = cache_root / f"bare-rasa-{rasa_version()}"
    if any((folder / "models").glob("*.tar.gz")):
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"Creating the bare `rasa init` bot in {folder} (once; it is cached)…", flush=True)
    subprocess.run(
        [str(RASA_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(folder)],
        cwd=folder, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    if not any((folder / "models").glob("*.tar.gz")):
        raise RuntimeError(f"`rasa init` made no model in {folder}")
    return folder


@contextmanager
def running_bare_bot(folder: Path, startup_timeout: float = 240) -> Iterator[tuple[str, int]]:
    """Serve the starter bot (REST channel, in-memory tracker store) on a free port.

    Yields its base URL and process id; stops it on exit."""
    port = free_port()
    log = (folder / "server.log").open("ab")
    process = subprocess.Popen(
        [str(RASA_BIN / "rasa"), "run", "--port", str(port), "--model", "models", "--credentials", "credentials.yml"],
        cwd=folder, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the bare bot exited with code {process.returncode} (see {folder / 'server.log'})")
            try:
                if httpx.get(f"{url}/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("the bare bot did not start")
            time.sleep(0.5)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
