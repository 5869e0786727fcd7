"""JSON routes of the inbox team work under /workspaces/{workspace_id}/inbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from orchestre.apischema import problems
from orchestre.deps import DB, CurrentActor, CursorQuery, LimitQuery
from orchestre.inbox import authors, bulk, replies, service, targets
from orchestre.inbox import schemas as s
from orchestre.models import ConversationStatus, InboxMessage, SavedReply

router = APIRouter(tags=["inbox"])

INBOX = "/workspaces/{workspace_id}/inbox"
CONVERSATIONS = INBOX + "/conversations"
CONVERSATION = CONVERSATIONS + "/{conversation_id}"
MESSAGE = INBOX + "/messages/{message_id}"
SAVED = INBOX + "/saved-replies"
TARGETS = INBOX + "/response-targets"

Text = Annotated[str | None, Query(max_length=200)]


def _message(message: InboxMessage) -> s.Message:
    return s.Message.model_validate(message)


@router.get(CONVERSATIONS, response_model=s.ConversationPage, responses=problems(422))
def list_conversations(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    network: Annotated[str | None, Query(max_length=40)] = None,
    channel_id: uuid.UUID | None = None,
    variant_id: Annotated[uuid.UUID | None, Query(description="the post variant")] = None,
    campaign_id: uuid.UUID | None = None,
    sentiment: Text = None,
    language: Annotated[str | None, Query(max_length=8)] = None,
    toxicity: Text = None,
    status: ConversationStatus | None = None,
    assignee: Annotated[
        str | None, Query(max_length=40, description="'me', 'unassigned' or a member's id")
    ] = None,
    tag: Annotated[
        str | None, Query(max_length=40, description="the conversation's or its author's")
    ] = None,
    unanswered_since: Annotated[
        datetime | None, Query(description="waiting for an answer since at least then (aware)")
    ] = None,
    updated_since: Annotated[
        datetime | None, Query(description="changed at or after (aware): live updates")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="text search")] = None,
    order: Literal["activity", "due"] = "activity",
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> s.ConversationPage:
    """Latest activity first, or the nearest first-response due time first."""
    filters = service.filters_for(
        actor,
        network=network,
        channel_id=channel_id,
        variant_id=variant_id,
        campaign_id=campaign_id,
        sentiment=sentiment,
        language=language,
        toxicity=toxicity,
        status=status.value if status else None,
        assignee=assignee,
        tag=tag,
        unanswered_since=unanswered_since,
        updated_since=updated_since,
        q=q,
    )
    page = service.list_conversations(db, actor, filters, order=order, cursor=cursor, limit=limit)
    return s.ConversationPage(
        items=[s.item_out(v) for v in page.items], next_cursor=page.next_cursor
    )


@router.get(CONVERSATIONS + "/counts", response_model=s.StatusCounts, responses=problems(422))
def status_counts(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    channel_id: uuid.UUID | None = None,
    assignee: Annotated[str | None, Query(max_length=40)] = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> s.StatusCounts:
    """Conversations per status (the tabs), under the other filters."""
    filters = service.filters_for(actor, channel_id=channel_id, assignee=assignee, tag=tag, q=q)
    return s.StatusCounts(counts=service.status_counts(db, actor, filters))


@router.get(CONVERSATION, response_model=s.ConversationDetail, responses=problems())
def get_conversation(
    workspace_id: uuid.UUID, conversation_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.ConversationDetail:
    """The conversation, its messages (oldest first) and internal notes."""
    detail = service.get_conversation(db, actor, conversation_id)
    return s.ConversationDetail.model_validate(
        {
            "conversation": detail.view.conversation,
            "channel": detail.view.channel,
            "author": detail.view.author,
            "messages": detail.messages,
            "notes": detail.notes,
            "names": {str(k): v for k, v in detail.names.items()},
            "capabilities": detail.capabilities,
            "earlier_cursor": detail.earlier_cursor,
        }
    )


@router.get(CONVERSATION + "/messages", response_model=s.MessagePage, responses=problems(422))
def list_messages(
    workspace_id: uuid.UUID,
    conversation_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> s.MessagePage:
    """The conversation's messages, newest first."""
    page = service.list_messages(db, actor, conversation_id, cursor, limit)
    return s.MessagePage(items=[_message(m) for m in page.items], next_cursor=page.next_cursor)


@router.patch(CONVERSATION, response_model=s.Conversation, responses=problems(409, 422))
def update_conversation(
    workspace_id: uuid.UUID,
    conversation_id: uuid.UUID,
    body: s.ConversationUpdate,
    actor: CurrentActor,
    db: DB,
) -> s.Conversation:
    """Assign (or unassign), set the status, priority or tags."""
    change = service.ConversationChange(
        assignee_id=body.assignee_id,
        unassign=body.unassign,
        status=body.status.value if body.status else None,
        priority=body.priority.value if body.priority else None,
        tags=body.tags,
    )
    conversation = service.update_conversation(
        db, actor, conversation_id, change, version=body.version
    )
    return s.Conversation.model_validate(conversation)


