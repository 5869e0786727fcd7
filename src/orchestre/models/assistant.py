"""The assistant: each workspace's model provider, the log of every assistant call, and
which call produced a post's text.

`AssistantProvider` is one per workspace: an OpenAI-compatible endpoint (base URL,
model, key Fernet-encrypted, never shown again) that is used only while `enabled`.
`AssistantCall` is one row per answer a feature asked for, from the provider or from the
offline assistant: who, which feature and prompt, tokens, time, outcome, and the texts
sent and received so a person can review them (never the key). `PostAssistantCall`
links a post to the calls whose drafts went into it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.clock import utcnow
from orchestre.kit.db import Base, IdMixin, TimestampMixin


class AssistantProvider(IdMixin, TimestampMixin, Base):
    __tablename__ = "assistant_providers"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), unique=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    base_url: Mapped[str] = mapped_column(String(500), default="")
    model: Mapped[str] = mapped_column(String(200), default="")
    key_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    timeout_seconds: Mapped[float] = mapped_column(default=30.0)
    temperature: Mapped[float | None] = mapped_column(default=None)
    # Whether the model reads images (alt text then sends the image as a data URL).
    accepts_images: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class AssistantCall(IdMixin, Base):
    __tablename__ = "assistant_calls"
    __table_args__ = (Index("ix_assistant_calls_workspace_created", "workspace_id", "created_at"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    feature: Mapped[str] = mapped_column(String(80))
    prompt_id: Mapped[str] = mapped_column(String(120))
    # "offline" or "provider:<model>": whose answer was used.
    source: Mapped[str] = mapped_column(String(240))
    # The provider asked, if one was (its host and model), even when its answer was not used.
    provider: Mapped[str | None] = mapped_column(String(500), default=None)
    # "offline" (no provider on), "ok" (the provider's answer), "fell_back" (its answer was
    # not used: `fell_back` says why).
    outcome: Mapped[str] = mapped_column(String(20))
    fell_back: Mapped[str | None] = mapped_column(String(500), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    # True when the provider did not report `usage` and the counts are estimates.
    tokens_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    request_text: Mapped[str] = mapped_column(Text, default="")
    response_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PostAssistantCall(IdMixin, Base):
    """A post's text came (at least in part) from this call's draft."""

    __tablename__ = "post_assistant_calls"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    call_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assistant_calls.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
