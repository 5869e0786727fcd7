"""Co-creation: contests and calls for contributions, their entries, the team's votes.

An entry comes from a network (a listening mention or an inbox message carrying the
contest's hashtag in its window) or from the public submission page. The same post is one
entry per contest whatever route brought it (`uq_ugc_contest_entries_contest_source`).
A public entry keeps the proof of its author's consent: the text they agreed to (its
version and words), when, and a keyed hash of their address, never the address itself.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orchestre.kit.clock import utcnow
from orchestre.kit.db import Base, IdMixin, TimestampMixin


class Contest(IdMixin, TimestampMixin, Base):
    """A hashtag contest or a call for contributions, with its public page."""

    __tablename__ = "ugc_contests"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))  # hashtag_contest | call_for_contributions
    title: Mapped[str] = mapped_column(String(160))
    # "#summerphotos" (folded when matched); empty for a call that only takes submissions.
    hashtag: Mapped[str] = mapped_column(String(100), default="")
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Empty = every network; else only entries from these.
    networks: Mapped[list[str]] = mapped_column(JSON, default=list)
    opens_at: Mapped[datetime] = mapped_column()
    closes_at: Mapped[datetime] = mapped_column()
    rules_en: Mapped[str] = mapped_column(Text, default="")
    rules_fr: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|open|closed|announced
    # The public page is /c/<slug>; the slug ends with random characters so it cannot be guessed.
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    public_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    consent_en: Mapped[str] = mapped_column(Text, default="")
    consent_fr: Mapped[str] = mapped_column(Text, default="")
    # Raised each time the consent text changes: an entry records the version it agreed to.
    consent_version: Mapped[int] = mapped_column(Integer, default=1)
    # Key of the submitters' address hashes (one per contest: hashes cannot be linked across).
    ip_salt: Mapped[str] = mapped_column(String(64))
    listening_query_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("listening_queries.id", ondelete="SET NULL"), default=None
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    last_collected_at: Mapped[datetime | None] = mapped_column(default=None)
    announced_at: Mapped[datetime | None] = mapped_column(default=None)
    announcement_post_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), default=None
    )


class ContestEntry(IdMixin, Base):
    """One contribution: a post found on a network, or a fan's public submission."""

    __tablename__ = "ugc_contest_entries"
    __table_args__ = (
        UniqueConstraint(
            "contest_id", "network", "external_id", name="uq_ugc_contest_entries_contest_source"
        ),
        Index("ix_ugc_contest_entries_contest_submitted", "contest_id", "submitted_at"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    contest_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ugc_contests.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16))  # mention | inbox | public
    # The network and its id of the post; "public" and the entry's own id for a submission.
    network: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(200))
    author_handle: Mapped[str] = mapped_column(String(200), default="")
    author_name: Mapped[str] = mapped_column(String(200), default="")
    author_email: Mapped[str | None] = mapped_column(String(320), default=None)
    text: Mapped[str] = mapped_column(Text, default="")
    media_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    permalink: Mapped[str | None] = mapped_column(String(2000), default=None)
    language: Mapped[str | None] = mapped_column(String(10), default=None)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    collected_at: Mapped[datetime] = mapped_column(default=utcnow)
    review_status: Mapped[str] = mapped_column(String(16), default="pending")
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(default=None)
    shortlisted: Mapped[bool] = mapped_column(Boolean, default=False)
    winner_rank: Mapped[int | None] = mapped_column(Integer, default=None)
    # Consent of a public submission: what was agreed to, when, from which (hashed) address.
    consent_version: Mapped[int | None] = mapped_column(Integer, default=None)
    consent_text: Mapped[str | None] = mapped_column(Text, default=None)
    consent_language: Mapped[str | None] = mapped_column(String(8), default=None)
    consent_at: Mapped[datetime | None] = mapped_column(default=None)
    consent_ip_hash: Mapped[str | None] = mapped_column(String(64), default=None)


class ContestVote(IdMixin, Base):
    """One member's score (1 to 5) for one entry; voting again replaces it."""

    __tablename__ = "ugc_contest_votes"
    __table_args__ = (UniqueConstraint("entry_id", "user_id"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    contest_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ugc_contests.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ugc_contest_entries.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(Integer)
    voted_at: Mapped[datetime] = mapped_column(default=utcnow)
