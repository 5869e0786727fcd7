"""The public submission page's use cases: a fan sends a photo or an idea to a contest
without an account, with their consent recorded; the entry waits for the team's review.

Guards, in the order a submission meets them: the contest must be public and taking
entries (a closed one refuses politely); a per-address and a per-contest token bucket
(`publishing.ratelimit.take`, taken in its own transaction so refused attempts count too);
a honeypot field that people never see; consent is required and must be the version the
page showed; the photo is stored through `posts.media.upload` (the configured storage),
identified by its content (Pillow), must be an image, and is bounded in bytes and pixels.
Nothing is ever published from here.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session, sessionmaker

from orchestre.audit.service import record
from orchestre.errors import Conflict, FieldError, Invalid, NotFound, RateLimited, UnsupportedMedia
from orchestre.kit.clock import utcnow
from orchestre.kit.db import transaction
from orchestre.media.storage import MediaStorage
from orchestre.models.ugc_contests import Contest, ContestEntry
from orchestre.posts import media
from orchestre.publishing.ratelimit import Rate, take
from orchestre.ugc import contests_repository as repo
from orchestre.ugc.contests import accepting
from orchestre.workspaces.permissions import Actor, Role

MAX_NAME = 120
MAX_EMAIL = 320
MAX_TEXT = 2000
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
PHOTO_KINDS = frozenset({"image"})
# A person may send 5 entries an hour to one contest; a contest takes 120 an hour, 60 at once.
PER_ADDRESS = Rate(5 / 3600, 5)
PER_CONTEST = Rate(120 / 3600, 60)
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


@dataclass(frozen=True)
class Photo:
    stream: BinaryIO
    filename: str | None


@dataclass(frozen=True)
class SubmissionInput:
    name: str
    email: str
    text: str
    consent: bool
    consent_version: int  # the version the page showed
    language: str  # the page's language: the consent text recorded is the one read
    photo: Photo | None = None
    trap: str = ""  # the honeypot: filled only by robots


def public_contest(session: Session, slug: str) -> Contest:
    """A contest's public page; drafts and pages switched off do not exist for the public."""
    found = repo.contest_by_slug(session, slug)
    if found is None or found.status == "draft" or not found.public_enabled:
        raise NotFound("This page does not exist.", code="contest_not_found")
    return found


def address_hash(contest: Contest, address: str) -> str:
    """A keyed hash of the sender's address: enough to limit and to prove, not to reveal."""
    return hmac.new(contest.ip_salt.encode(), address.encode(), hashlib.sha256).hexdigest()


def check_rate(
    factory: sessionmaker[Session], slug: str, address: str, now: datetime | None = None
) -> None:
    """Take a token for this address and this contest, in a transaction of its own.

    Call it before the request's own transaction touches the database: on SQLite every
    transaction takes the write lock when it begins, so a second one opened later by the
    same request would wait for the first.
    """
    with transaction(factory) as session:
        contest = public_contest(session, slug)
        keys = [
            (f"contest:{contest.id}:address:{address_hash(contest, address)}", PER_ADDRESS),
            (f"contest:{contest.id}", PER_CONTEST),
        ]
        wait = take(session, keys, now or utcnow())
    if wait > 0:
        raise RateLimited(
            "You have sent many entries in a short time. Please wait a little and try again.",
            code="submissions_throttled",
            retry_after=max(1, math.ceil(wait)),
        )


def _check(contest: Contest, data: SubmissionInput) -> None:
    errors: list[FieldError] = []
    name, email, text = data.name.strip(), data.email.strip(), data.text.strip()
    if not name:
        errors.append(FieldError("name", "required", "Tell us your name."))
    elif len(name) > MAX_NAME:
        errors.append(FieldError("name", "max_length", "At most 120 characters.", MAX_NAME))
    if not EMAIL.match(email) or len(email) > MAX_EMAIL:
        errors.append(FieldError("email", "email", "Enter a valid email address."))
    if len(text) > MAX_TEXT:
        errors.append(FieldError("text", "max_length", "At most 2,000 characters.", MAX_TEXT))
    if not text and data.photo is None:
        errors.append(FieldError("text", "required", "Send a photo or write your idea."))
    if not data.consent:
        errors.append(
            FieldError(
                "consent",
                "required",
                "Tick the box to agree to the terms: without it we cannot take your entry.",
            )
        )
    if errors:
        raise Invalid("The entry is not complete.", errors=errors)
    if data.consent_version != contest.consent_version:
        raise Conflict(
            "The terms changed while you were on the page. Read them again and send again.",
            code="consent_changed",
            errors=[
                FieldError("consent", "consent_changed", "The terms changed; read them again.")
            ],
        )


