"""Use cases of moderation that a person drives: rules (save, order, dry run), the action
log and its undo, and the starter set. Reading needs inbox.view, changing inbox.moderate."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.errors import FieldError, Invalid, NotFound
from orchestre.kit.clock import utcnow
from orchestre.kit.pagination import Page, clamp_limit, decode_cursor_or_invalid
from orchestre.models.inbox import SavedReply
from orchestre.models.moderation import ModerationAction, ModerationRule
from orchestre.moderation import repository, starter, undo
from orchestre.moderation.conditions import ChannelCondition, Group, parse
from orchestre.moderation.effects import (
    ActionSpec,
    AssignAction,
    AutoReplyAction,
    NotifyAction,
    describe,
    parse_actions,
)
from orchestre.moderation.repository import ActionFilter
from orchestre.moderation.rules import CompiledRule, compile_rule, matches
from orchestre.workspaces.permissions import Actor, Permission, Role

AUDITED = ["id", "name", "description", "enabled", "position", "stop", "conditions", "actions"]
DRY_RUN_LIMIT = 20_000  # messages a dry run reads at most (the newest)
DRY_RUN_SAMPLES = 20


def _field_errors(prefix: str, exc: ValidationError | ValueError) -> list[FieldError]:
    if not isinstance(exc, ValidationError):
        return [FieldError(prefix, "invalid", str(exc))]
    out = []
    for err in exc.errors():
        # Leave out pydantic's own steps (the branch picked, a validator's name).
        steps = [str(p) for p in err["loc"] if str(p) not in {"leaf", "group"}]
        where = ".".join([prefix, *(p for p in steps if "[" not in p and "(" not in p)])
        rule, text = err["type"], err["msg"]
        out.append(FieldError(where, rule, text))
    return out


def _invalid(errors: list[FieldError]) -> Invalid:
    return Invalid("The rule cannot be saved; see 'errors'.", code="invalid_rule", errors=errors)


def _leaves(group: Group) -> list[Any]:
    out: list[Any] = []
    for item in group.items:
        out.extend(_leaves(item) if isinstance(item, Group) else [item])
    return out


def _reference_errors(
    session: Session, workspace_id: uuid.UUID, group: Group | None, specs: list[ActionSpec]
) -> list[FieldError]:
    """Ids and roles a rule names must exist here (a foreign id reads as unknown)."""
    errors: list[FieldError] = []
    if group is not None:
        channels = set(repository.channel_ids(session, workspace_id))
        for leaf in _leaves(group):
            if isinstance(leaf, ChannelCondition) and set(leaf.channel_ids) - channels:
                errors.append(
                    FieldError(
                        "conditions",
                        "unknown_channel",
                        "Some of these channels are not in this workspace.",
                    )
                )
    return errors + _action_reference_errors(session, workspace_id, specs)


def _action_reference_errors(
    session: Session, workspace_id: uuid.UUID, specs: list[ActionSpec]
) -> list[FieldError]:
    errors: list[FieldError] = []
    members = {m.user_id for m in repository.memberships(session, workspace_id)}
    roles = {r.value for r in Role}
    for i, spec in enumerate(specs):
        where = f"actions.{i}"
        if isinstance(spec, AssignAction):
            if spec.user_id is not None and spec.user_id not in members:
                errors.append(
                    FieldError(
                        f"{where}.user_id",
                        "unknown_member",
                        "This person is not a member of the workspace.",
                    )
                )
            if spec.role is not None and spec.role not in roles:
                errors.append(
                    FieldError(f"{where}.role", "unknown_role", "Unknown role.", actual=spec.role)
                )
        elif isinstance(spec, NotifyAction):
            if set(spec.user_ids) - members:
                errors.append(
                    FieldError(
                        f"{where}.user_ids",
                        "unknown_member",
                        "Some of these people are not members of the workspace.",
                    )
                )
            if set(spec.roles) - roles:
                errors.append(FieldError(f"{where}.roles", "unknown_role", "Unknown role."))
        elif isinstance(spec, AutoReplyAction):
            saved = session.get(SavedReply, spec.saved_reply_id)
            if saved is None or saved.workspace_id != workspace_id:
                errors.append(
                    FieldError(
                        f"{where}.saved_reply_id",
                        "unknown_saved_reply",
                        "This saved reply does not exist in the workspace.",
                    )
                )
    return errors


def validated(
    session: Session,
    workspace_id: uuid.UUID,
    conditions: dict[str, Any] | None,
    actions: list[dict[str, Any]] | None,
) -> None:
    """Invalid, naming each bad field, unless both documents are sound."""
    errors: list[FieldError] = []
    group: Group | None = None
    specs: list[ActionSpec] = []
    if conditions is not None:
        try:
            group = parse(conditions)
        except (ValidationError, ValueError) as exc:
            errors += _field_errors("conditions", exc)
    if actions is not None:
        try:
            specs = parse_actions(actions)
        except (ValidationError, ValueError) as exc:
            errors += _field_errors("actions", exc)
    if not errors:
        errors += _reference_errors(session, workspace_id, group, specs)
    if errors:
        raise _invalid(errors)


def list_rules(session: Session, actor: Actor) -> list[ModerationRule]:
    actor.require(Permission.INBOX_VIEW)
    return repository.rules(session, actor.workspace_id)


def recent_matches(session: Session, actor: Actor, days: int = 7) -> dict[uuid.UUID, int]:
    """Messages each rule acted on in the last `days` days."""
    actor.require(Permission.INBOX_VIEW)
    since = utcnow() - timedelta(days=days)
    return repository.matches_by_rule(session, actor.workspace_id, since)


def get_rule(session: Session, actor: Actor, rule_id: uuid.UUID) -> ModerationRule:
    actor.require(Permission.INBOX_VIEW)
    row = repository.rule(session, actor.workspace_id, rule_id)
    if row is None:
        raise NotFound("Moderation rule not found.", code="rule_not_found")
    return row


@dataclass
class RuleFields:
    name: str | None = None
    description: str | None = None
    enabled: bool | None = None
    stop: bool | None = None
    conditions: dict[str, Any] | None = None
    actions: list[dict[str, Any]] | None = None
    changed: dict[str, Any] = field(default_factory=dict)

    def given(self) -> dict[str, Any]:
        names = ("name", "description", "enabled", "stop", "conditions", "actions")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}


def create_rule(session: Session, actor: Actor, fields: RuleFields) -> ModerationRule:
    actor.require(Permission.INBOX_MODERATE)
    values = fields.given()
    name = (values.get("name") or "").strip()
    if not name:
        raise _invalid([FieldError("name", "required", "Give the rule a name.")])
    validated(session, actor.workspace_id, values.get("conditions"), values.get("actions"))
    if "conditions" not in values or "actions" not in values:
        raise _invalid(
            [FieldError("conditions", "required", "A rule needs conditions and actions.")]
        )
    row = ModerationRule(
        id=uuid.uuid4(),
        workspace_id=actor.workspace_id,
        name=name,
        description=values.get("description", "").strip(),
        enabled=values.get("enabled", True),
        stop=values.get("stop", False),
        conditions=values["conditions"],
        actions=values["actions"],
        position=repository.next_position(session, actor.workspace_id),
        created_by=actor.user_id,
    )
    session.add(row)
    session.flush()
    record(session, actor, "moderation.rule.created", "moderation_rule", row.id, after=_snap(row))
    return row


def _snap(row: ModerationRule) -> dict[str, Any]:
    return snapshot(row, AUDITED)


def update_rule(
    session: Session, actor: Actor, rule_id: uuid.UUID, fields: RuleFields
) -> ModerationRule:
    actor.require(Permission.INBOX_MODERATE)
    row = get_rule(session, actor, rule_id)
    values = fields.given()
    if "name" in values:
        values["name"] = values["name"].strip()
        if not values["name"]:
            raise _invalid([FieldError("name", "required", "Give the rule a name.")])
    validated(session, actor.workspace_id, values.get("conditions"), values.get("actions"))
    before = _snap(row)
    for key, value in values.items():
        setattr(row, key, value)
    # Bump updated_at even within the same clock tick, so the compiled cache is refreshed.
    row.updated_at = max(utcnow(), row.updated_at + timedelta(microseconds=1))
    session.flush()
    record(
        session,
        actor,
        "moderation.rule.updated",
        "moderation_rule",
        row.id,
        before=before,
        after=_snap(row),
    )
    return row


def delete_rule(session: Session, actor: Actor, rule_id: uuid.UUID) -> None:
    actor.require(Permission.INBOX_MODERATE)
    row = get_rule(session, actor, rule_id)
    before = _snap(row)
    session.delete(row)
    session.flush()
    record(session, actor, "moderation.rule.deleted", "moderation_rule", rule_id, before=before)


def reorder_rules(
    session: Session, actor: Actor, rule_ids: list[uuid.UUID]
) -> list[ModerationRule]:
    """Set the order rules run in; the list must name every rule of the workspace once."""
    actor.require(Permission.INBOX_MODERATE)
    rows = repository.rules(session, actor.workspace_id)
    by_id = {row.id: row for row in rows}
    if len(rule_ids) != len(set(rule_ids)) or set(rule_ids) != set(by_id):
        raise Invalid(
            "List every rule of the workspace exactly once.",
            code="invalid_order",
            errors=[
                FieldError(
                    "rule_ids", "every_rule_once", "List every rule of the workspace exactly once."
                )
            ],
        )
    ordered = [by_id[i] for i in rule_ids]
    repository.reorder(session, ordered)
    session.flush()
    record(
        session,
        actor,
        "moderation.rules.reordered",
        "workspace",
        actor.workspace_id,
        after={"rule_ids": [str(i) for i in rule_ids]},
    )
    return ordered


@dataclass
class DryRunResult:
    days: int
    examined: int = 0
    matched: int = 0
    actions: dict[str, int] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False


def dry_run(
    session: Session,
    actor: Actor,
    *,
    days: int,
    rule_id: uuid.UUID | None = None,
    conditions: dict[str, Any] | None = None,
    actions: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
) -> DryRunResult:
    """What a rule (saved, or a draft) would have done to the last `days` of messages.

    Nothing changes: conditions are evaluated, actions only counted."""
    actor.require(Permission.INBOX_VIEW)
    if rule_id is not None:
        row = get_rule(session, actor, rule_id)
        conditions = row.conditions if conditions is None else conditions
        actions = row.actions if actions is None else actions
        name = row.name
    else:
        name = "draft"
    if conditions is None:
        raise _invalid([FieldError("conditions", "required", "Give a rule_id or conditions.")])
    validated(session, actor.workspace_id, conditions, actions or None)
    compiled = compile_rule(rule_id or uuid.uuid4(), name, conditions, actions or [])
    return _replay(session, actor.workspace_id, compiled, days, now or utcnow())


def _replay(
    session: Session, workspace_id: uuid.UUID, rule: CompiledRule, days: int, now: datetime
) -> DryRunResult:
    messages = repository.recent_inbound(
        session, workspace_id, now - timedelta(days=days), DRY_RUN_LIMIT + 1
    )
    result = DryRunResult(days=days, truncated=len(messages) > DRY_RUN_LIMIT)
    messages = messages[:DRY_RUN_LIMIT]
    result.examined = len(messages)
    counts: Counter[str] = Counter()
    names = [spec.type for spec in rule.actions]
    for match in matches(session, workspace_id, messages, [rule]):
        result.matched += 1
        counts.update(names)
        if len(result.samples) < DRY_RUN_SAMPLES:
            m = match.message
            result.samples.append(
                {
                    "message_id": m.id,
                    "conversation_id": m.conversation_id,
                    "text": (m.text or "")[:280],
                    "received_at": m.received_at,
                    "matched": match.evidence["matched"],
                    "labels": match.evidence["labels"],
                    "scores": match.evidence["scores"],
                    "actions": names,
                }
            )
    result.actions = dict(counts)
    return result


@dataclass(frozen=True)
class LoggedAction:
    entry: ModerationAction
    blocked_because: str | None
    excerpt: str = ""


def list_actions(
    session: Session,
    actor: Actor,
    filters: ActionFilter,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[LoggedAction]:
    """The log of automatic actions, newest first, each saying whether it can be undone."""
    actor.require(Permission.INBOX_VIEW)
    limit = clamp_limit(limit)
    found = decode_cursor_or_invalid(cursor)
    rows = repository.actions(
        session,
        actor.workspace_id,
        filters,
        cursor=found.position() if found else None,
        limit=limit + 1,
    )
    page = Page.from_rows(rows, limit, key=lambda a: (a.at, a.id))
    blocked = undo.blockers(session, page.items)
    texts = repository.excerpts(session, [e.message_id for e in page.items if e.message_id])
    return Page(
        [
            LoggedAction(e, blocked[e.id], texts.get(e.message_id, "") if e.message_id else "")
            for e in page.items
        ],
        page.next_cursor,
    )


def undo_action(session: Session, actor: Actor, action_id: uuid.UUID) -> LoggedAction:
    actor.require(Permission.INBOX_MODERATE)
    entry = repository.action(session, actor.workspace_id, action_id)
    if entry is None:
        raise NotFound("Moderation action not found.", code="moderation_action_not_found")
    undo.undo(session, entry, actor.user_id)
    session.flush()
    record(
        session,
        actor,
        "moderation.action.undone",
        "moderation_action",
        entry.id,
        after={"action": entry.action, "message_id": entry.message_id, "rule": entry.rule_name},
    )
    return LoggedAction(entry, undo.blockers(session, [entry])[entry.id])


def install_starter(session: Session, actor: Actor) -> list[ModerationRule]:
    """Add the starter rules missing from this workspace (again only those missing)."""
    actor.require(Permission.INBOX_MODERATE)
    added = starter.install(session, actor.workspace_id, actor.user_id)
    for row in added:
        record(
            session, actor, "moderation.rule.created", "moderation_rule", row.id, after=_snap(row)
        )
    return added


def action_summary(spec: dict[str, Any]) -> dict[str, Any]:
    """An action document as the page shows it (defaults left out)."""
    try:
        return describe(parse_actions([spec])[0])
    except (ValidationError, ValueError):
        return spec
