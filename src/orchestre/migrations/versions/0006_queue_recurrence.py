"""posting slots per channel, variant repeats (RRULE recurrences, evergreen recycling)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 12:21:36.590743
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orchestre.kit.db


revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "posting_slots",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("minute", sa.SmallInteger(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_posting_slots_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_posting_slots_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posting_slots")),
        sa.UniqueConstraint(
            "channel_id", "weekday", "minute", name=op.f("uq_posting_slots_channel_id")
        ),
    )
    with op.batch_alter_table("posting_slots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_posting_slots_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "variant_repeats",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("variant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=500), nullable=False),
        sa.Column("start_local", sa.String(length=16), nullable=False),
        sa.Column("min_gap_days", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("finished_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_variant_repeats_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["post_variants.id"],
            name=op.f("fk_variant_repeats_variant_id_post_variants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_variant_repeats_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_variant_repeats")),
        sa.UniqueConstraint("variant_id", name=op.f("uq_variant_repeats_variant_id")),
    )
    with op.batch_alter_table("variant_repeats", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_variant_repeats_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("variant_repeats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_variant_repeats_workspace_id"))
    op.drop_table("variant_repeats")
    with op.batch_alter_table("posting_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_posting_slots_workspace_id"))
    op.drop_table("posting_slots")
