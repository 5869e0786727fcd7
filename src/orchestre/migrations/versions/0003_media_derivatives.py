"""media derivatives: measured codecs and frame rate, files fixed for a network, thumbnails

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 12:05:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("media_assets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("video_codec", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("audio_codec", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column(
                "frame_rate", sa.Numeric(precision=8, scale=3, asdecimal=False), nullable=True
            )
        )
        batch_op.add_column(sa.Column("thumbnail_key", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("source_media_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("network", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("format", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), server_default="ready", nullable=False)
        )
        batch_op.add_column(sa.Column("status_reason", sa.String(length=1000), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_media_assets_source_media_id"), ["source_media_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_media_assets_source_media_id_media_assets"),
            "media_assets",
            ["source_media_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("media_assets", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_media_assets_source_media_id_media_assets"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_media_assets_source_media_id"))
        batch_op.drop_column("status_reason")
        batch_op.drop_column("status")
        batch_op.drop_column("format")
        batch_op.drop_column("network")
        batch_op.drop_column("source_media_id")
        batch_op.drop_column("thumbnail_key")
        batch_op.drop_column("frame_rate")
        batch_op.drop_column("audio_codec")
        batch_op.drop_column("video_codec")
