"""listening stream: where the Bluesky event stream was left, and who reads it

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-27 04:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orchestre.kit.db

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = orchestre.kit.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "listening_streams",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("cursor_us", sa.BigInteger(), nullable=True),
        sa.Column("holder", sa.String(length=80), nullable=True),
        sa.Column("lease_until", _UTC, nullable=True),
        sa.Column("updated_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_listening_streams")),
    )


def downgrade() -> None:
    op.drop_table("listening_streams")
