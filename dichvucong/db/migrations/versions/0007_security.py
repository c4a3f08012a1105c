"""security: per-code lookup budgets, console sign-in throttle, security audit

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lookup_code_budgets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.Column("total_failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lookup_code_budgets")),
        sa.UniqueConstraint("code", name=op.f("uq_lookup_code_budgets_code")),
    )
    with op.batch_alter_table("lookup_code_budgets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lookup_code_budgets_last_failure_at"), ["last_failure_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_lookup_code_budgets_locked_at"), ["locked_at"], unique=False)

    op.create_table(
        "security_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_audit")),
    )
    with op.batch_alter_table("security_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_security_audit_created_at"), ["created_at"], unique=False)

    op.create_table(
        "console_login_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_login_throttle")),
        sa.UniqueConstraint("key", name=op.f("uq_console_login_throttle_key")),
    )
    with op.batch_alter_table("console_login_throttle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_login_throttle_last_failure_at"), ["last_failure_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("console_login_throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_login_throttle_last_failure_at"))
    op.drop_table("console_login_throttle")
    with op.batch_alter_table("security_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_security_audit_created_at"))
    op.drop_table("security_audit")
    with op.batch_alter_table("lookup_code_budgets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lookup_code_budgets_locked_at"))
        batch_op.drop_index(batch_op.f("ix_lookup_code_budgets_last_failure_at"))
    op.drop_table("lookup_code_budgets")
