"""Undoing what a rule did, from its log entry: one click puts things back as they were.

Each action keeps in its `params` the value it replaced. Undo restores that value only
while the rule's value is still in place: a person who changed the assignee since has the
last word. A delete on the network cannot be undone, nor a notification already read, nor
a reply already sent; `blocker` says why in words the log page shows beside a disabled
button.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from orchestre.errors import Conflict
from orchestre.kit.clock import utcnow
from orchestre.models.inbox import Conversation, InboxMessage, OutboundState
from orchestre.models.moderation import ModerationAction
from orchestre.moderation import repository
from orchestre.moderation.effects import APPROVAL_TAG, set_priority

NOT_SENT = (OutboundState.PENDING_APPROVAL.value, OutboundState.QUEUED.value)


def _(message: str) -> str:
    """Marks a message for the catalogs; the page showing it translates it."""
    return message


def _reasons() -> dict[str, str]:
    return {
        "delete": _("A message deleted on the network cannot be brought back."),
        "notify": _("A notification cannot be taken back once sent."),
        "undone": _("Already undone."),
        "failed": _("This action failed: there is nothing to undo."),
        "skipped": _("Nothing was done, so there is nothing to undo."),
        "sent": _("The reply has already left for the network; it cannot be cancelled."),
    }


def blockers(session: Session, entries: Sequence[ModerationAction]) -> dict[uuid.UUID, str | None]:
    """Why each entry cannot be undone (None when it can), in one query for the replies."""
    reasons = _reasons()
    reply_ids = [
        uuid.UUID(e.params["reply_message_id"])
        for e in entries
        if e.action == "auto_reply" and e.status == "done" and e.params.get("reply_message_id")
    ]
    states = repository.outbound_states(session, reply_ids)
    out: dict[uuid.UUID, str | None] = {}
    for e in entries:
        out[e.id] = _blocker(e, states, reasons)
    return out


def _blocker(
    entry: ModerationAction, states: dict[uuid.UUID, str | None], reasons: dict[str, str]
) -> str | None:
    if entry.status == "undone":
        return reasons["undone"]
    if entry.status == "skipped":
        return reasons["skipped"]
    if entry.status != "done":
        return reasons["failed"]
    if entry.action == "delete":
        return reasons["delete"]
    if entry.action == "notify" and not entry.params.get("escalate"):
        return reasons["notify"]
    if entry.action == "auto_reply":
        raw = entry.params.get("reply_message_id")
        if not raw or states.get(uuid.UUID(raw)) not in NOT_SENT:
            return reasons["sent"]
    return None


def undo(session: Session, entry: ModerationAction, user_id: uuid.UUID | None) -> None:
    """Put back what `entry` changed, or Conflict saying why it cannot be."""
    reason = blockers(session, [entry])[entry.id]
    if reason is not None:
        raise Conflict(reason, code="cannot_undo")
    message = session.get(InboxMessage, entry.message_id) if entry.message_id else None
    conversation = (
        session.get(Conversation, entry.conversation_id) if entry.conversation_id else None
    )
    _UNDOERS[entry.action](_Target(session, entry, message, conversation))
    entry.status = "undone"
    entry.undone_at = utcnow()
    entry.undone_by = user_id


@dataclass(frozen=True)
class _Target:
    session: Session
    entry: ModerationAction
    message: InboxMessage | None
    conversation: Conversation | None

    @property
    def params(self) -> dict[str, Any]:
        return self.entry.params

    def thread(self) -> Conversation:
        if self.conversation is None:
            raise _gone()
        return self.conversation


def _changed_since() -> Conflict:
    return Conflict(
        "This was changed by someone since the rule acted; nothing was undone.",
        code="changed_since",
    )


def _gone() -> Conflict:
    return Conflict("The message or conversation no longer exists.", code="target_gone")


def _unhide(t: _Target) -> None:
    if t.message is None:
        raise _gone()
    if not t.message.hidden or t.params.get("previous_hidden"):
        return  # shown again by hand already, or it was hidden before the rule
    from orchestre.inbox import actions

    actions.request_hide(t.session, t.message, False, by_rule=t.entry.rule_id)


def _untag(t: _Target) -> None:
    conversation = t.thread()
    if t.entry.action == "require_approval":
        added = {APPROVAL_TAG} if t.params.get("added") else set()
    else:
        added = set(t.params.get("added") or [])
    if added & set(conversation.tags or []):
        conversation.tags = [tag for tag in conversation.tags if tag not in added]
        _touch(conversation)


def _unassign(t: _Target) -> None:
    conversation = t.thread()
    if str(conversation.assignee_id) != t.params.get("assignee_id"):
        raise _changed_since()
    previous = t.params.get("previous_assignee_id")
    conversation.assignee_id = uuid.UUID(previous) if previous else None
    if conversation.status == "assigned" and t.params.get("previous_status"):
        conversation.status = t.params["previous_status"]
    _touch(conversation)


def _unprioritise(t: _Target) -> None:
    conversation = t.thread()
    done = "urgent" if t.entry.action == "notify" else t.params.get("priority")
    previous = t.params.get("previous_priority")
    if previous is None or previous == done:
        return
    if conversation.priority != done:
        raise _changed_since()
    set_priority(t.session, conversation, previous)


def _cancel_reply(t: _Target) -> None:
    reply_id = uuid.UUID(t.params["reply_message_id"])
    if not repository.cancel_unsent(t.session, reply_id, NOT_SENT):
        reason = _reasons()["sent"]
        raise Conflict(reason, code="cannot_undo")
    conversation = t.conversation
    if conversation is None:
        return
    previous = t.params.get("previous_status")
    if previous and conversation.status == "waiting" and previous != "waiting":
        # The reply marked it answered: it waits for the team again, timer and all.
        conversation.status = previous
        if t.message is not None:
            from orchestre.inbox import sla

            sla.on_inbound(t.session, conversation, t.message)
    _touch(conversation)


def _touch(conversation: Conversation) -> None:
    conversation.version = (conversation.version or 0) + 1


_UNDOERS: dict[str, Callable[[_Target], None]] = {
    "hide": _unhide,
    "tag": _untag,
    "require_approval": _untag,
    "assign": _unassign,
    "set_priority": _unprioritise,
    "notify": _unprioritise,
    "auto_reply": _cancel_reply,
}
