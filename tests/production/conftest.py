"""The production topology on this machine's real PostgreSQL and Redis.

Two Rasa servers share a PostgreSQL tracker store, a Redis lock store and the connectors'
state in Redis (their Telegram and Zalo channels talk to fakes on 127.0.0.1); our database
is PostgreSQL too. Needs TEST_DATABASE_URL (an admin URL; .ci/run sets it when PostgreSQL
answers) and Redis at TEST_REDIS_URL (default redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from sqlalchemy.engine import make_url

from dichvucong.db.admin import create_database, drop_database, unique_name
from dichvucong.db.admin import database_url as pg_database_url
from dichvucong.db.migrate import upgrade
from dichvucong.db.session import get_engine
from dichvucong.devstack import StackConfig, running_stack
from dichvucong.seed import seed_demo_data
from tests.connectors import conftest as channel_settings
from tests.connectors.fakes import FakeTelegram, FakeZaloApi, FakeZaloOAuth
from tests.stack import REDIS_URL, free_port, require_postgres_and_redis


@dataclass
class Messengers:
    """The fake messenger APIs both Rasa servers of the production stack talk to."""

    telegram: FakeTelegram
    zalo: FakeZaloApi
    oauth: FakeZaloOAuth
    token_file: Path

    def env(self) -> dict[str, str]:
        c = channel_settings
        return {
            "TELEGRAM_BOT_TOKEN": c.TELEGRAM_TOKEN, "TELEGRAM_WEBHOOK_SECRET": c.TELEGRAM_SECRET,
            "TELEGRAM_API_BASE_URL": self.telegram.url, "TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_URL": "",
            "ZALO_APP_ID": c.ZALO_APP_ID, "ZALO_OA_SECRET_KEY": c.ZALO_OA_SECRET, "ZALO_ACCESS_TOKEN": c.ZALO_ACCESS_TOKEN,
            "ZALO_REFRESH_TOKEN": c.ZALO_REFRESH_TOKEN, "ZALO_APP_SECRET": c.ZALO_APP_SECRET,
            "ZALO_API_BASE_URL": self.zalo.url, "ZALO_OAUTH_BASE_URL": self.oauth.url, "ZALO_TOKEN_FILE": str(self.token_file),
            # this run's own keys in the shared Redis (the tokens would outlive the run otherwise)
            "CONNECTOR_STATE_PREFIX": f"dvc-test-{uuid.uuid4().hex[:8]}:",
        }


@pytest.fixture(scope="session")
def messengers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Messengers]:
    c = channel_settings
    telegram = FakeTelegram(c.TELEGRAM_TOKEN).start()
    zalo = FakeZaloApi(c.ZALO_ACCESS_TOKEN).start()
    oauth = FakeZaloOAuth(c.ZALO_APP_ID, c.ZALO_APP_SECRET, c.ZALO_REFRESH_TOKEN, zalo).start()
    try:
        yield Messengers(telegram, zalo, oauth, tmp_path_factory.mktemp("zalo") / "tokens.json")
    finally:
        for server in (telegram, zalo, oauth):
            server.stop()


@pytest.fixture(scope="session")
def production_stack(
    trained_model: Path, tmp_path_factory: pytest.TempPathFactory, messengers: Messengers
) -> Iterator[StackConfig]:
    """Actions + console + TWO Rasa servers on PostgreSQL (ours and the tracker store) and Redis."""
    admin_url = require_postgres_and_redis()
    app_db, tracker_db = unique_name("dvc_prod"), unique_name("dvc_rasa")
    database_url = create_database(admin_url, app_db)
    create_database(admin_url, tracker_db)
    tracker_url = pg_database_url(admin_url, tracker_db, drivername="postgresql")  # Rasa's psycopg2
    redis_url = make_url(REDIS_URL.replace("redis://", "redis+x://"))  # parse host/port/db with SQLAlchemy's URL
    upgrade(database_url)
    seed_demo_data(database_url)
    workdir = tmp_path_factory.mktemp("production")
    config = StackConfig(
        model=trained_model,
        rasa_port=free_port(),
        extra_rasa_ports=(free_port(),),
        action_port=free_port(),
        console_port=free_port(),
        database_url=database_url,
        tracker_db=workdir / "unused.db",
        log_dir=workdir / "log",
        extra_env={
            "TRACKER_STORE_URL": tracker_url,
            "LOCK_STORE_TYPE": "stores.atomic_redis_lock_store.AtomicRedisLockStore",
            "LOCK_STORE_HOST": redis_url.host or "127.0.0.1",
            "LOCK_STORE_PORT": str(redis_url.port or 6379),
            "LOCK_STORE_DB": "3",
            **messengers.env(),
        },
    )
    try:
        with running_stack(config, startup_timeout=300):
            config.extra_env["TRACKER_STORE_URL"] = tracker_url
            yield config
    finally:
        get_engine(database_url).dispose()
        shutil.rmtree(config.log_dir, ignore_errors=True) if not os.environ.get("KEEP_STACK_LOGS") else None
        prefix = config.extra_env["CONNECTOR_STATE_PREFIX"]
        client = redis.Redis(host=redis_url.host or "127.0.0.1", port=redis_url.port or 6379, db=3)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        for name in (app_db, tracker_db):
            drop_database(admin_url, name)
