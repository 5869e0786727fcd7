"""A rule's actions: their JSON shape (validated on save) and how each is carried out.

Every action carried out leaves a `ModerationAction` whose `params` keep what is needed to
undo it (the value before, the reply queued). Network actions (hide, delete, reply) go
through `orchestre.inbox.actions`, which sends them as background jobs after the
transaction commits; the conversation's own fields (tags, assignee, priority) change here.
`orchestre.inbox.actions` imports this module (for the approval tag), so it and
`orchestre.inbox.sla` are imported inside the functions that use them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator
from sqlalchemy.orm import Session

from orchestre.errors import DomainError
from orchestre.kit.clock import utcnow
from orchestre.models import Membership
from orchestre.models.inbox import (
    Conversation,
    ConversationStatus,
    InboxMessage,
    Priority,
    SavedReply,
)
from orchestre.models.moderation import ModerationAction, ModerationRule
from orchestre.moderation import repository
from orchestre.workspaces.notifications import notify

# The conversation tag that makes every reply to it wait for approval.
APPROVAL_TAG = "approval-required"
ESCALATED_KIND = "moderation_escalated"
ESCALATED_EVENT = "moderation.escalated"

PriorityName = Literal["low", "normal", "high", "urgent"]
Tag = Annotated[str, Field(min_length=1, max_length=60)]


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HideAction(_Action):
    type: Literal["hide"]


class DeleteAction(_Action):
    type: Literal["delete"]


class TagAction(_Action):
    type: Literal["tag"]
    tags: list[Tag] = Field(min_length=1, max_length=20)


class AssignAction(_Action):
    """To one member (`user_id`), or in turn to the members holding `role`."""

    type: Literal["assign"]
    user_id: uuid.UUID | None = None
    role: str | None = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def _one_target(self) -> AssignAction:
        if (self.user_id is None) == (self.role is None):
            raise ValueError("give exactly one of user_id or role")
        return self


class PriorityAction(_Action):
    type: Literal["set_priority"]
    priority: PriorityName


class AutoReplyAction(_Action):
    type: Literal["auto_reply"]
    saved_reply_id: uuid.UUID


class RequireApprovalAction(_Action):
    type: Literal["require_approval"]


class NotifyAction(_Action):
    """Tell roles or members in the app (and by email and webhook); `escalate` also makes
    the conversation urgent."""

    type: Literal["notify"]
    roles: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=10)
    user_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    escalate: bool = False
    note: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _someone(self) -> NotifyAction:
        if not self.roles and not self.user_ids:
            raise ValueError("name at least one role or member to notify")
        return self


ActionSpec = Annotated[
    HideAction
    | DeleteAction
    | TagAction
    | AssignAction
    | PriorityAction
    | AutoReplyAction
    | RequireApprovalAction
    | NotifyAction,
    Field(discriminator="type"),
]
_ACTIONS = TypeAdapter(list[ActionSpec])
MAX_ACTIONS = 10


def parse_actions(document: list[dict[str, Any]]) -> list[ActionSpec]:
    specs = _ACTIONS.validate_python(document)
    if not specs:
        raise ValueError("a rule needs at least one action")
    if len(specs) > MAX_ACTIONS:
        raise ValueError(f"a rule has at most {MAX_ACTIONS} actions")
    return specs


def describe(spec: ActionSpec) -> dict[str, Any]:
    """The action as plain JSON, for the log and the dry run."""
    return spec.model_dump(mode="json", exclude_defaults=True) | {"type": spec.type}


@dataclass
class Run:
    """State shared by the actions of one `apply_rules` call (to spare repeated queries)."""

    session: Session
    workspace_id: uuid.UUID
    members: list[Membership] | None = None
    # Open conversations per assignee, read once and kept up to date during the run.
    load: dict[uuid.UUID, int] | None = None
    # Conversations an auto-reply of this run already answered.
    answered: set[uuid.UUID] = field(default_factory=set)

    def _all(self) -> list[Membership]:
        if self.members is None:
            self.members = repository.memberships(self.session, self.workspace_id)
        return self.members

    def members_with(self, roles: list[str]) -> list[uuid.UUID]:
        wanted = set(roles)
        return sorted((m.user_id for m in self._all() if wanted & set(m.roles)), key=str)

    def members_with_any(self) -> set[uuid.UUID]:
        return {m.user_id for m in self._all()}


def perform(
    run: Run,
    rule: ModerationRule,
    message: InboxMessage,
    conversation: Conversation,
    spec: ActionSpec,
    evidence: dict[str, Any],
) -> ModerationAction:
    """Carry out one action on one message; its log entry (`failed` with the reason if
    refused) is for the caller to add, all at once, so the queries of later actions do not
    flush the log row by row."""
    entry = ModerationAction(
        id=uuid.uuid4(),
        workspace_id=message.workspace_id,
        rule_id=rule.id,
        rule_name=rule.name,
        message_id=message.id,
        conversation_id=conversation.id,
        action=spec.type,
        evidence=evidence,
        at=utcnow(),
    )
    try:
        entry.params = _PERFORMERS[spec.type](run, rule, message, conversation, spec)
    except (ActionRefused, DomainError) as exc:
        # A refusal (the network cannot hide, the reply is gone) is logged, not raised:
        # the other actions and rules still run.
        entry.status, entry.error, entry.params = "failed", str(exc)[:500], describe(spec)
    except NothingToDo as exc:
        entry.status, entry.error, entry.params = "skipped", str(exc)[:500], describe(spec)
    return entry


class ActionRefused(Exception):
    """The action could not be carried out (a saved reply gone, nobody to assign...)."""


class NothingToDo(Exception):
    """The action is not needed here (someone already has the conversation, this rule
    already answered it): logged as skipped, so the log says why nothing happened."""


def _touch(conversation: Conversation) -> None:
    conversation.version = (conversation.version or 0) + 1


def _hide(
    run: Run, rule: ModerationRule, m: InboxMessage, c: Conversation, spec: Any
) -> dict[str, Any]:
    before = bool(m.hidden)
    from orchestre.inbox import actions

    actions.request_hide(run.session, m, True, by_rule=rule)
    return {"previous_hidden": before}


def _delete(
    run: Run, rule: ModerationRule, m: InboxMessage, c: Conversation, spec: Any
) -> dict[str, Any]:
    from orchestre.inbox import actions

    actions.request_delete(run.session, m, by_rule=rule)
    return {}


def _tag(
    run: Run, rule: ModerationRule, m: InboxMessage, c: Conversation, spec: TagAction
) -> dict[str, Any]:
    current = list(c.tags or [])
    added = [t for t in dict.fromkeys(spec.tags) if t not in current]
    if added:
        c.tags = current + added
        _touch(c)
    return {"tags": list(spec.tags), "added": added}


def _assign(
    run: Run, rule: ModerationRule, m: InboxMessage, c: Conversation, spec: AssignAction
) -> dict[str, Any]:
    if c.assignee_id is not None:
        # A rule never takes a conversation from the person who has it.
        raise NothingToDo("The conversation is already assigned; it stays with that person.")
    if spec.user_id is not None:
        if spec.user_id not in run.members_with_any():
            raise ActionRefused("The member to assign is no longer in the workspace.")
        target = spec.user_id
    else:
        target = _next_in_turn(run, rule, spec.role or "")
    params = {
        "assignee_id": str(target),
        "previous_assignee_id": str(c.assignee_id) if c.assignee_id else None,
        "previous_status": c.status,
        "role": spec.role,
    }
    c.assignee_id = target
    if c.status == ConversationStatus.NEW.value:
        c.status = ConversationStatus.ASSIGNED.value
    _touch(c)
    return params


def _next_in_turn(run: Run, rule: ModerationRule, role: str) -> uuid.UUID:
    """Whoever of the role has the fewest open conversations (ties: a stable order), so
    the work goes round the team and evens out after someone's day off."""
    people = run.members_with([role])
    if not people:
        raise ActionRefused(f"Nobody holds the role {role} to be assigned.")
    if run.load is None:
        run.load = repository.open_load(run.session, run.workspace_id)
    load = run.load
    chosen = min(people, key=lambda p: (load.get(p, 0), str(p)))
    load[chosen] = load.get(chosen, 0) + 1
    return chosen


