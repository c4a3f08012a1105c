"""One stack for the fault tests: our database and Rasa's tracker store on PostgreSQL, the lock
store and connector state in Redis behind a proxy the tests can cut, Telegram against a fake."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dichvucong.db.admin import create_database, drop_database, unique_name
from dichvucong.db.admin import database_url as pg_database_url
from dichvucong.db.migrate import upgrade
from dichvucong.db.session import get_engine
from dichvucong.devstack import StackConfig, free_port, running_stack
from dichvucong.seed import seed_demo_data
from dichvucong.widget.token import TokenSigner
from tests.connectors import conftest as channel_settings
from tests.connectors.fakes import FakeTelegram
from tests.faults.proxy import CuttableProxy
from tests.stack import CHANNELS_OFF, REDIS_URL, require_postgres_and_redis


@dataclass
class FaultStack:
    config: StackConfig
    admin_url: str
    databases: tuple[str, str]  # ours, Rasa's tracker store
    redis_proxy: CuttableProxy
    telegram: FakeTelegram

    def web_token(self) -> str:
        return TokenSigner(self.config.widget_token_secret).issue()[0]

    def web_say(self, token: str, message: str) -> tuple[int, str]:
        """What a citizen's widget gets: (HTTP status, the text shown)."""
        response = httpx.post(
            f"http://127.0.0.1:{self.config.rasa_port}/webhooks/web/webhook",
            json={"message": message}, headers={"Authorization": f"Bearer {token}"}, timeout=90,
        )
        body = response.json()
        shown = "\n".join(m.get("text", "") for m in body) if isinstance(body, list) else str(body.get("message"))
        return response.status_code, shown

    def drop_postgres_connections(self) -> int:
        """Terminate every server connection to this stack's two databases (a PostgreSQL restart, as clients see it)."""
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                return len(connection.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = ANY(:names) AND pid <> pg_backend_pid()"),
                    {"names": list(self.databases)},
                ).all())
        finally:
            engine.dispose()


@pytest.fixture(scope="package")
def fault_stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    admin_url = require_postgres_and_redis()
    app_db, tracker_db = unique_name("dvc_fault"), unique_name("dvc_fault_rasa")
    database_url = create_database(admin_url, app_db)
    create_database(admin_url, tracker_db)
    upgrade(database_url)
    seed_demo_data(database_url)
    real_redis = make_url(REDIS_URL.replace("redis://", "redis+x://"))
    proxy = CuttableProxy((real_redis.host or "127.0.0.1", real_redis.port or 6379))
    telegram = FakeTelegram(channel_settings.TELEGRAM_TOKEN).start()
    workdir = tmp_path_factory.mktemp("faults")
    prefix = f"dvc-fault-{uuid.uuid4().hex[:8]}:"
    config = StackConfig(
        model=trained_model, rasa_port=free_port(), action_port=free_port(), console_port=free_port(),
        database_url=database_url, tracker_db=workdir / "unused.db", log_dir=workdir / "log",
        extra_env={
            **CHANNELS_OFF,
            "TRACKER_STORE_URL": pg_database_url(admin_url, tracker_db, drivername="postgresql"),
            "LOCK_STORE_TYPE": "stores.atomic_redis_lock_store.AtomicRedisLockStore",
            "LOCK_STORE_HOST": "127.0.0.1", "LOCK_STORE_PORT": str(proxy.port), "LOCK_STORE_DB": "4",
            "CONNECTOR_STATE_PREFIX": prefix,
            "TELEGRAM_BOT_TOKEN": channel_settings.TELEGRAM_TOKEN, "TELEGRAM_WEBHOOK_SECRET": channel_settings.TELEGRAM_SECRET,
            "TELEGRAM_API_BASE_URL": telegram.url, "TELEGRAM_MODE": "webhook",
            "WORKER_RETENTION_SECONDS": "0",
        },
    )
    try:
        with running_stack(config, startup_timeout=300):
            yield FaultStack(config, admin_url, (app_db, tracker_db), proxy, telegram)
    finally:
        proxy.stop()
        telegram.stop()
        get_engine(database_url).dispose()
        shutil.rmtree(config.log_dir, ignore_errors=True) if not os.environ.get("KEEP_STACK_LOGS") else None
        client = redis.Redis(host=real_redis.host or "127.0.0.1", port=real_redis.port or 6379, db=4)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        for name in (app_db, tracker_db):
            drop_database(admin_url, name)
