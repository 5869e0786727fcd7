"""assistant content plans and their items

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-26 23:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orchestre.kit.db

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = orchestre.kit.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "assistant_plans",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTC, nullable=False),
        sa.Column("ends_at", UTC, nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("shares", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("prompt_id", sa.String(length=120), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=True),
        sa.Column("fell_back", sa.Text(), nullable=True),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_assistant_plans_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_assistant_plans_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistant_plans")),
    )
    with op.batch_alter_table("assistant_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assistant_plans_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "assistant_plan_items",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column("pillar_id", sa.Uuid(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("slot_at", UTC, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("prompt_id", sa.String(length=120), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=True),
        sa.Column("fell_back", sa.Text(), nullable=True),
        sa.Column("post_id", sa.Uuid(), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_assistant_plan_items_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_assistant_plan_items_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pillar_id"],
            ["content_pillars.id"],
            name=op.f("fk_assistant_plan_items_pillar_id_content_pillars"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["assistant_plans.id"],
            name=op.f("fk_assistant_plan_items_plan_id_assistant_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_assistant_plan_items_post_id_posts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_assistant_plan_items_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistant_plan_items")),
    )
    with op.batch_alter_table("assistant_plan_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assistant_plan_items_channel_id"), ["channel_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assistant_plan_items_plan_id"), ["plan_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assistant_plan_items_workspace_id"), ["workspace_id"], unique=False
        )
        batch_op.create_index(
            "ix_assistant_plan_items_workspace_slot", ["workspace_id", "slot_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("assistant_plan_items", schema=None) as batch_op:
        batch_op.drop_index("ix_assistant_plan_items_workspace_slot")
        batch_op.drop_index(batch_op.f("ix_assistant_plan_items_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_assistant_plan_items_plan_id"))
        batch_op.drop_index(batch_op.f("ix_assistant_plan_items_channel_id"))
    op.drop_table("assistant_plan_items")
    with op.batch_alter_table("assistant_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assistant_plans_workspace_id"))
    op.drop_table("assistant_plans")
