"""Worker tasks that carry the inbox's requests to the networks: send a reply, hide, show
again, delete or like a comment.

Each runs in three steps, like publishing: read the intent and open the channel in the
job's transaction, then commit (a reply is marked `sending` first: from then on a new
attempt looks on the network by its `client_ref` before sending again, so an answer never
goes out twice); call the network outside any transaction; record the outcome. A
retryable failure is raised again so the worker retries with backoff; a permanent one is
recorded with the network's reason and the people concerned are notified.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from orchestre.audit.service import record
from orchestre.channels import repository as channel_repository
from orchestre.channels.apps import access_for
from orchestre.config import get_settings
from orchestre.connectors.base import (
    AmbiguousError,
    ConnectorError,
    CredentialError,
    Installation,
    PermanentError,
    PublishedRef,
    RetryableError,
)
from orchestre.inbox import repository as repo
from orchestre.inbox import sla
from orchestre.inbox.sla import TOLD_ROLES
from orchestre.kit.clock import utcnow
from orchestre.models import Channel, Conversation, ConversationStatus, InboxMessage, OutboundState
from orchestre.models.inbox import Direction
from orchestre.publishing import tasks as publishing_tasks
from orchestre.publishing.gateway import ChannelGateway, Gateway
from orchestre.worker.queue import enqueue
from orchestre.worker.registry import task
from orchestre.workspaces.notifications import notify

log = logging.getLogger(__name__)
OS = OutboundState

SEND_REPLY_TASK = "inbox.send_reply"
REPLY_FAILED = "inbox_reply_failed"
# How long a job answers for a reply it took (longer than the worker's retry delays and
# any network timeout), and how old a reply must be before a lost job is suspected.
REPLY_LEASE = timedelta(minutes=10)
STALLED_AFTER = timedelta(minutes=10)
RESEND_BATCH = 100
ACTION_FAILED = "inbox_action_failed"

_gateway: Gateway | None = None


def configure(gateway: Gateway | None) -> Gateway | None:
    """Set how this process reaches the networks (tests, the benchmark); returns the previous."""
    global _gateway
    previous, _gateway = _gateway, gateway
    return previous


def gateway() -> Gateway:
    """The configured gateway, else publishing's (every process that runs workers starts
    publishing), else the channels' own with the process settings."""
    if _gateway is not None:
        return _gateway
    try:
        return publishing_tasks.context().gateway
    except RuntimeError:
        return ChannelGateway(access_for(get_settings()))


def _open(session: Session, message: InboxMessage) -> Installation | str:
    """The channel's installation, else why it cannot be used (revoked credentials, an
    unknown network: a person must act). Retryable errors raise, for the worker to retry."""
    channel = session.get(Channel, message.channel_id)
    if channel is None:
        return "The channel no longer exists."
    try:
        return gateway().open(session, channel)
    except RetryableError:
        raise
    except Exception as exc:
        return f"The channel cannot be used now: {exc}"


# --- replies ------------------------------------------------------------------------------------


@task(SEND_REPLY_TASK)
def send_reply(session: Session, message_id: str, token: str | None = None) -> None:
    outcome = deliver_reply(session, uuid.UUID(message_id), token)
    log.debug("reply %s: %s", message_id, outcome)


