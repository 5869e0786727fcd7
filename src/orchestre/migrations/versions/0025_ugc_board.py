"""ugc: the board's items, rights requests with their proof, templates, posts made from items

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-26 23:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orchestre.kit.db

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("ugc_rights_requests", "ugc_post_links", "ugc_items", "ugc_rights_templates")


def upgrade() -> None:
    op.create_table(
        "ugc_rights_templates",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("grant_keywords", sa.JSON(), nullable=False),
        sa.Column("refuse_keywords", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_ugc_rights_templates_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ugc_rights_templates")),
        sa.UniqueConstraint(
            "workspace_id", "language", "name", name=op.f("uq_ugc_rights_templates_workspace_id")
        ),
    )
    op.create_index(
        op.f("ix_ugc_rights_templates_workspace_id"),
        "ugc_rights_templates",
        ["workspace_id"],
        unique=False,
    )
    op.create_table(
        "ugc_items",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("source_kind", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("network", sa.String(length=40), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("author_external_id", sa.String(length=200), nullable=True),
        sa.Column("author_handle", sa.String(length=200), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("author_url", sa.String(length=2048), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("permalink", sa.String(length=2048), nullable=True),
        sa.Column("media_urls", sa.JSON(), nullable=False),
        sa.Column("media_ids", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("collected_by", sa.Uuid(), nullable=True),
        sa.Column("collected_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_ugc_items_channel_id_channels"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["collected_by"],
            ["users.id"],
            name=op.f("fk_ugc_items_collected_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_ugc_items_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ugc_items")),
        sa.UniqueConstraint("workspace_id", "source_kind", "source_id", name="uq_ugc_items_source"),
    )
    op.create_index(
        "ix_ugc_items_board", "ugc_items", ["workspace_id", "status", "collected_at"], unique=False
    )
    op.create_index(op.f("ix_ugc_items_workspace_id"), "ugc_items", ["workspace_id"], unique=False)
    op.create_table(
        "ugc_post_links",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["ugc_items.id"],
            name=op.f("fk_ugc_post_links_item_id_ugc_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_ugc_post_links_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_ugc_post_links_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ugc_post_links")),
        sa.UniqueConstraint("post_id", "item_id", name=op.f("uq_ugc_post_links_post_id")),
    )
    op.create_index(op.f("ix_ugc_post_links_item_id"), "ugc_post_links", ["item_id"], unique=False)
    op.create_index(op.f("ix_ugc_post_links_post_id"), "ugc_post_links", ["post_id"], unique=False)
    op.create_index(
        op.f("ix_ugc_post_links_workspace_id"), "ugc_post_links", ["workspace_id"], unique=False
    )
    op.create_table(
        "ugc_rights_requests",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("grant_keywords", sa.JSON(), nullable=False),
        sa.Column("refuse_keywords", sa.JSON(), nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=True),
        sa.Column("reply_message_id", sa.Uuid(), nullable=True),
        sa.Column("sent_by", sa.Uuid(), nullable=True),
        sa.Column("sent_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_external_id", sa.String(length=200), nullable=True),
        sa.Column("expires_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("answer_text", sa.Text(), nullable=True),
        sa.Column("answer_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answer_url", sa.String(length=2048), nullable=True),
        sa.Column("answer_external_id", sa.String(length=200), nullable=True),
        sa.Column("answer_message_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_message_id"],
            ["inbox_messages.id"],
            name=op.f("fk_ugc_rights_requests_answer_message_id_inbox_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["inbox_conversations.id"],
            name=op.f("fk_ugc_rights_requests_conversation_id_inbox_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["ugc_items.id"],
            name=op.f("fk_ugc_rights_requests_item_id_ugc_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reply_message_id"],
            ["inbox_messages.id"],
            name=op.f("fk_ugc_rights_requests_reply_message_id_inbox_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["sent_by"],
            ["users.id"],
            name=op.f("fk_ugc_rights_requests_sent_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_ugc_rights_requests_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ugc_rights_requests")),
    )
    op.create_index(
        op.f("ix_ugc_rights_requests_item_id"), "ugc_rights_requests", ["item_id"], unique=False
    )
    op.create_index(
        "ix_ugc_rights_requests_waiting",
        "ugc_rights_requests",
        ["conversation_id", "state"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ugc_rights_requests_workspace_id"),
        "ugc_rights_requests",
        ["workspace_id"],
        unique=False,
    )


def downgrade() -> None:
    # Dropping a table drops its indexes; children before parents.
    for table in TABLES:
        op.drop_table(table)
