"""listening: topic clusters cached per workspace and period, weekly digests and their settings

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-27 03:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orchestre.kit.db

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("listening_digests", "listening_digest_settings", "listening_topic_snapshots")


def _at(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, orchestre.kit.db.UTCDateTime(timezone=True), nullable=nullable)


def _workspace(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id"],
        ["workspaces.id"],
        name=op.f(f"fk_{table}_workspace_id_workspaces"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "listening_topic_snapshots",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        _at("period_start"),
        _at("period_end"),
        _at("computed_at"),
        _at("requested_at"),
        _at("claimed_until"),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("previous_volume", sa.Integer(), nullable=False),
        sa.Column("embedded", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        _workspace("listening_topic_snapshots"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listening_topic_snapshots")),
        sa.UniqueConstraint(
            "workspace_id", "days", name=op.f("uq_listening_topic_snapshots_workspace_id")
        ),
    )
    op.create_index(
        op.f("ix_listening_topic_snapshots_workspace_id"),
        "listening_topic_snapshots",
        ["workspace_id"],
        unique=False,
    )
    op.create_table(
        "listening_digest_settings",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        _at("updated_at", nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        _workspace("listening_digest_settings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listening_digest_settings")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_listening_digest_settings_workspace_id")),
    )
    op.create_table(
        "listening_digests",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        _at("period_start", nullable=False),
        _at("period_end", nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("recommendations", sa.JSON(), nullable=False),
        _at("created_at", nullable=False),
        sa.Column("notified", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        _at("emailed_at"),
        sa.Column("emailed", sa.Integer(), nullable=False),
        _at("email_claimed_until"),
        sa.Column("email_error", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        _workspace("listening_digests"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listening_digests")),
        sa.UniqueConstraint(
            "workspace_id", "week_start", name=op.f("uq_listening_digests_workspace_id")
        ),
    )
    op.create_index(
        op.f("ix_listening_digests_workspace_id"),
        "listening_digests",
        ["workspace_id"],
        unique=False,
    )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
