"""API models of the inbox team work: conversations, messages, notes, saved replies,
response targets, authors, bulk actions and response figures."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from orchestre.apischema import CursorPage, InputModel, Lax, LaxUUID, OutputModel
from orchestre.models import ConversationStatus, Priority

TagList = list[str]


class Channel(OutputModel):
    id: uuid.UUID
    network: str
    handle: str
    display_name: str


class Author(OutputModel):
    id: uuid.UUID
    network: str
    external_id: str
    handle: str
    name: str
    followers: int | None
    tags: list[str]
    message_count: int
    first_seen_at: datetime
    last_seen_at: datetime


class Message(OutputModel):
    id: uuid.UUID
    conversation_id: uuid.UUID
    channel_id: uuid.UUID
    author_id: uuid.UUID | None
    direction: str
    kind: str
    external_id: str
    parent_external_id: str | None
    url: str | None
    text: str = Field(description="As written; render it escaped.")
    created_at: datetime
    received_at: datetime
    source: str
    hidden: bool
    deleted: bool
    liked: bool
    classified: bool
    classify_error: str | None
    language: str | None
    sentiment: str | None
    sentiment_score: float | None
    toxicity: str | None
    toxicity_score: float | None
    spam: bool | None
    needs_response: bool | None
    response_kind: str | None
    classification: dict[str, Any] = Field(
        description="Every label's scores and the words that drove each decision."
    )
    sent_by: uuid.UUID | None
    outbound_state: str | None = Field(
        description="Our answers: pending_approval, queued, sending, sent, failed, rejected."
    )
    approved_by: uuid.UUID | None
    failure_reason: str | None


class Conversation(OutputModel):
    id: uuid.UUID
    channel_id: uuid.UUID
    kind: str
    root_external_id: str
    variant_id: uuid.UUID | None
    author_id: uuid.UUID | None
    status: str
    priority: str
    assignee_id: uuid.UUID | None
    tags: list[str]
    last_message_at: datetime
    awaiting_since: datetime | None
    response_due_at: datetime | None
    breached_at: datetime | None
    message_count: int
    version: int


class MessagePage(CursorPage[Message]):
    pass


class ConversationItem(OutputModel):
    conversation: Conversation
    channel: Channel | None
    author: Author | None
    last_message: Message | None = Field(description="The latest message from the other side.")


class ConversationPage(CursorPage[ConversationItem]):
    pass


class StatusCounts(OutputModel):
    counts: dict[str, int] = Field(description="Conversations per status under the filters.")


class Note(OutputModel):
    id: uuid.UUID
    conversation_id: uuid.UUID
    author_id: uuid.UUID | None
    body: str
    mentions: list[str]
    created_at: datetime


class ConversationDetail(OutputModel):
    conversation: Conversation
    channel: Channel | None
    author: Author | None
    messages: list[Message] = Field(
        description="The latest 200, oldest first, ours included; `earlier_cursor` pages back."
    )
    earlier_cursor: str | None = Field(
        description="Pass as ?cursor= to .../messages for the messages before these; null: none"
    )
    notes: list[Note]
    names: dict[str, str] = Field(description="Member id -> name, for senders and note authors.")
    capabilities: list[str] = Field(
        description="What the network allows here: reply, hide_comment, delete_comment, like."
    )


class ConversationUpdate(InputModel):
    """Only the fields given change; `version` (the one you read) refuses a stale change."""

    version: int | None = Field(default=None, ge=0)
    assignee_id: LaxUUID | None = Field(default=None, description="null with 'unassign'")
    unassign: bool = False
    status: Lax[ConversationStatus] | None = None
    priority: Lax[Priority] | None = None
    tags: TagList | None = Field(default=None, max_length=20)


class ReplyCreate(InputModel):
    """Either `text`, or `saved_reply_id` with the `values` of its variables."""

    text: str | None = Field(default=None, max_length=10_000)
    saved_reply_id: LaxUUID | None = None
    values: dict[str, str] = Field(default_factory=dict, max_length=40)
    parent_message_id: LaxUUID | None = Field(
        default=None, description="The message answered (default: the latest inbound one)."
    )


class NoteCreate(InputModel):
    body: str = Field(min_length=1, max_length=5000, description="@email mentions notify.")
    mentions: list[LaxUUID] = Field(default_factory=list, max_length=50)


class HideRequest(InputModel):
    hidden: bool = True


class RejectRequest(InputModel):
    reason: str = Field(default="", max_length=500)


class BulkRequest(InputModel):
    conversation_ids: list[LaxUUID] = Field(min_length=1, max_length=200)
    action: Literal["assign", "status", "priority", "add_tags", "remove_tags", "hide"]
    assignee_id: LaxUUID | None = None
    status: Lax[ConversationStatus] | None = None
    priority: Lax[Priority] | None = None
    tags: TagList = Field(default_factory=list, max_length=20)


class BulkItem(OutputModel):
    conversation_id: uuid.UUID
    ok: bool
    code: str
    detail: str


class BulkResult(OutputModel):
    results: list[BulkItem]


class SavedReplyCreate(InputModel):
    name: str = Field(min_length=1, max_length=120)
    language: Literal["en", "fr"] = "en"
    body: str = Field(
        min_length=1,
        max_length=5000,
        examples=["Hello {first_name}, your order {order_id} leaves today. {agent_name}"],
    )
    tags: TagList = Field(default_factory=list, max_length=20)
    holding_statement: bool = False


class SavedReply(OutputModel):
    id: uuid.UUID
    name: str
    language: str
    body: str
    tags: list[str]
    holding_statement: bool
    variables: list[str]
    created_at: datetime
    updated_at: datetime


class SavedReplyList(OutputModel):
    items: list[SavedReply]


class RenderRequest(InputModel):
    conversation_id: LaxUUID
    values: dict[str, str] = Field(default_factory=dict, max_length=40)
    parent_message_id: LaxUUID | None = Field(
        default=None, description="The message answered (default: the latest inbound one)."
    )


class Rendered(OutputModel):
    text: str
    variables: dict[str, str]


class ResponseTargetSet(InputModel):
    channel_id: LaxUUID | None = Field(default=None, description="null: every channel")
    priority: Lax[Priority] = Priority.NORMAL
    minutes: int = Field(ge=1, le=60 * 24 * 30)


class ResponseTargetUpdate(InputModel):
    minutes: int = Field(ge=1, le=60 * 24 * 30)


class ResponseTarget(OutputModel):
    id: uuid.UUID
    channel_id: uuid.UUID | None
    priority: str
    minutes: int


class ResponseTargetList(OutputModel):
    items: list[ResponseTarget]


class AuthorTags(InputModel):
    tags: TagList = Field(max_length=20, examples=[["customer", "vip"]])


class AuthorCard(OutputModel):
    author: Author
    other_accounts: list[Author] = Field(description="The same handle on other networks.")
    conversations: list[ConversationItem] = Field(description="Latest first, every channel.")
    message_count: int


class ResponseFigures(OutputModel):
    channel_id: uuid.UUID | None = Field(description="null: every channel together")
    requests: int
    answered: int
    response_rate: float | None
    median_first_response_seconds: float | None


class PeriodStats(OutputModel):
    start: datetime
    end: datetime
    channels: list[ResponseFigures]
    total: ResponseFigures


class ResponseStats(PeriodStats):
    periods: list[PeriodStats] = Field(
        description="Day by day or week by week when `interval` is given (local midnights)."
    )


def item_out(view: Any) -> ConversationItem:
    return ConversationItem.model_validate(view)
