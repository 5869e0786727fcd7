"""contests and calls for contributions, their entries and the team's votes

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-26 23:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orchestre.kit.db

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ugc_contests",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("hashtag", sa.String(length=100), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("networks", sa.JSON(), nullable=False),
        sa.Column("opens_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rules_en", sa.Text(), nullable=False),
        sa.Column("rules_fr", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("public_enabled", sa.Boolean(), nullable=False),
        sa.Column("consent_en", sa.Text(), nullable=False),
        sa.Column("consent_fr", sa.Text(), nullable=False),
        sa.Column("consent_version", sa.Integer(), nullable=False),
        sa.Column("ip_salt", sa.String(length=64), nullable=False),
        sa.Column("listening_query_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("last_collected_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("announced_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("announcement_post_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_post_id"],
            ["posts.id"],
            name=op.f("fk_ugc_contests_announcement_post_id_posts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_ugc_contests_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["listening_query_id"],
            ["listening_queries.id"],
            name=op.f("fk_ugc_contests_listening_query_id_listening_queries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_ugc_contests_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ugc_contests")),
        sa.UniqueConstraint("slug", name=op.f("uq_ugc_contests_slug")),
    )
    with op.batch_alter_table("ugc_contests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ugc_contests_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "ugc_contest_entries",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("contest_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("network", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("author_handle", sa.String(length=200), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("author_email", sa.String(length=320), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("media_ids", sa.JSON(), nullable=False),
        sa.Column("permalink", sa.String(length=2000), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("submitted_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("collected_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("reviewed_by", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("shortlisted", sa.Boolean(), nullable=False),
        sa.Column("winner_rank", sa.Integer(), nullable=True),
        sa.Column("consent_version", sa.Integer(), nullable=True),
        sa.Column("consent_text", sa.Text(), nullable=True),
        sa.Column("consent_language", sa.String(length=8), nullable=True),
        sa.Column("consent_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consent_ip_hash", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["ugc_contests.id"],
            name=op.f("fk_ugc_contest_entries_contest_id_ugc_contests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"],
            ["users.id"],
            name=op.f("fk_ugc_contest_entries_reviewed_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_ugc_contest_entries_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ugc_contest_entries")),
        sa.UniqueConstraint(
            "contest_id", "network", "external_id", name="uq_ugc_contest_entries_contest_source"
        ),
    )
    with op.batch_alter_table("ugc_contest_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ugc_contest_entries_contest_submitted", ["contest_id", "submitted_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ugc_contest_entries_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "ugc_contest_votes",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("contest_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("voted_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["ugc_contests.id"],
            name=op.f("fk_ugc_contest_votes_contest_id_ugc_contests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ugc_contest_entries.id"],
            name=op.f("fk_ugc_contest_votes_entry_id_ugc_contest_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_ugc_contest_votes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_ugc_contest_votes_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ugc_contest_votes")),
        sa.UniqueConstraint("entry_id", "user_id", name=op.f("uq_ugc_contest_votes_entry_id")),
    )
    with op.batch_alter_table("ugc_contest_votes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ugc_contest_votes_contest_id"), ["contest_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ugc_contest_votes_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ugc_contest_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ugc_contest_votes_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_ugc_contest_votes_contest_id"))

    op.drop_table("ugc_contest_votes")
    with op.batch_alter_table("ugc_contest_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ugc_contest_entries_workspace_id"))
        batch_op.drop_index("ix_ugc_contest_entries_contest_submitted")

    op.drop_table("ugc_contest_entries")
    with op.batch_alter_table("ugc_contests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ugc_contests_workspace_id"))

    op.drop_table("ugc_contests")
