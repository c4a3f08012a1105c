"""Telegram long polling, for an office whose Rasa server has no public HTTPS address.

Usage (Rasa environment; the Rasa server must be running with the same TELEGRAM_* settings)::

    export TELEGRAM_BOT_TOKEN=123456:ABC...        # from @BotFather
    export TELEGRAM_WEBHOOK_SECRET=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
    export TELEGRAM_MODE=polling                   # the Rasa server then registers no webhook
    make telegram-poller                           # or: PYTHONPATH=. .venv-rasa/bin/python -m connectors.telegram_polling

Options: ``--rasa-url`` (default ``$RASA_URL`` or http://127.0.0.1:5005), ``--log-level``.

The poller asks Telegram for updates (``getUpdates``, which first removes any webhook) and
posts each one, unchanged, to the Rasa server's own Telegram route
``{RASA_URL}/webhooks/telegram/webhook`` with the ``X-Telegram-Bot-Api-Secret-Token``
header. The Rasa server then handles it exactly as a webhook delivery: same parsing, same
replies through the Bot API, ``input_channel`` recorded as "telegram". Updates are forwarded
one at a time, in order; a forward that fails is retried a few times, then logged and
dropped. Stop it with Ctrl-C (SIGINT) or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from typing import Any

import httpx
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from connectors.telegram import ALLOWED_UPDATES, SECRET_HEADER, TelegramSettings

logger = logging.getLogger("connectors.telegram_polling")
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)  # seconds before each new try of one forward


class Forwarder:
    """Posts updates to the Rasa server's Telegram route, retrying while Rasa is unreachable."""

    def __init__(self, rasa_url: str, secret: str, retry_delays: tuple[float, ...] = RETRY_DELAYS) -> None:
        self.url = f"{rasa_url.rstrip('/')}/webhooks/telegram/webhook"
        self.secret = secret
        self.retry_delays = retry_delays
        # Rasa answers after its replies are sent (a custom action can take seconds).
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(90.0, connect=5.0))

    async def forward(self, update: dict[str, Any]) -> bool:
        """True once Rasa took the update; False after the last failed try."""
        update_id = update.get("update_id")
        for attempt, delay in enumerate((0.0, *self.retry_delays)):
            if delay:
                await asyncio.sleep(delay)
            try:
                reply = await self.http.post(self.url, json=update, headers={SECRET_HEADER: self.secret})
            except httpx.HTTPError as exc:
                logger.warning("Update %s: Rasa unreachable at %s (%s), try %d", update_id, self.url, type(exc).__name__, attempt + 1)
                continue
            if reply.status_code == 200:
                return True
            if reply.status_code == 403:
                logger.error("Update %s refused: TELEGRAM_WEBHOOK_SECRET differs from the Rasa server's", update_id)
                return False
            logger.warning("Update %s: Rasa answered %s, try %d", update_id, reply.status_code, attempt + 1)
        logger.error("Update %s dropped after %d tries", update_id, len(self.retry_delays) + 1)
        return False

    async def check(self) -> None:
        """Warn early when the Rasa server's Telegram channel is off or unreachable."""
        try:
            status = (await self.http.get(self.url.removesuffix("webhook"))).json()
        except (httpx.HTTPError, ValueError):
            logger.warning("Rasa server not reachable yet at %s; updates will be retried", self.url)
            return
        if not status.get("configured"):
            logger.error("The Rasa server's Telegram channel is off: give it the same TELEGRAM_* settings")

    async def close(self) -> None:
        await self.http.aclose()


async def forward_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every update goes to the Rasa server as it came."""
    forwarder: Forwarder = context.bot_data["forwarder"]
    await forwarder.forward(update.to_dict())


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log what went wrong; polling goes on."""
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("Error while handling update %s", update_id, exc_info=context.error)


def build_application(settings: TelegramSettings, rasa_url: str) -> Application:
    """A PTB application whose only handler forwards updates to ``rasa_url``."""
    forwarder = Forwarder(rasa_url, settings.webhook_secret)

    async def post_init(application: Application) -> None:
        application.bot_data["forwarder"] = forwarder
        await forwarder.check()
        logger.info("Polling Telegram for @%s, forwarding to %s", application.bot.username, forwarder.url)

    async def post_shutdown(_application: Application) -> None:
        await forwarder.close()

    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(f"{settings.api_base_url}/bot")
        .base_file_url(f"{settings.api_base_url}/file/bot")
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.add_handler(TypeHandler(Update, forward_update))
    application.add_error_handler(on_error)
    return application


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Forward Telegram updates (long polling) to the Rasa server.")
    parser.add_argument("--rasa-url", default=os.environ.get("RASA_URL") or DEFAULT_RASA_URL)
    parser.add_argument("--log-level", default=os.environ.get("LOG_LEVEL") or "INFO")
    parser.add_argument("--poll-timeout", type=float, default=10.0, help="seconds one getUpdates call waits")
    args = parser.parse_args(argv)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=args.log_level.upper())
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines show the bot token

    settings = TelegramSettings.load()
    if not settings.configured:
        print("Không chạy được: " + "; ".join(settings.problems()), file=sys.stderr)
        return 2
    application = build_application(settings, args.rasa_url)
    application.run_polling(allowed_updates=ALLOWED_UPDATES, timeout=args.poll_timeout, bootstrap_retries=-1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