@router.post(
    CONVERSATION + "/replies",
    response_model=s.Message,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problems(409, 422),
)
def reply(
    workspace_id: uuid.UUID,
    conversation_id: uuid.UUID,
    body: s.ReplyCreate,
    actor: CurrentActor,
    db: DB,
) -> s.Message:
    """Answer on the network: sent in the background (`outbound_state` tells where it
    stands), or held for approval when your role's replies need it."""
    if body.saved_reply_id is not None:
        message = replies.reply_with(
            db,
            actor,
            conversation_id,
            body.saved_reply_id,
            body.values,
            parent_message_id=body.parent_message_id,
        )
    else:
        message = service.reply(
            db, actor, conversation_id, body.text or "", parent_message_id=body.parent_message_id
        )
    return _message(message)


@router.post(
    CONVERSATION + "/notes",
    response_model=s.Note,
    status_code=status.HTTP_201_CREATED,
    responses=problems(422),
)
def add_note(
    workspace_id: uuid.UUID,
    conversation_id: uuid.UUID,
    body: s.NoteCreate,
    actor: CurrentActor,
    db: DB,
) -> s.Note:
    """An internal note, never sent; members @mentioned by address are notified."""
    note = service.add_note(db, actor, conversation_id, body.body, body.mentions)
    return s.Note.model_validate(note)


@router.post(MESSAGE + "/hide", response_model=s.Message, responses=problems(409, 422))
def hide_message(
    workspace_id: uuid.UUID,
    message_id: uuid.UUID,
    body: s.HideRequest,
    actor: CurrentActor,
    db: DB,
) -> s.Message:
    """Hide a comment on the network (hidden=false shows it again)."""
    return _message(service.hide_message(db, actor, message_id, body.hidden))