def deliver_reply(session: Session, message_id: uuid.UUID, token: str | None = None) -> str:
    """Send one queued reply; returns what happened. Retryable failures are raised again.

    `token` is the resender's: once it handed the reply to a new job, an older job (the
    one thought lost, or its retries) stands aside, so two jobs never both send."""
    message = repo.message_for_update(session, message_id)
    if message is None or message.outbound_state not in (OS.QUEUED.value, OS.SENDING.value):
        return "nothing to do"
    if message.send_token is not None and token != message.send_token:
        return "superseded"
    look_first = message.outbound_state == OS.SENDING.value
    installation = _open(session, message)
    if isinstance(installation, str):
        _reply_failed(session, message, installation)
        return "failed"
    message.outbound_state = OS.SENDING.value
    message.sending_until = utcnow() + REPLY_LEASE
    client_ref, parent, text = message.client_ref or "", message.parent_external_id, message.text
    session.commit()

    try:
        ref = _send_once(installation, client_ref, parent or "", text, look_first)
    except (RetryableError, AmbiguousError) as exc:
        # Retryable: nothing was sent, the next attempt sends. Ambiguous: the row stays
        # `sending`, so the next attempt looks for it first.
        message = repo.message_for_update(session, message_id)
        if message is not None and isinstance(exc, RetryableError) and not look_first:
            message.outbound_state = OS.QUEUED.value
        if message is not None:
            message.failure_reason = f"Will try again: {exc.message}"[:500]
            # The worker's retry of this job keeps answering for it.
            message.sending_until = utcnow() + REPLY_LEASE
        session.commit()
        raise
    except ConnectorError as exc:
        message = repo.message_for_update(session, message_id)
        if message is not None:
            _reply_failed(session, message, _reason(exc))
        return "failed"

    message = repo.message_for_update(session, message_id)
    if message is None:
        return "vanished"
    message.outbound_state = OS.SENT.value
    message.sending_until = None
    message.external_id = ref.external_id
    message.url = ref.url
    message.failure_reason = None
    conversation = session.get(Conversation, message.conversation_id)
    if conversation is not None:
        conversation.version += 1
    record(
        session,
        None,
        "inbox.reply.sent",
        "inbox_message",
        message.id,
        after={"external_id": ref.external_id, "url": ref.url},
        workspace_id=message.workspace_id,
    )
    return "sent"


def resend_stalled(session: Session, now: datetime) -> int:
    """Hand every reply whose job seems lost (queued or sending for a while, nobody
    answering for it) to a new job; returns how many. The caller commits: the jobs are
    sent after the commit, each with a new token. A reply left `sending` is looked for on
    the network first by its new job, as after any ambiguous attempt."""
    stalled = session.scalars(
        select(InboxMessage)
        .where(
            InboxMessage.direction == Direction.OUTBOUND.value,
            InboxMessage.outbound_state.in_((OS.QUEUED.value, OS.SENDING.value)),
            InboxMessage.received_at < now - STALLED_AFTER,
            or_(InboxMessage.sending_until.is_(None), InboxMessage.sending_until < now),
        )
        .order_by(InboxMessage.received_at)
        .limit(RESEND_BATCH)
    ).all()
    for message in stalled:
        message.send_token = uuid.uuid4().hex
        message.sending_until = now + REPLY_LEASE
        enqueue(session, SEND_REPLY_TASK, message_id=str(message.id), token=message.send_token)
        log.warning("reply %s seemed stalled; handed to a new job", message.id)
    return len(stalled)


def _send_once(
    installation: Installation, client_ref: str, parent: str, text: str, look_first: bool
) -> PublishedRef:
    """Reply, unless an earlier attempt that may have reached the network is found there.

    A network that cannot be asked raises `PermanentError(code="unverifiable")`: the reply
    then fails for a person to check rather than risk a second copy."""
    if look_first and client_ref:
        found = installation.find_by_client_ref(client_ref)
        if found is not None:
            return found
    return installation.reply(parent, text, client_ref=client_ref or None)


def _reason(exc: ConnectorError) -> str:
    if isinstance(exc, PermanentError) and exc.code == "unverifiable":
        return (
            "The network did not confirm whether this reply went out and cannot be asked; "
            f"check on the network before answering again. ({exc.reason})"
        )
    if isinstance(exc, CredentialError):
        return f"The channel's access was refused; reconnect it. ({exc.message})"
    if isinstance(exc, PermanentError):
        return exc.reason
    return exc.message


def _reply_failed(session: Session, message: InboxMessage, reason: str) -> None:
    message.outbound_state = OS.FAILED.value
    message.sending_until = None
    message.failure_reason = reason[:500]
    conversation = session.get(Conversation, message.conversation_id)
    if conversation is not None:
        _reopen(session, conversation)
    told = {u for u in (message.sent_by, conversation.assignee_id if conversation else None) if u}
    if not told:  # a rule's reply on a conversation nobody has: the people who answer
        told = set(_answerers(session, message.workspace_id))
    notify(
        session,
        message.workspace_id,
        told,
        REPLY_FAILED,
        {
            "conversation_id": str(message.conversation_id),
            "message_id": str(message.id),
            "reason": message.failure_reason,
        },
    )
    record(
        session,
        None,
        "inbox.reply.failed",
        "inbox_message",
        message.id,
        after={"reason": message.failure_reason},
        workspace_id=message.workspace_id,
    )


