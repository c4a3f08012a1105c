"""The production topology on this machine's real PostgreSQL and Redis.

Two Rasa servers share a PostgreSQL tracker store and a Redis lock store; our database is
PostgreSQL too. Needs TEST_DATABASE_URL (an admin URL; .ci/run sets it when PostgreSQL
answers) and Redis at TEST_REDIS_URL (default redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
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
from tests.stack import free_port

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _require_services() -> str:
    admin_url = os.environ.get("TEST_DATABASE_URL", "")
    if not admin_url.startswith("postgresql"):
        pytest.skip("needs TEST_DATABASE_URL pointing at PostgreSQL (.ci/run sets it when PostgreSQL answers)")
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError:
        pytest.skip(f"needs Redis at {REDIS_URL}")
    return admin_url


@pytest.fixture(scope="session")
def production_stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackConfig]:
    """Actions + console + TWO Rasa servers on PostgreSQL (ours and the tracker store) and Redis."""
    admin_url = _require_services()
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
        },
    )
    try:
        with running_stack(config, startup_timeout=300):
            config.extra_env["TRACKER_STORE_URL"] = tracker_url
            yield config
    finally:
        get_engine(database_url).dispose()
        shutil.rmtree(config.log_dir, ignore_errors=True)
        for name in (app_db, tracker_db):
            drop_database(admin_url, name)
