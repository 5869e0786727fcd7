"""API models of moderation: rules, dry runs, the action log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from orchestre.apischema import CursorPage, InputModel, LaxUUID, OutputModel

CONDITIONS_DOC = (
    'A group {"all": [...]} or {"any": [...]} of tests, each with a "type": label '
    "(classifier, labels, min_score), keywords (words), regex (pattern), author_tag (tags), "
    "network (networks), channel (channel_ids), language (languages), time_of_day (start, "
    'end, days), first_time_author; any test takes "negate": true; groups nest.'
)
ACTIONS_DOC = (
    'A list of actions, each with a "type": hide, delete, tag (tags), assign (user_id or '
    "role), set_priority (priority), auto_reply (saved_reply_id), require_approval, notify "
    "(roles, user_ids, escalate, note)."
)


class RuleCreate(InputModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    enabled: bool = True
    stop: bool = Field(False, description="Once this rule matched, later rules skip the message")
    conditions: dict[str, Any] = Field(description=CONDITIONS_DOC)
    actions: list[dict[str, Any]] = Field(description=ACTIONS_DOC, max_length=10)


class RuleUpdate(InputModel):
    """Change what is given."""

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    enabled: bool | None = None
    stop: bool | None = None
    conditions: dict[str, Any] | None = Field(None, description=CONDITIONS_DOC)
    actions: list[dict[str, Any]] | None = Field(None, description=ACTIONS_DOC, max_length=10)


class Rule(OutputModel):
    id: uuid.UUID
    name: str
    description: str
    enabled: bool
    position: int
    stop: bool
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    starter_key: str | None
    created_at: datetime
    updated_at: datetime


class RuleList(OutputModel):
    items: list[Rule]


class Reorder(InputModel):
    rule_ids: list[LaxUUID] = Field(
        min_length=1, max_length=500, description="Every rule of the workspace, in the new order"
    )


class DryRunCreate(InputModel):
    """A saved rule (rule_id) or a draft (conditions and actions) over the last `days`."""

    rule_id: LaxUUID | None = None
    conditions: dict[str, Any] | None = Field(None, description=CONDITIONS_DOC)
    actions: list[dict[str, Any]] | None = Field(None, description=ACTIONS_DOC, max_length=10)
    days: int = Field(7, ge=1, le=90)


class DryRunSample(OutputModel):
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    text: str
    received_at: datetime
    matched: list[str]
    labels: dict[str, Any]
    scores: dict[str, float]
    actions: list[str]


class DryRun(OutputModel):
    days: int
    examined: int = Field(description="Inbound messages read")
    matched: int = Field(description="Messages the rule would have acted on")
    actions: dict[str, int] = Field(description="How many times each action would have run")
    samples: list[DryRunSample]
    truncated: bool = Field(description="More messages than a dry run reads: the newest were read")


class Action(OutputModel):
    id: uuid.UUID
    rule_id: uuid.UUID | None
    rule_name: str
    message_id: uuid.UUID | None
    conversation_id: uuid.UUID | None
    action: str
    params: dict[str, Any]
    evidence: dict[str, Any]
    status: Literal["done", "failed", "undone"] | str
    error: str | None
    at: datetime
    undone_at: datetime | None
    undone_by: uuid.UUID | None
    undoable: bool
    undo_blocked_because: str | None = Field(description="Why it cannot be undone, if so")
    message_excerpt: str = Field("", description="The start of the message's text")


class ActionPage(CursorPage[Action]):
    pass


class StarterInstalled(OutputModel):
    installed: list[Rule]
