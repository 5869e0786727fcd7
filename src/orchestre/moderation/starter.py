"""The starter rules every workspace gets: hide clear hate and spam, flag insults for
review, assign complaints.

Hiding acts on the one message; tags and priority on the conversation, which for
comments is the post's whole thread. Each rule keeps a `starter_key`, so installing again
adds only the ones missing (a rule the team deleted comes back only when asked for)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from orchestre.models.moderation import ModerationRule
from orchestre.moderation import repository
from orchestre.workspaces.permissions import Role


@dataclass(frozen=True)
class Starter:
    key: str
    name: str
    description: str
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    stop: bool = False


def _label(classifier: str, labels: list[str], min_score: float | None = None) -> dict[str, Any]:
    leaf: dict[str, Any] = {"type": "label", "classifier": classifier, "labels": labels}
    if min_score is not None:
        leaf["min_score"] = min_score
    return leaf


STARTERS: tuple[Starter, ...] = (
    Starter(
        key="hide_hate",
        name="Hide clear hate",
        description="Hate speech the classifier is sure of is hidden at once.",
        conditions={"all": [_label("toxicity", ["hate"], 0.85)]},
        actions=[{"type": "hide"}],
        stop=True,
    ),
    Starter(
        key="hide_spam",
        name="Hide spam",
        description="Spam the classifier is sure of is hidden at once.",
        conditions={"all": [_label("spam", ["spam"], 0.9)]},
        actions=[{"type": "hide"}],
        stop=True,
    ),
    Starter(
        key="flag_insults",
        name="Flag insults for review",
        description="Offensive messages stay visible but wait for a person, marked high.",
        conditions={"all": [_label("toxicity", ["offensive"], 0.6)]},
        actions=[
            {"type": "tag", "tags": ["review"]},
            {"type": "set_priority", "priority": "high"},
        ],
    ),
    Starter(
        key="assign_complaints",
        name="Assign complaints",
        description="Complaints go to the community managers in turn, marked high.",
        conditions={
            "all": [_label("needs_response", ["yes"]), _label("response_kind", ["complaint"])]
        },
        actions=[
            {"type": "assign", "role": Role.COMMUNITY_MANAGER.value},
            {"type": "set_priority", "priority": "high"},
        ],
    ),
)


def install(
    session: Session, workspace_id: uuid.UUID, created_by: uuid.UUID | None = None
) -> list[ModerationRule]:
    """Add the starter rules this workspace lacks (by key), after its own rules."""
    present = repository.starter_keys(session, workspace_id)
    position = repository.next_position(session, workspace_id)
    added: list[ModerationRule] = []
    for starter in STARTERS:
        if starter.key in present:
            continue
        rule = ModerationRule(
            id=uuid.uuid4(),
            workspace_id=workspace_id,
            name=starter.name,
            description=starter.description,
            conditions=starter.conditions,
            actions=starter.actions,
            stop=starter.stop,
            position=position,
            starter_key=starter.key,
            created_by=created_by,
        )
        position += 1
        session.add(rule)
        added.append(rule)
    session.flush()
    return added
