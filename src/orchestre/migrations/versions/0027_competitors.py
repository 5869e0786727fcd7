"""competitors: tracked accounts, daily snapshots, their posts; engagement of mentions

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-27 03:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orchestre.kit.db

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = orchestre.kit.db.UTCDateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _id_and_times(table: str) -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "competitors",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        *_id_and_times("competitors"),
        _fk("competitors", "workspace_id", "workspaces", "CASCADE"),
        _fk("competitors", "created_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competitors")),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_competitors_workspace_id")),
    )
    op.create_index(op.f("ix_competitors_workspace_id"), "competitors", ["workspace_id"])
    op.create_table(
        "competitor_accounts",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("competitor_id", sa.Uuid(), nullable=False),
        sa.Column("network", sa.String(length=40), nullable=False),
        sa.Column("handle", sa.String(length=200), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("followers", sa.Integer(), nullable=True),
        sa.Column("next_collect_at", UTC_TIME, nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("last_collected_at", UTC_TIME, nullable=True),
        *_id_and_times("competitor_accounts"),
        _fk("competitor_accounts", "workspace_id", "workspaces", "CASCADE"),
        _fk("competitor_accounts", "competitor_id", "competitors", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competitor_accounts")),
        sa.UniqueConstraint(
            "workspace_id",
            "network",
            "external_id",
            name="uq_competitor_accounts_workspace_network_external",
        ),
    )
    for column in ("workspace_id", "competitor_id", "next_collect_at"):
        op.create_index(op.f(f"ix_competitor_accounts_{column}"), "competitor_accounts", [column])
    op.create_table(
        "competitor_snapshots",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("followers", sa.Integer(), nullable=True),
        sa.Column("following", sa.Integer(), nullable=True),
        sa.Column("posts_count", sa.Integer(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        _fk("competitor_snapshots", "workspace_id", "workspaces", "CASCADE"),
        _fk("competitor_snapshots", "account_id", "competitor_accounts", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competitor_snapshots")),
        sa.UniqueConstraint("account_id", "day", name=op.f("uq_competitor_snapshots_account_id")),
    )
    op.create_index(
        op.f("ix_competitor_snapshots_workspace_id"), "competitor_snapshots", ["workspace_id"]
    )
    op.create_table(
        "competitor_posts",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("published_at", UTC_TIME, nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        *(
            sa.Column(name, sa.Integer(), nullable=True)
            for name in ("likes", "reposts", "replies", "quotes", "views")
        ),
        sa.Column("engagement", sa.Integer(), nullable=False),
        sa.Column("measured_at", UTC_TIME, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        _fk("competitor_posts", "workspace_id", "workspaces", "CASCADE"),
        _fk("competitor_posts", "account_id", "competitor_accounts", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competitor_posts")),
        sa.UniqueConstraint(
            "account_id", "external_id", name=op.f("uq_competitor_posts_account_id")
        ),
    )
    op.create_index(
        "ix_competitor_posts_workspace_published",
        "competitor_posts",
        ["workspace_id", "published_at"],
    )
    with op.batch_alter_table("listening_mentions") as batch:
        batch.add_column(sa.Column("engagement", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("listening_mentions") as batch:
        batch.drop_column("engagement")
    op.drop_table("competitor_posts")
    op.drop_table("competitor_snapshots")
    op.drop_table("competitor_accounts")
    op.drop_table("competitors")
