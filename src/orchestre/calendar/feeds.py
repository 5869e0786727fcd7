"""Secret iCalendar addresses: one per person and workspace, made, rotated and revoked.

The token is shown once; only its SHA-256 is kept, so a database leak reveals no address.
Reading a feed resolves the token to the person's current membership: someone who left
the workspace, or whose address was rotated or revoked, gets nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from orchestre.audit.service import record
from orchestre.calendar import repository
from orchestre.errors import NotFound
from orchestre.kit.clock import utcnow
from orchestre.kit.crypto import new_token, token_hash
from orchestre.models import CalendarFeed
from orchestre.workspaces import auth
from orchestre.workspaces.permissions import Actor, Permission

TOKEN_PREFIX = "ocal"  # noqa: S105 - a label before the random part, not a secret
FEED_PATH = "/calendar/feed/{token}.ics"


@dataclass(frozen=True)
class IssuedFeed:
    """A feed just made or rotated, with its token: the only time the token is known."""

    feed: CalendarFeed
    token: str

    @property
    def path(self) -> str:
        return FEED_PATH.format(token=self.token)


def feed_status(session: Session, actor: Actor) -> CalendarFeed | None:
    """The person's feed in this workspace, if they have one (its token is never shown again)."""
    actor.require(Permission.POSTS_VIEW)
    return repository.feed_of(session, actor.workspace_id, actor.user_id)


def issue_feed(session: Session, actor: Actor) -> IssuedFeed:
    """Make the person's feed, or rotate it: a new token, the old address stops working."""
    actor.require(Permission.POSTS_VIEW)
    raw = new_token(TOKEN_PREFIX)
    feed = repository.feed_of(session, actor.workspace_id, actor.user_id)
    action = "calendar_feed.rotate" if feed is not None else "calendar_feed.create"
    if feed is None:
        feed = CalendarFeed(workspace_id=actor.workspace_id, user_id=actor.user_id)
    feed.token_hash = token_hash(raw)
    feed.prefix = raw[: len(TOKEN_PREFIX) + 5]
    feed.created_at = utcnow()
    feed.last_used_at = None
    repository.add_feed(session, feed)
    record(session, actor, action, "calendar_feed", feed.id, after={"prefix": feed.prefix})
    return IssuedFeed(feed, raw)


def revoke_feed(session: Session, actor: Actor) -> None:
    """Delete the person's feed; its address answers 404 from now on."""
    actor.require(Permission.POSTS_VIEW)
    feed = repository.feed_of(session, actor.workspace_id, actor.user_id)
    if feed is None:
        raise NotFound("You have no calendar feed in this workspace.", code="feed_not_found")
    record(session, actor, "calendar_feed.revoke", "calendar_feed", feed.id)
    repository.delete_feed(session, feed)


def resolve(session: Session, raw: str) -> Actor:
    """The member a feed token reads as; NotFound for an unknown, rotated or revoked token."""
    feed = repository.feed_by_hash(session, token_hash(raw))
    if feed is None:
        raise NotFound("This calendar address does not exist.", code="feed_not_found")
    # Still a member? actor_for raises NotFound otherwise; roles are today's, not the token's.
    actor = auth.actor_for(session, feed.user_id, feed.workspace_id)
    actor.require(Permission.POSTS_VIEW)
    feed.last_used_at = utcnow()
    session.flush()
    return actor