def _reopen(session: Session, conversation: Conversation) -> None:
    """The answer did not go out: what it answered waits again."""
    waiting: datetime | None = repo.oldest_unanswered(session, conversation.id)
    if waiting is not None and conversation.status == ConversationStatus.WAITING.value:
        conversation.status = (
            ConversationStatus.ASSIGNED.value
            if conversation.assignee_id is not None
            else ConversationStatus.NEW.value
        )
    conversation.awaiting_since = waiting
    sla.on_priority_changed(session, conversation)  # recomputes the due instant
    conversation.version += 1


# --- hide, show again, delete, like --------------------------------------------------------------

_CALLS: dict[str, Callable[[Installation, str], None]] = {
    "hide": lambda inst, ext: inst.hide_comment(ext, True),
    "unhide": lambda inst, ext: inst.hide_comment(ext, False),
    "delete": lambda inst, ext: inst.delete_comment(ext),
    "like": lambda inst, ext: inst.like(ext),
}


def _undo_flag(message: InboxMessage, action: str) -> None:
    if action in ("hide", "unhide"):
        message.hidden = action != "hide"
    elif action == "delete":
        message.deleted = False
    elif action == "like":
        message.liked = False


@task("inbox.moderate")
def moderate(session: Session, message_id: str, action: str) -> None:
    outcome = carry_out(session, uuid.UUID(message_id), action)
    log.debug("%s of message %s: %s", action, message_id, outcome)


def _still_wanted(message: InboxMessage, action: str) -> bool:
    # A later request may have changed its mind (hidden, then shown again): only the
    # latest intent goes to the network.
    return {
        "hide": message.hidden,
        "unhide": not message.hidden,
        "delete": message.deleted,
        "like": message.liked,
    }.get(action, False)


def carry_out(session: Session, message_id: uuid.UUID, action: str) -> str:
    """Do one hide / unhide / delete / like on the network; retryable failures raise."""
    call = _CALLS.get(action)
    message = repo.message_for_update(session, message_id)
    if call is None or message is None:
        return "nothing to do"
    if not _still_wanted(message, action):
        return "superseded"
    installation = _open(session, message)
    if isinstance(installation, str):
        _action_failed(session, message, action, installation)
        return "failed"
    external_id = message.external_id
    session.commit()
    try:
        call(installation, external_id)
    except RetryableError:
        raise
    except ConnectorError as exc:
        message = repo.message_for_update(session, message_id)
        if message is not None and _still_wanted(message, action):
            _action_failed(session, message, action, _reason(exc))
        return "failed"
    message = repo.message_for_update(session, message_id)
    if message is not None:
        message.failure_reason = None
    return "done"


def _action_failed(session: Session, message: InboxMessage, action: str, reason: str) -> None:
    _undo_flag(message, action)
    message.failure_reason = reason[:500]
    conversation = session.get(Conversation, message.conversation_id)
    told: set[uuid.UUID] = set()
    if conversation is not None:
        conversation.version += 1
        if conversation.assignee_id is not None:
            told.add(conversation.assignee_id)
    if not told:
        told = set(_answerers(session, message.workspace_id))
    notify(
        session,
        message.workspace_id,
        told,
        ACTION_FAILED,
        {
            "conversation_id": str(message.conversation_id),
            "message_id": str(message.id),
            "action": action,
            "reason": message.failure_reason,
        },
    )
    record(
        session,
        None,
        f"inbox.message.{action}_failed",
        "inbox_message",
        message.id,
        after={"reason": message.failure_reason},
        workspace_id=message.workspace_id,
    )


def _answerers(session: Session, workspace_id: uuid.UUID) -> list[uuid.UUID]:
    return list(channel_repository.members_with_roles(session, workspace_id, TOLD_ROLES))
