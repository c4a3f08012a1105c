"""The long-polling runner (``python -m connectors.telegram_polling``) against the fake Bot API."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dichvucong.devstack import RASA_BIN
from tests.connectors.conftest import TELEGRAM_SECRET, TELEGRAM_TOKEN, ChannelStack, telegram_update
from tests.connectors.fakes import FakeTelegram

pytestmark = pytest.mark.e2e

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def poller_env(channels: ChannelStack, **overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(PROJECT_ROOT),
        TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN,
        TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET,
        TELEGRAM_API_BASE_URL=channels.telegram.url,
        TELEGRAM_MODE="polling",
        RASA_URL=channels.base,
    )
    env.update(overrides)
    return env


@pytest.fixture
def poller(channels: ChannelStack, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    log = (tmp_path / "poller.log").open("wb")
    process = subprocess.Popen(
        [str(RASA_BIN / "python"), "-m", "connectors.telegram_polling", "--poll-timeout", "1"],
        cwd=PROJECT_ROOT,
        env=poller_env(channels),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        log.close()


def test_the_poller_forwards_an_update_and_the_reply_reaches_the_chat(
    channels: ChannelStack, poller: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    update, chat_id = telegram_update("telegram_text")
    channels.telegram.queue_update(update)
    sent = channels.telegram.wait_for(FakeTelegram.messages_to(chat_id), timeout=60)
    log = (tmp_path / "poller.log").read_text()
    assert "70.000" in "\n".join(call.body["text"] for call in sent), log
    assert channels.telegram.matching(lambda c: c.method == "deleteWebhook"), "getUpdates needs the webhook removed"
    user_events = [e for e in channels.tracker_events(f"telegram:{chat_id}") if e["event"] == "user"]
    assert [e["input_channel"] for e in user_events] == ["telegram"], "one code path with the webhook"
    poller.send_signal(signal.SIGINT)
    assert poller.wait(timeout=20) == 0, (tmp_path / "poller.log").read_text()
    assert "bot" + TELEGRAM_TOKEN not in (tmp_path / "poller.log").read_text(), "the token never reaches the log"


def test_the_poller_refuses_to_start_without_a_secret(channels: ChannelStack) -> None:
    result = subprocess.run(
        [str(RASA_BIN / "python"), "-m", "connectors.telegram_polling"],
        cwd=PROJECT_ROOT,
        env=poller_env(channels, TELEGRAM_WEBHOOK_SECRET=""),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "TELEGRAM_WEBHOOK_SECRET" in result.stderr