def _priority(
    run: Run, rule: ModerationRule, m: InboxMessage, c: Conversation, spec: PriorityAction
) -> dict[str, Any]:
    before = c.priority
    set_priority(run.session, c, spec.priority)
    return {"priority": spec.priority, "previous_priority": before}


def set_priority(session: Session, conversation: Conversation, priority: str) -> None:
    if conversation.priority == priority:
        return
    conversation.priority = priority
    _touch(conversation)
    from orchestre.inbox import sla

    sla.on_priority_changed(session, conversation)


def _auto_reply(
    run: Run, rule: ModerationRule, m: InboxMessage, c: Conversation, spec: AutoReplyAction
) -> dict[str, Any]:
    saved = run.session.get(SavedReply, spec.saved_reply_id)
    if saved is None or saved.workspace_id != m.workspace_id:
        raise ActionRefused("The saved reply of this rule no longer exists.")
    from orchestre.inbox import replies

    # Filled as a person's saved reply is; a variable the conversation cannot fill
    # (an order number) refuses the reply rather than send it half-filled.
    text = replies.fill(saved.body, replies.conversation_values(run.session, c))
    from orchestre.inbox import actions

    if repository.answered_by_rule(run.session, rule.id, c.id) or c.id in run.answered:
        raise NothingToDo("This rule already answered this conversation.")
    run.answered.add(c.id)
    before = c.status
    reply = actions.request_reply(
        run.session,
        None,
        c,
        text,
        parent_message=m,
        source="rule",
        require_approval=APPROVAL_TAG in (c.tags or []),
    )
    return {
        "saved_reply_id": str(saved.id),
        "reply_message_id": str(reply.id),
        "text": text,
        "previous_status": before,
    }


def _require_approval(
    run: Run, rule: ModerationRule, m: InboxMessage, c: Conversation, spec: Any
) -> dict[str, Any]:
    current = list(c.tags or [])
    added = APPROVAL_TAG not in current
    if added:
        c.tags = [*current, APPROVAL_TAG]
        _touch(c)
    return {"added": added}


def _notify(
    run: Run, rule: ModerationRule, m: InboxMessage, c: Conversation, spec: NotifyAction
) -> dict[str, Any]:
    people = set(run.members_with(spec.roles)) | (set(spec.user_ids) & run.members_with_any())
    before = c.priority
    if spec.escalate:
        set_priority(run.session, c, Priority.URGENT.value)
    payload = {
        "rule": rule.name,
        "rule_id": str(rule.id),
        "conversation_id": str(c.id),
        "message_id": str(m.id),
        "excerpt": (m.text or "")[:200],
        "escalated": spec.escalate,
        "note": spec.note,
    }
    notify(run.session, m.workspace_id, people, ESCALATED_KIND, payload)
    return {
        "notified": sorted(str(p) for p in people),
        "escalate": spec.escalate,
        "previous_priority": before,
    }


_PERFORMERS: dict[str, Any] = {
    "hide": _hide,
    "delete": _delete,
    "tag": _tag,
    "assign": _assign,
    "set_priority": _priority,
    "auto_reply": _auto_reply,
    "require_approval": _require_approval,
    "notify": _notify,
}