def _uploader(session: Session, contest: Contest) -> Actor:
    """Whom the photo is stored on behalf of: the contest's creator, else an owner."""
    user_id = contest.created_by
    if repo.member_roles(session, contest.workspace_id, user_id) is None:
        found = repo.owners(session, contest.workspace_id)
        if not found:
            raise Conflict("This contest cannot take photos right now.", code="no_uploader")
        user_id = found[0]
    assert user_id is not None
    return Actor(
        user_id=user_id, workspace_id=contest.workspace_id, roles=frozenset({Role.CONTENT_CREATOR})
    )


def _store_photo(
    session: Session,
    contest: Contest,
    photo: Photo,
    media_root: Path,
    storage: MediaStorage | None,
) -> uuid.UUID:
    asset = media.upload(
        session,
        _uploader(session, contest),
        photo.stream,
        photo.filename,
        media_root=media_root,
        max_bytes=MAX_PHOTO_BYTES,
        storage=storage,
    )
    pixels = (asset.width or 0) * (asset.height or 0)
    if asset.kind not in PHOTO_KINDS or pixels > MAX_PHOTO_PIXELS:
        store = media.storage_of(media_root, storage)
        media.remove_keys(store, *media.stored_keys(asset))()
        session.delete(asset)
        session.flush()
        if asset.kind not in PHOTO_KINDS:
            raise UnsupportedMedia(
                "Send a photo (JPEG, PNG or WebP); other files are not taken here.",
                code="not_a_photo",
            )
        raise UnsupportedMedia(
            "This photo has too many pixels (over 40 megapixels); send a smaller one.",
            code="photo_too_many_pixels",
        )
    # Nobody in the team uploaded it: only those who may edit any media can change it.
    asset.created_by = None
    return asset.id


def submit(
    session: Session,
    contest: Contest,
    data: SubmissionInput,
    *,
    address: str,
    media_root: Path,
    storage: MediaStorage | None = None,
) -> ContestEntry | None:
    """Record a pending entry with its consent; None when the honeypot caught a robot."""
    now = utcnow()
    if not accepting(contest, now):
        if now < contest.opens_at and contest.status == "open":
            raise Conflict(
                "This contest has not opened yet. Come back when it opens.", code="contest_not_open"
            )
        raise Conflict(
            "This contest is closed and no longer takes entries. Thank you for your interest!",
            code="contest_closed",
        )
    if data.trap.strip():
        return None
    _check(contest, data)
    language = "fr" if data.language == "fr" else "en"
    entry_id = uuid.uuid4()
    media_ids = []
    if data.photo is not None:
        media_ids.append(str(_store_photo(session, contest, data.photo, media_root, storage)))
    entry = ContestEntry(
        id=entry_id,
        workspace_id=contest.workspace_id,
        contest_id=contest.id,
        source="public",
        network="public",
        external_id=str(entry_id),
        author_name=data.name.strip(),
        author_email=data.email.strip().lower(),
        text=data.text.strip(),
        media_ids=media_ids,
        language=language,
        submitted_at=now,
        collected_at=now,
        review_status="pending",
        consent_version=contest.consent_version,
        consent_text=contest.consent_fr if language == "fr" else contest.consent_en,
        consent_language=language,
        consent_at=now,
        consent_ip_hash=address_hash(contest, address),
    )
    session.add(entry)
    session.flush()
    record(
        session,
        None,
        "contest.entry.submitted",
        "contest_entry",
        entry.id,
        workspace_id=contest.workspace_id,
        after={
            "contest_id": str(contest.id),
            "media_ids": media_ids,
            "consent_version": contest.consent_version,
        },
    )
    return entry
