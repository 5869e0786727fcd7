"""listening feeds: RSS and Atom feeds a workspace follows, and the entries already seen

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-27 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orchestre.kit.db

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = orchestre.kit.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "listening_feeds",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("matched_queries", sa.String(length=64), nullable=True),
        sa.Column("next_read_at", _UTC, nullable=False),
        sa.Column("last_read_at", _UTC, nullable=True),
        sa.Column("entries_seen", sa.Integer(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=40), nullable=True),
        sa.Column("last_error_detail", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("updated_at", _UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_listening_feeds_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_listening_feeds_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listening_feeds")),
        sa.UniqueConstraint("workspace_id", "url", name=op.f("uq_listening_feeds_workspace_id")),
    )
    with op.batch_alter_table("listening_feeds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_listening_feeds_next_read_at"), ["next_read_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_listening_feeds_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "listening_feed_entries",
        sa.Column("feed_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("first_seen_at", _UTC, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["listening_feeds.id"],
            name=op.f("fk_listening_feed_entries_feed_id_listening_feeds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listening_feed_entries")),
        sa.UniqueConstraint("feed_id", "key", name=op.f("uq_listening_feed_entries_feed_id")),
    )
    with op.batch_alter_table("listening_feed_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_listening_feed_entries_feed_id"), ["feed_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("listening_feed_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listening_feed_entries_feed_id"))
    op.drop_table("listening_feed_entries")
    with op.batch_alter_table("listening_feeds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listening_feeds_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_listening_feeds_next_read_at"))
    op.drop_table("listening_feeds")