@router.post(MESSAGE + "/delete", response_model=s.Message, responses=problems(409))
def delete_message(
    workspace_id: uuid.UUID, message_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.Message:
    """Delete a comment on the network; it cannot be undone."""
    return _message(service.delete_message(db, actor, message_id))


@router.post(MESSAGE + "/like", response_model=s.Message, responses=problems(409))
def like_message(
    workspace_id: uuid.UUID, message_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.Message:
    return _message(service.like_message(db, actor, message_id))


@router.post(MESSAGE + "/approve", response_model=s.Message, responses=problems(409))
def approve_reply(
    workspace_id: uuid.UUID, message_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.Message:
    """Send a reply that waited for approval (not your own, unless you are the owner)."""
    return _message(service.approve_reply(db, actor, message_id))


@router.post(MESSAGE + "/reject", response_model=s.Message, responses=problems(409, 422))
def reject_reply(
    workspace_id: uuid.UUID,
    message_id: uuid.UUID,
    body: s.RejectRequest,
    actor: CurrentActor,
    db: DB,
) -> s.Message:
    """Refuse a reply that waited for approval; its author is told why."""
    return _message(service.reject_reply(db, actor, message_id, body.reason))


@router.post(INBOX + "/bulk", response_model=s.BulkResult, responses=problems(422))
def bulk_change(
    workspace_id: uuid.UUID, body: s.BulkRequest, actor: CurrentActor, db: DB
) -> s.BulkResult:
    """One change on many conversations; each result says whether it was applied."""
    change = bulk.BulkChange(
        action=body.action,
        assignee_id=body.assignee_id,
        status=body.status.value if body.status else None,
        priority=body.priority.value if body.priority else None,
        tags=body.tags,
    )
    outcomes = bulk.bulk(db, actor, body.conversation_ids, change)
    return s.BulkResult.model_validate({"results": outcomes})


# --- saved replies -----------------------------------------------------------------------


def _saved(saved: SavedReply) -> s.SavedReply:
    return s.SavedReply.model_validate(
        {
            **{c: getattr(saved, c) for c in s.SavedReply.model_fields if c != "variables"},
            "variables": replies.variables_of(saved.body),
        }
    )


def _saved_input(body: s.SavedReplyCreate) -> replies.SavedReplyInput:
    return replies.SavedReplyInput(
        name=body.name,
        language=body.language,
        body=body.body,
        tags=body.tags,
        holding_statement=body.holding_statement,
    )


@router.get(SAVED, response_model=s.SavedReplyList, responses=problems(422))
def list_saved_replies(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    language: Literal["en", "fr"] | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> s.SavedReplyList:
    """Holding statements first, then by name."""
    rows = replies.list_saved_replies(db, actor, language, q)
    return s.SavedReplyList(items=[_saved(r) for r in rows])


@router.post(
    SAVED,
    response_model=s.SavedReply,
    status_code=status.HTTP_201_CREATED,
    responses=problems(409, 422),
)
def create_saved_reply(
    workspace_id: uuid.UUID, body: s.SavedReplyCreate, actor: CurrentActor, db: DB
) -> s.SavedReply:
    return _saved(replies.create_saved_reply(db, actor, _saved_input(body)))


@router.get(SAVED + "/{saved_reply_id}", response_model=s.SavedReply, responses=problems())
def get_saved_reply(
    workspace_id: uuid.UUID, saved_reply_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.SavedReply:
    return _saved(replies.load_saved_reply(db, actor, saved_reply_id))


@router.put(SAVED + "/{saved_reply_id}", response_model=s.SavedReply, responses=problems(409, 422))
def update_saved_reply(
    workspace_id: uuid.UUID,
    saved_reply_id: uuid.UUID,
    body: s.SavedReplyCreate,
    actor: CurrentActor,
    db: DB,
) -> s.SavedReply:
    return _saved(replies.update_saved_reply(db, actor, saved_reply_id, _saved_input(body)))


@router.delete(
    SAVED + "/{saved_reply_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems()
)
def delete_saved_reply(
    workspace_id: uuid.UUID, saved_reply_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    replies.delete_saved_reply(db, actor, saved_reply_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(SAVED + "/{saved_reply_id}/render", response_model=s.Rendered, responses=problems(422))
def render_saved_reply(
    workspace_id: uuid.UUID,
    saved_reply_id: uuid.UUID,
    body: s.RenderRequest,
    actor: CurrentActor,
    db: DB,
) -> s.Rendered:
    """The saved reply filled for a conversation; a variable without a value is refused
    by name (422, code missing_variables)."""
    rendered = replies.render(
        db,
        actor,
        saved_reply_id,
        body.conversation_id,
        body.values,
        parent_message_id=body.parent_message_id,
    )
    return s.Rendered(text=rendered.text, variables=rendered.variables)


# --- response targets and figures ----------------------------------------------------------


@router.get(TARGETS, response_model=s.ResponseTargetList, responses=problems())
def list_targets(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> s.ResponseTargetList:
    """First-response targets: every channel's first, then each channel's own."""
    rows = targets.list_targets(db, actor)
    return s.ResponseTargetList.model_validate({"items": rows})


@router.post(TARGETS, response_model=s.ResponseTarget, responses=problems(422))
def set_target(
    workspace_id: uuid.UUID, body: s.ResponseTargetSet, actor: CurrentActor, db: DB
) -> s.ResponseTarget:
    """Create or replace the target of a channel (null: every channel) and priority;
    conversations waiting now follow it."""
    target = targets.set_target(db, actor, body.channel_id, body.priority.value, body.minutes)
    return s.ResponseTarget.model_validate(target)


@router.patch(
    TARGETS + "/{response_target_id}", response_model=s.ResponseTarget, responses=problems(422)
)
def update_target(
    workspace_id: uuid.UUID,
    response_target_id: uuid.UUID,
    body: s.ResponseTargetUpdate,
    actor: CurrentActor,
    db: DB,
) -> s.ResponseTarget:
    target = targets.update_target(db, actor, response_target_id, body.minutes)
    return s.ResponseTarget.model_validate(target)


@router.delete(
    TARGETS + "/{response_target_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(),
)
def delete_target(
    workspace_id: uuid.UUID, response_target_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    targets.delete_target(db, actor, response_target_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(INBOX + "/stats", response_model=s.ResponseStats, responses=problems(422))
def response_stats(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    start: Annotated[
        datetime | None, Query(description="requests arrived at or after (aware); 30 days ago")
    ] = None,
    end: Annotated[
        datetime | None, Query(description="requests arrived before (aware); now")
    ] = None,
    channel_id: uuid.UUID | None = None,
    interval: Annotated[
        Literal["day", "week"] | None, Query(description="also cut the period day by day")
    ] = None,
) -> s.ResponseStats:
    """Response rate and median first-response time per channel (formulas: docs/inbox.md)."""
    start, end = targets.period(start, end)
    figures = targets.response_figures(db, actor, start, end, channel_id)
    series = (
        targets.response_series(db, actor, start, end, interval, channel_id) if interval else []
    )
    periods = [_period(p.start, p.end, p.figures) for p in series]
    return s.ResponseStats(**_period(start, end, figures).model_dump(), periods=periods)


def _period(
    start: datetime, end: datetime, figures: list[targets.ResponseFigures]
) -> s.PeriodStats:
    return s.PeriodStats.model_validate(
        {"start": start, "end": end, "channels": figures[:-1], "total": figures[-1]}
    )


# --- authors -------------------------------------------------------------------------------


@router.get(INBOX + "/authors/{author_id}", response_model=s.AuthorCard, responses=problems())
def author_card(
    workspace_id: uuid.UUID, author_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.AuthorCard:
    """The author, their accounts on other networks and their conversations."""
    card = authors.author_card(db, actor, author_id)
    return s.AuthorCard(
        author=s.Author.model_validate(card.author),
        other_accounts=[s.Author.model_validate(a) for a in card.other_accounts],
        conversations=[s.item_out(v) for v in card.conversations],
        message_count=card.message_count,
    )


@router.put(INBOX + "/authors/{author_id}/tags", response_model=s.Author, responses=problems(422))
def set_author_tags(
    workspace_id: uuid.UUID,
    author_id: uuid.UUID,
    body: s.AuthorTags,
    actor: CurrentActor,
    db: DB,
) -> s.Author:
    """Replace the author's tags (customer, vip, influencer, troll, or your own words)."""
    return s.Author.model_validate(authors.set_author_tags(db, actor, author_id, body.tags))
