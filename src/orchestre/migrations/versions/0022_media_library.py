"""media library: title, description, folder, tags, licence, orientation, networks it fits

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-27 00:00:00
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orchestre.kit.db

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae", "ß": "ss"})


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare).casefold()


def _orientation(width: int | None, height: int | None) -> str | None:
    if not width or not height:
        return None
    if width == height:
        return "square"
    return "landscape" if width > height else "portrait"


def upgrade() -> None:
    with op.batch_alter_table("media_assets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("title", sa.String(length=255), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("description", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column("folder", sa.String(length=255), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("tags", sa.String(length=2000), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("licence_source", sa.String(length=255), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("licensor", sa.String(length=255), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "licence_expires_at", orchestre.kit.db.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("orientation", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("fits", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
        batch_op.create_index("ix_media_assets_folder", ["folder"], unique=False)
        batch_op.create_index(
            "ix_media_assets_licence_expires_at", ["licence_expires_at"], unique=False
        )
    # Existing assets: orientation and the words a search reads; `fits` stays NULL and is
    # computed by the application the first time a search needs it.
    media = sa.table(
        "media_assets",
        sa.column("id", sa.Uuid()),
        sa.column("filename", sa.String()),
        sa.column("alt_text", sa.String()),
        sa.column("width", sa.Integer()),
        sa.column("height", sa.Integer()),
        sa.column("orientation", sa.String()),
        sa.column("search_text", sa.Text()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(media.c.id, media.c.filename, media.c.alt_text, media.c.width, media.c.height)
    ).all()
    for row in rows:
        bind.execute(
            media.update()
            .where(media.c.id == row.id)
            .values(
                orientation=_orientation(row.width, row.height),
                search_text=_fold(f"{row.filename}\n{row.alt_text}"),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("media_assets", schema=None) as batch_op:
        batch_op.drop_index("ix_media_assets_licence_expires_at")
        batch_op.drop_index("ix_media_assets_folder")
        for column in (
            "search_text",
            "fits",
            "orientation",
            "licence_expires_at",
            "licensor",
            "licence_source",
            "tags",
            "folder",
            "description",
            "title",
        ):
            batch_op.drop_column(column)
