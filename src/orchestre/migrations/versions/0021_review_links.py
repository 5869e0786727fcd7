"""review links: signed, expiring links for reviewers without an account

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-26 23:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orchestre.kit.db

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = orchestre.kit.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "review_links",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("reviewer_name", sa.String(length=120), nullable=False),
        sa.Column("reviewer_email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("allow_decisions", sa.Boolean(), nullable=False),
        sa.Column("step_id", sa.Uuid(), nullable=True),
        sa.Column("step_name", sa.String(length=120), nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.Column("revoked_by", sa.Uuid(), nullable=True),
        sa.Column("last_opened_at", UTC, nullable=True),
        sa.Column("open_count", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_review_links_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"],
            ["users.id"],
            name=op.f("fk_review_links_revoked_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["approval_steps.id"],
            name=op.f("fk_review_links_step_id_approval_steps"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_review_links_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_review_links_token_hash")),
    )
    with op.batch_alter_table("review_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_links_workspace_id"), ["workspace_id"], unique=False
        )
    op.create_table(
        "review_link_posts",
        sa.Column("link_id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["review_links.id"],
            name=op.f("fk_review_link_posts_link_id_review_links"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_review_link_posts_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("link_id", "post_id", name=op.f("pk_review_link_posts")),
    )
    with op.batch_alter_table("review_link_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_link_posts_post_id"), ["post_id"], unique=False)
    with op.batch_alter_table("approval_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_link_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("reviewer_name", sa.String(length=120), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("reviewer_email", sa.String(length=254), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("advisory", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("post_comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_link_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("author_label", sa.String(length=160), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("post_comments", schema=None) as batch_op:
        batch_op.drop_column("author_label")
        batch_op.drop_column("review_link_id")
    with op.batch_alter_table("approval_decisions", schema=None) as batch_op:
        batch_op.drop_column("advisory")
        batch_op.drop_column("reviewer_email")
        batch_op.drop_column("reviewer_name")
        batch_op.drop_column("review_link_id")
    with op.batch_alter_table("review_link_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_link_posts_post_id"))
    op.drop_table("review_link_posts")
    with op.batch_alter_table("review_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_links_workspace_id"))
    op.drop_table("review_links")
