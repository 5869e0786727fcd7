"""Uploaded media files kept in the data folder, with what was measured from their content.

A file fixed for a network ("Fix for Instagram") is a new asset derived from the original:
`source_media_id` names the original, `network` and `format` what it was made for, and
`status` follows a video's conversion by a background job (processing -> ready | failed,
`status_reason` saying why it failed). A video's cover frame is stored beside it
(`thumbnail_key`).

The library's columns: a title, a description, a folder (a slash-separated path, "" for
the top), tags (stored as `,tag,tag,` so one LIKE finds a tag on every database), the
licence of a bought or borrowed asset (source, licensor, expiry), and what is computed from
the content: the orientation, the networks whose feed rules the file meets (`fits`, the same
`,network,` shape; NULL until computed) and `search_text`, the folded words a search reads.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.db import Base, IdMixin, TimestampMixin


class MediaStatus(enum.StrEnum):
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class Orientation(enum.StrEnum):
    PORTRAIT = "portrait"
    LANDSCAPE = "landscape"
    SQUARE = "square"


class MediaAsset(IdMixin, TimestampMixin, Base):
    __tablename__ = "media_assets"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # image | video | gif
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(default=None)
    height: Mapped[int | None] = mapped_column(default=None)
    duration_seconds: Mapped[float | None] = mapped_column(
        Numeric(10, 3, asdecimal=False), default=None
    )
    video_codec: Mapped[str | None] = mapped_column(String(32), default=None)
    audio_codec: Mapped[str | None] = mapped_column(String(32), default=None)
    frame_rate: Mapped[float | None] = mapped_column(Numeric(8, 3, asdecimal=False), default=None)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    alt_text: Mapped[str] = mapped_column(String(1500), default="")
    thumbnail_key: Mapped[str | None] = mapped_column(String(255), default=None)
    # A derived file: the original it was made from, and the network/format it was made for.
    source_media_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("media_assets.id", ondelete="CASCADE"), default=None, index=True
    )
    network: Mapped[str | None] = mapped_column(String(32), default=None)
    format: Mapped[str | None] = mapped_column(String(16), default=None)
    status: Mapped[str] = mapped_column(
        String(16), default=MediaStatus.READY.value, server_default=MediaStatus.READY.value
    )
    status_reason: Mapped[str | None] = mapped_column(String(1000), default=None)
    # The library: what people write about the asset, where they file it, its licence.
    title: Mapped[str] = mapped_column(String(255), default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    folder: Mapped[str] = mapped_column(String(255), default="", server_default="", index=True)
    tags: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    licence_source: Mapped[str] = mapped_column(String(255), default="", server_default="")
    licensor: Mapped[str] = mapped_column(String(255), default="", server_default="")
    licence_expires_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    # Computed from the content and the text above (see posts.media_library).
    orientation: Mapped[str | None] = mapped_column(String(16), default=None)
    fits: Mapped[str | None] = mapped_column(String(500), default=None)
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
