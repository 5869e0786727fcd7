"""listening queries say what they follow: the brand, a competitor or a topic

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-26 22:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("listening_queries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("about", sa.String(length=12), server_default="brand", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("listening_queries", schema=None) as batch_op:
        batch_op.drop_column("about")
