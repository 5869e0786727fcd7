"""Listening feeds use cases: add (checked by really fetching it), rename, pause, remove,
and "collect now". Routes and pages call these; each checks the actor's permission."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.errors import Conflict, FieldError, Invalid, NotFound
from orchestre.inbox.classifying import Classifier
from orchestre.kit.clock import utcnow
from orchestre.listening import feeds_repository as repo
from orchestre.listening.feeds_collect import FeedReport, collect_feeds
from orchestre.listening.feeds_fetch import RULES, FeedError, FeedFetcher
from orchestre.listening.feeds_opml import ExportedFeed, write_opml
from orchestre.listening.feeds_parse import ParsedFeed, feed_links, parse_feed
from orchestre.models.listening_feeds import ListeningFeed
from orchestre.workspaces.permissions import Actor, Permission

MAX_URL = 2000
MAX_NAME = 200


@dataclass(frozen=True)
class FeedInput:
    url: str
    name: str = ""
    active: bool = True


@dataclass(frozen=True)
class FeedChanges:
    """Only the fields given change."""

    name: str | None = None
    active: bool | None = None


def error_words(rule: str | None) -> str | None:
    """The words for a feed's last failure (`RULES`), None when it has none."""
    if rule is None:
        return None
    return RULES.get(rule, rule)


def list_feeds(session: Session, actor: Actor) -> list[ListeningFeed]:
    actor.require(Permission.LISTENING_VIEW)
    return repo.feeds(session, actor.workspace_id)


def get_feed(session: Session, actor: Actor, feed_id: uuid.UUID) -> ListeningFeed:
    actor.require(Permission.LISTENING_VIEW)
    found = repo.feed(session, actor.workspace_id, feed_id)
    if found is None:
        raise NotFound("No such feed in this workspace.")
    return found


def _name(name: str) -> str:
    name = name.strip()
    if len(name) > MAX_NAME:
        raise Invalid(
            "The feed is not valid.",
            errors=[FieldError("name", "max_length", "At most 200 characters.", MAX_NAME)],
        )
    return name


def checked_url(session: Session, workspace_id: uuid.UUID, url: str) -> str:
    """`url` stripped, refused (`Invalid` on field `url`) when empty, too long or already
    followed by the workspace; nothing is fetched."""
    url = url.strip()
    if not url:
        raise Invalid(
            "The feed is not valid.",
            errors=[FieldError("url", "required", "Give the feed's address.")],
        )
    if len(url) > MAX_URL:
        raise Invalid(
            "The feed is not valid.",
            errors=[FieldError("url", "max_length", "At most 2000 characters.", MAX_URL)],
        )
    if repo.url_taken(session, workspace_id, url):
        raise _already_followed()
    return url


def _already_followed() -> Invalid:
    return Invalid(
        "The feed is not valid.",
        errors=[FieldError("url", "unique", "This feed is already followed.")],
    )


def refusal(exc: FeedError) -> Invalid:
    """A failed fetch as the refusal of the address, the rule broken on field `url`."""
    message = RULES.get(exc.rule, exc.rule)
    return Invalid(
        "The feed cannot be followed.",
        errors=[FieldError("url", exc.rule, message, actual=exc.detail or None)],
    )


def add_feed(
    session: Session, actor: Actor, fetcher: FeedFetcher, data: FeedInput
) -> ListeningFeed:
    """A feed to follow (listening.manage). Its address is fetched now: one that is not
    http(s), points inside the network, cannot be reached or is not a feed is refused
    with the rule broken on field `url`."""
    actor.require(Permission.LISTENING_MANAGE)
    name = _name(data.name)
    url = checked_url(session, actor.workspace_id, data.url)
    try:
        found, parsed = read_or_discover(fetcher, url)
    except FeedError as exc:
        raise refusal(exc) from exc
    if found != url and repo.url_taken(session, actor.workspace_id, found):
        raise _already_followed()
    return store_feed(session, actor, found, name or parsed.title, active=data.active)


