"""The author card: who writes to the brand, their history across channels, and the team's
tags on them (customer, VIP, influencer, troll, or the team's own words).

History across channels gathers the author's conversations and those of the same handle
on other networks (the same person, most often, under the same name).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.errors import NotFound
from orchestre.inbox import repository as repo
from orchestre.inbox import service
from orchestre.models import InboxAuthor
from orchestre.workspaces.permissions import Actor, Permission

P = Permission
SUGGESTED_TAGS = ("customer", "vip", "influencer", "troll")
HISTORY_LIMIT = 50


@dataclass(frozen=True)
class AuthorCard:
    author: InboxAuthor
    # The same handle on other networks.
    other_accounts: list[InboxAuthor]
    conversations: list[service.ConversationView]
    message_count: int


def load_author(session: Session, actor: Actor, author_id: uuid.UUID) -> InboxAuthor:
    author = repo.author(session, actor.workspace_id, author_id)
    if author is None:
        raise NotFound("Author not found.", code="author_not_found")
    return author


def author_card(session: Session, actor: Actor, author_id: uuid.UUID) -> AuthorCard:
    """The author, their other accounts, and their latest conversations on every channel."""
    actor.require(P.INBOX_VIEW)
    author = load_author(session, actor, author_id)
    related = repo.related_authors(session, actor.workspace_id, author)
    accounts = repo.authors_by_ids(session, actor.workspace_id, related)
    others = sorted(
        (a for a in accounts.values() if a.id != author.id), key=lambda a: (a.network, a.handle)
    )
    rows = repo.conversations_of_authors(session, actor.workspace_id, related, HISTORY_LIMIT)
    return AuthorCard(
        author=author,
        other_accounts=others,
        conversations=service.conversation_views(session, actor, rows),
        message_count=sum(a.message_count or 0 for a in accounts.values()),
    )


def set_author_tags(
    session: Session, actor: Actor, author_id: uuid.UUID, tags: Sequence[str]
) -> InboxAuthor:
    """Replace the author's tags (rules may act on them: a troll's comments, a VIP's)."""
    actor.require(P.INBOX_REPLY)
    author = load_author(session, actor, author_id)
    before = snapshot(author, ["tags"])
    author.tags = service.clean_tags(tags)
    session.flush()
    record(
        session,
        actor,
        "inbox.author.tagged",
        "inbox_author",
        author.id,
        before=before,
        after=snapshot(author, ["tags"]),
    )
    return author
