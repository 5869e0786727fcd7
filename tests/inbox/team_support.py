"""Arranging inbox team-work tests: conversations with messages, actors, a scripted network."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from orchestre.connectors.base import (
    AccountRef,
    AmbiguousError,
    ConnectorError,
    PermanentError,
    PublishedRef,
)
from orchestre.connectors.base import BaseInstallation as _Base
from orchestre.kit.clock import utcnow
from orchestre.models import (
    Channel,
    Conversation,
    InboxAuthor,
    InboxMessage,
    Workspace,
)
from orchestre.workspaces.permissions import Actor, Role
from tests.factories import make_member

_seq = itertools.count(1)


def actor_for(db: Session, ws: Workspace, *roles: str) -> Actor:
    user = make_member(db, ws, *roles)
    return Actor(user_id=user.id, workspace_id=ws.id, roles=frozenset(Role(r) for r in roles))


def make_author(
    db: Session,
    ws: Workspace,
    network: str = "sandbox",
    handle: str | None = None,
    name: str = "",
    tags: list[str] | None = None,
    followers: int | None = None,
) -> InboxAuthor:
    n = next(_seq)
    author = InboxAuthor(
        workspace_id=ws.id,
        network=network,
        external_id=f"person-{n}",
        handle=handle or f"@person{n}",
        name=name or f"Person {n}",
        tags=tags or [],
        followers=followers,
    )
    db.add(author)
    db.flush()
    return author


def make_conversation(
    db: Session,
    channel: Channel,
    author: InboxAuthor | None = None,
    *,
    text: str = "Where is my order?",
    at: datetime | None = None,
    status: str = "new",
    kind: str = "comment",
    waiting: bool = True,
    **message_fields: object,
) -> Conversation:
    """A conversation with one inbound message (waiting for an answer unless told not)."""
    n = next(_seq)
    at = at or utcnow() - timedelta(minutes=30)
    conversation = Conversation(
        workspace_id=channel.workspace_id,
        channel_id=channel.id,
        kind=kind,
        root_external_id=f"post-{n}",
        author_id=author.id if author else None,
        status=status,
        last_message_at=at,
        awaiting_since=at if waiting else None,
        message_count=1,
    )
    db.add(conversation)
    db.flush()
    add_inbound(db, conversation, text, at=at, author=author, **message_fields)
    return conversation


def add_inbound(
    db: Session,
    conversation: Conversation,
    text: str,
    *,
    at: datetime | None = None,
    author: InboxAuthor | None = None,
    **fields: object,
) -> InboxMessage:
    n = next(_seq)
    at = at or utcnow()
    message = InboxMessage(
        workspace_id=conversation.workspace_id,
        channel_id=conversation.channel_id,
        conversation_id=conversation.id,
        author_id=author.id if author else conversation.author_id,
        direction="inbound",
        kind="comment",
        external_id=f"c-{n}",
        post_external_id=conversation.root_external_id,
        text=text,
        created_at=at,
        received_at=at + timedelta(seconds=30),  # a poll brings it a little later
        **fields,
    )
    db.add(message)
    db.flush()
    return message


@dataclass
class ScriptedInstallation(_Base):
    """An account whose answers are scripted: each call pops the next failure, if any."""

    network: str = "sandbox"
    failures: list[ConnectorError] = field(default_factory=list)
    lookup_failures: list[ConnectorError] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    sent: dict[str, PublishedRef] = field(default_factory=dict)
    # An ambiguous failure that still delivered the reply (the network took it).
    delivered_despite_ambiguity: bool = True

    def __post_init__(self) -> None:
        super().__init__(AccountRef(network="sandbox", external_id="acct", handle="@brand"))

    def reply(
        self, parent_external_id: str, text: str, *, client_ref: str | None = None
    ) -> PublishedRef:
        self.calls.append(("reply", parent_external_id))
        ref = PublishedRef(
            external_id=f"r-{len(self.calls)}",
            url=f"https://sandbox.invalid/r-{len(self.calls)}",
            published_at=utcnow(),
            client_ref=client_ref,
        )
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, AmbiguousError) and self.delivered_despite_ambiguity:
                self.sent[client_ref or ""] = ref
            raise failure
        self.sent[client_ref or ""] = ref
        return ref

    def find_by_client_ref(self, client_ref: str) -> PublishedRef | None:
        self.calls.append(("find", client_ref))
        if self.lookup_failures:
            raise self.lookup_failures.pop(0)
        return self.sent.get(client_ref)

    def _act(self, name: str, external_id: str) -> None:
        self.calls.append((name, external_id))
        if self.failures:
            raise self.failures.pop(0)

    def hide_comment(self, external_id: str, hidden: bool = True) -> None:
        self._act("hide" if hidden else "unhide", external_id)

    def delete_comment(self, external_id: str) -> None:
        self._act("delete", external_id)

    def like(self, external_id: str) -> None:
        self._act("like", external_id)


@dataclass
class ScriptedGateway:
    installation: ScriptedInstallation
    refusal: Exception | None = None

    def open(self, session: Session, channel: Channel) -> ScriptedInstallation:
        if self.refusal is not None:
            raise self.refusal
        return self.installation


def refused(reason: str) -> PermanentError:
    return PermanentError(reason, network="sandbox")
