"""JSON routes of moderation: rules (CRUD, order, dry run), the action log with undo, starters."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import AwareDatetime

from orchestre.apischema import problems
from orchestre.deps import DB, CurrentActor, CursorQuery, LimitQuery
from orchestre.moderation import schemas, service
from orchestre.moderation.repository import ActionFilter

router = APIRouter(tags=["moderation"])

BASE = "/workspaces/{workspace_id}/moderation"


def _rule(row: object) -> schemas.Rule:
    return schemas.Rule.model_validate(row)


@router.get(BASE + "/rules", response_model=schemas.RuleList, responses=problems(400, 422))
def list_rules(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> schemas.RuleList:
    """The workspace's rules in the order they run."""
    return schemas.RuleList(items=[_rule(r) for r in service.list_rules(db, actor)])


@router.post(
    BASE + "/rules",
    response_model=schemas.Rule,
    status_code=status.HTTP_201_CREATED,
    responses=problems(400, 422),
)
def create_rule(
    workspace_id: uuid.UUID, body: schemas.RuleCreate, actor: CurrentActor, db: DB
) -> schemas.Rule:
    """A new rule, run after the existing ones; a bad condition or action is named in 'errors'."""
    fields = service.RuleFields(**body.model_dump())
    return _rule(service.create_rule(db, actor, fields))


@router.put(BASE + "/rules/order", response_model=schemas.RuleList, responses=problems(400, 422))
def reorder_rules(
    workspace_id: uuid.UUID, body: schemas.Reorder, actor: CurrentActor, db: DB
) -> schemas.RuleList:
    """Set the order the rules run in (every rule of the workspace, once)."""
    rows = service.reorder_rules(db, actor, list(body.rule_ids))
    return schemas.RuleList(items=[_rule(r) for r in rows])


@router.post(
    BASE + "/rules/starter",
    response_model=schemas.StarterInstalled,
    responses=problems(400, 422),
)
def install_starter(
    workspace_id: uuid.UUID, actor: CurrentActor, db: DB
) -> schemas.StarterInstalled:
    """Add the starter rules this workspace lacks; those already there are left alone."""
    rows = service.install_starter(db, actor)
    return schemas.StarterInstalled(installed=[_rule(r) for r in rows])


@router.get(BASE + "/rules/{rule_id}", response_model=schemas.Rule, responses=problems(400, 422))
def get_rule(
    workspace_id: uuid.UUID, rule_id: uuid.UUID, actor: CurrentActor, db: DB
) -> schemas.Rule:
    return _rule(service.get_rule(db, actor, rule_id))


@router.patch(BASE + "/rules/{rule_id}", response_model=schemas.Rule, responses=problems(400, 422))
def update_rule(
    workspace_id: uuid.UUID,
    rule_id: uuid.UUID,
    body: schemas.RuleUpdate,
    actor: CurrentActor,
    db: DB,
) -> schemas.Rule:
    """Change what is given; `enabled: false` switches the rule off."""
    fields = service.RuleFields(**body.model_dump(exclude_none=True))
    return _rule(service.update_rule(db, actor, rule_id, fields))


@router.delete(
    BASE + "/rules/{rule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(400, 422),
)
def delete_rule(
    workspace_id: uuid.UUID, rule_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    """Remove a rule; its log entries stay (with its name)."""
    service.delete_rule(db, actor, rule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(BASE + "/dry-run", response_model=schemas.DryRun, responses=problems(400, 422))
def dry_run(
    workspace_id: uuid.UUID, body: schemas.DryRunCreate, actor: CurrentActor, db: DB
) -> schemas.DryRun:
    """What a saved rule or a draft would have done over the last `days`: counts and samples.
    Nothing changes."""
    result = service.dry_run(
        db,
        actor,
        days=body.days,
        rule_id=body.rule_id,
        conditions=body.conditions,
        actions=body.actions,
    )
    return schemas.DryRun.model_validate(result)


def _action(item: service.LoggedAction) -> schemas.Action:
    e = item.entry
    return schemas.Action(
        id=e.id,
        rule_id=e.rule_id,
        rule_name=e.rule_name,
        message_id=e.message_id,
        conversation_id=e.conversation_id,
        action=e.action,
        params=e.params,
        evidence=e.evidence,
        status=e.status,
        error=e.error,
        at=e.at,
        undone_at=e.undone_at,
        undone_by=e.undone_by,
        undoable=item.blocked_because is None,
        undo_blocked_because=item.blocked_because,
        message_excerpt=item.excerpt,
    )


@router.get(BASE + "/actions", response_model=schemas.ActionPage, responses=problems(400, 422))
def list_actions(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    rule_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(max_length=30)] = None,
    status_: Annotated[str | None, Query(alias="status", max_length=12)] = None,
    message_id: uuid.UUID | None = None,
    since: Annotated[AwareDatetime | None, Query()] = None,
    until: Annotated[AwareDatetime | None, Query()] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> schemas.ActionPage:
    """The log of automatic actions, newest first, with the evidence each rule saw."""
    filters = ActionFilter(
        rule_id=rule_id,
        action=action,
        status=status_,
        message_id=message_id,
        since=since,
        until=until,
    )
    page = service.list_actions(db, actor, filters, cursor=cursor, limit=limit)
    return schemas.ActionPage(items=[_action(i) for i in page.items], next_cursor=page.next_cursor)


@router.post(
    BASE + "/actions/{action_id}/undo",
    response_model=schemas.Action,
    responses=problems(
        400, 409, 422, described={409: "This action cannot be undone (the answer says why)"}
    ),
)
def undo_action(
    workspace_id: uuid.UUID, action_id: uuid.UUID, actor: CurrentActor, db: DB
) -> schemas.Action:
    """Put back what a rule's action changed: show the message again, restore the tags,
    assignee or priority, or cancel a reply not sent yet. A delete cannot be undone."""
    return _action(service.undo_action(db, actor, action_id))