def store_feed(
    session: Session, actor: Actor, url: str, name: str, *, active: bool = True
) -> ListeningFeed:
    """The row of a feed whose address was checked and read; due at once."""
    row = ListeningFeed(
        workspace_id=actor.workspace_id,
        url=url,
        name=name[:MAX_NAME] or url[:MAX_NAME],
        active=active,
        created_by=actor.user_id,
        next_read_at=utcnow(),
    )
    session.add(row)
    session.flush()
    record(session, actor, "listening.feed.added", "listening_feed", row.id, after=snapshot(row))
    return row


def read_or_discover(fetcher: FeedFetcher, url: str) -> tuple[str, ParsedFeed]:
    """The feed at `url`; when `url` is a web page that announces a feed, that feed (its
    address checked and fetched like any other). Network only: no session is touched, so
    an import runs it in threads, outside any transaction."""
    fetched = fetcher.fetch(url)
    try:
        return url, parse_feed(fetched.body, fetched.url)
    except FeedError as exc:
        if exc.rule != "not_a_feed":
            raise
        announced = feed_links(fetched.body, fetched.url)[:1]
        if not announced:
            raise
    found = announced[0][:MAX_URL]
    second = fetcher.fetch(found)
    return found, parse_feed(second.body, second.url)


def export_opml(session: Session, actor: Actor) -> bytes:
    """The workspace's feeds as an OPML 2.0 document (listening.view), paused ones too."""
    actor.require(Permission.LISTENING_VIEW)
    listed = [ExportedFeed(f.name, f.url) for f in repo.feeds(session, actor.workspace_id)]
    return write_opml(listed, "Orchestre listening feeds", utcnow())


def update_feed(
    session: Session, actor: Actor, feed_id: uuid.UUID, changes: FeedChanges
) -> ListeningFeed:
    """Rename, pause or resume a feed; a resumed feed is read at the next round."""
    actor.require(Permission.LISTENING_MANAGE)
    row = get_feed(session, actor, feed_id)
    before = snapshot(row)
    if changes.name is not None:
        row.name = _name(changes.name) or row.name
    if changes.active is not None:
        if changes.active and not row.active:
            row.next_read_at = utcnow()
            row.consecutive_failures = 0
        row.active = changes.active
    session.flush()
    record(
        session,
        actor,
        "listening.feed.updated",
        "listening_feed",
        row.id,
        before=before,
        after=snapshot(row),
    )
    return row


def delete_feed(session: Session, actor: Actor, feed_id: uuid.UUID) -> None:
    """Stop following a feed; the mentions it brought stay."""
    actor.require(Permission.LISTENING_MANAGE)
    row = get_feed(session, actor, feed_id)
    before = snapshot(row)
    session.delete(row)
    session.flush()
    record(session, actor, "listening.feed.deleted", "listening_feed", feed_id, before=before)


def collect_now(
    session: Session,
    actor: Actor,
    fetcher: FeedFetcher,
    feed_id: uuid.UUID | None = None,
    classifier: Classifier | None = None,
) -> FeedReport:
    """Read now every active feed of the workspace (or one), in this transaction."""
    actor.require(Permission.LISTENING_MANAGE)
    if feed_id is not None and not get_feed(session, actor, feed_id).active:
        raise Conflict("This feed is paused; resume it to read it.", code="paused")
    report = collect_feeds(
        session,
        fetcher,
        classifier=classifier,
        workspace_id=actor.workspace_id,
        feed_id=feed_id,
        now_for_all=True,
        commit=False,
    )
    record(
        session,
        actor,
        "listening.feeds.collected",
        "listening_feed",
        feed_id or actor.workspace_id,
        after={"read": report.read, "stored": report.stored},
    )
    return report


def fetcher_from(allow_private: bool) -> FeedFetcher:
    """The production fetcher: the system's resolver and a real transport."""
    return FeedFetcher(allow_private=allow_private)
