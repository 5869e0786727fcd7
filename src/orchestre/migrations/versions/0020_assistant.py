"""assistant: each workspace's provider, the call log, posts' links to calls

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-26 23:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orchestre.kit.db

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, orchestre.kit.db.UTCDateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "assistant_providers",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("key_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("timeout_seconds", sa.Double(), nullable=False),
        sa.Column("temperature", sa.Double(), nullable=True),
        sa.Column("accepts_images", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_assistant_providers_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_assistant_providers_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistant_providers")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_assistant_providers_workspace_id")),
    )
    op.create_table(
        "assistant_calls",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("feature", sa.String(length=80), nullable=False),
        sa.Column("prompt_id", sa.String(length=120), nullable=False),
        sa.Column("source", sa.String(length=240), nullable=False),
        sa.Column("provider", sa.String(length=500), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("fell_back", sa.String(length=500), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("tokens_estimated", sa.Boolean(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("request_text", sa.Text(), nullable=False),
        sa.Column("response_text", sa.Text(), nullable=False),
        _when("created_at"),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_assistant_calls_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_assistant_calls_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistant_calls")),
    )
    with op.batch_alter_table("assistant_calls", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assistant_calls_workspace_created", ["workspace_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assistant_calls_user_id"), ["user_id"], unique=False)
    op.create_table(
        "post_assistant_calls",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        _when("created_at"),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["assistant_calls.id"],
            name=op.f("fk_post_assistant_calls_call_id_assistant_calls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_post_assistant_calls_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_post_assistant_calls_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_assistant_calls")),
    )
    with op.batch_alter_table("post_assistant_calls", schema=None) as batch_op:
        for column in ("workspace_id", "post_id", "call_id"):
            batch_op.create_index(
                batch_op.f(f"ix_post_assistant_calls_{column}"), [column], unique=False
            )


def downgrade() -> None:
    op.drop_table("post_assistant_calls")
    op.drop_table("assistant_calls")
    op.drop_table("assistant_providers")
