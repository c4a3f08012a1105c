"""worker: outbox states for at-most-once notifications, the background jobs' last runs

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = "state IN ('pending', 'claimed', 'sent', 'failed', 'uncertain', 'dropped')"


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", sa.String(length=12), server_default="pending", nullable=False))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), server_default="", nullable=False))
    op.execute("UPDATE notifications SET state = 'sent' WHERE sent_at IS NOT NULL")
    op.execute("UPDATE notifications SET state = 'failed' WHERE sent_at IS NULL AND attempts >= 5")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_check_constraint("state_known", STATES)
        batch_op.create_index("ix_notifications_state_next", ["state", "next_attempt_at"], unique=False)

    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("last_started_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("last_summary", sa.Text(), nullable=False),
        sa.Column("interval_seconds", sa.Float(), nullable=False),
        sa.Column("worker", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_runs")),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_state_next")
        batch_op.drop_constraint(batch_op.f("ck_notifications_state_known"), type_="check")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("state")
