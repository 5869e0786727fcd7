"""The moderation page: the rules in their order, the starter set, a rule's editor with its
dry run, and the log of automatic actions with one-click undo."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from orchestre.errors import FieldError
from orchestre.inbox import replies
from orchestre.models.moderation import ModerationRule
from orchestre.moderation import service as moderation
from orchestre.moderation.conditions import LABELS
from orchestre.moderation.repository import ActionFilter
from orchestre.web.forms import Form, attempt, optional, redirect, text
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView, WorkspaceWrite
from orchestre.web.shell import list_channels, shell_context
from orchestre.workspaces import service as workspaces
from orchestre.workspaces.permissions import Permission, Role

router = APIRouter(prefix="/w/{workspace_id}")
PAGE = "/moderation"
LOG_SIZE = 50
ACTIONS = ("hide", "delete", "tag", "assign", "set_priority", "auto_reply", "require_approval")
ACTIONS_ALL = (*ACTIONS, "notify")
EXAMPLE_CONDITIONS = {
    "all": [
        {"type": "label", "classifier": "toxicity", "labels": ["offensive"], "min_score": 0.7},
        {"type": "keywords", "words": ["arnaque", "scam"], "negate": True},
    ]
}
EXAMPLE_ACTIONS = [
    {"type": "tag", "tags": ["review"]},
    {"type": "set_priority", "priority": "high"},
]


def notices() -> dict[str, str]:
    return {
        "rule_saved": _("Rule saved. It applies to messages from now on."),
        "rule_deleted": _("Rule removed. Its past actions stay in the log."),
        "starter_installed": _("Starter rules installed."),
        "starter_present": _("The starter rules are all there already."),
        "undone": _("Undone."),
        "order_saved": _("Order saved."),
    }


def action_labels() -> dict[str, str]:
    return {
        "hide": _("Hide"),
        "delete": _("Delete"),
        "tag": _("Tag"),
        "assign": _("Assign"),
        "set_priority": _("Set priority"),
        "auto_reply": _("Auto-reply"),
        "require_approval": _("Require approval"),
        "notify": _("Notify"),
    }


def status_labels() -> dict[str, str]:
    return {
        "done": _("Done"),
        "skipped": _("Skipped"),
        "failed": _("Failed"),
        "undone": _("Undone"),
    }


def _context(request: Request, view: WorkspaceView) -> dict[str, Any]:
    context = shell_context(request, view, "moderation")
    done = request.query_params.get("done")
    if done in notices():
        context["toasts"] = [{"kind": "success", "message": notices()[done]}]
    context.update(action_labels=action_labels(), status_labels=status_labels())
    return context


@router.get(PAGE, response_class=HTMLResponse)
def page_view(request: Request, view: CurrentWorkspace) -> Response:
    return page(request, view)


def page(
    request: Request, view: WorkspaceView, *, failure: str | None = None, status_code: int = 200
) -> Response:
    params = request.query_params
    chosen: dict[str, Any] = {
        "rule_id": _uuid_or_none(params.get("rule_id")),
        "action": params.get("action") if params.get("action") in ACTIONS_ALL else None,
        "status": params.get("status") if params.get("status") in status_labels() else None,
    }
    log = moderation.list_actions(
        view.db,
        view.actor,
        ActionFilter(
            rule_id=_uuid_or_none(params.get("rule_id")),
            action=chosen["action"],
            status=chosen["status"],
        ),
        limit=LOG_SIZE,
    )
    rules = moderation.list_rules(view.db, view.actor)
    context = _context(request, view)
    context.update(
        rules=rules,
        log=log.items,
        more=log.next_cursor is not None,
        chosen=chosen,
        actions_all=ACTIONS_ALL,
        rule_names={r.id: r.name for r in rules},
        summaries={r.id: summary(r) for r in rules},
        recent=moderation.recent_matches(view.db, view.actor, days=7),
    )
    if failure:
        context["toasts"] = [{"kind": "error", "message": failure}]
    return render(request, "moderation/page.html", context, status_code=status_code)


def summary(rule: ModerationRule) -> dict[str, list[str]]:
    """The rule in words: each test and each action, for the list."""
    return {
        "conditions": [_leaf_words(leaf) for leaf in _leaves(rule.conditions or {})][:8],
        "actions": [
            action_labels().get(str(a.get("type")), str(a.get("type"))) for a in rule.actions
        ],
    }


def _leaves(group: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    items = group.get("all") or group.get("any") or []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            out.extend([item] if "type" in item else _leaves(item))
    return out


def _leaf_words(leaf: dict[str, Any]) -> str:
    kind = leaf.get("type")
    lists = ", ".join(
        str(v)
        for key in ("labels", "words", "tags", "networks", "languages")
        for v in (leaf.get(key) or [])
    )
    words = {
        "label": _("%(classifier)s is %(values)s")
        % {"classifier": leaf.get("classifier"), "values": lists},
        "keywords": _("contains %(values)s") % {"values": lists},
        "regex": _("matches %(pattern)s") % {"pattern": leaf.get("pattern")},
        "author_tag": _("author tagged %(values)s") % {"values": lists},
        "network": _("on %(values)s") % {"values": lists},
        "channel": _("on chosen channels"),
        "language": _("in %(values)s") % {"values": lists},
        "time_of_day": _("between %(start)s and %(end)s")
        % {"start": leaf.get("start"), "end": leaf.get("end")},
        "first_time_author": _("first message from the author"),
    }.get(str(kind), str(kind))
    if leaf.get("min_score") is not None:
        words += " " + _("(score ≥ %(score)s)") % {"score": leaf["min_score"]}
    return (_("not") + " " + words) if leaf.get("negate") else words


def _uuid_or_none(raw: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


def _editor(
    request: Request,
    view: WorkspaceView,
    rule: ModerationRule | None,
    form: dict[str, Any],
    *,
    errors: list[FieldError] | None = None,
    dry_run: moderation.DryRunResult | None = None,
    status_code: int = 200,
) -> Response:
    context = _context(request, view)
    context.update(
        rule=rule,
        form=form,
        errors=errors or [],
        dry_run=dry_run,
        builder=builder_data(view),
        example_conditions=json.dumps(EXAMPLE_CONDITIONS, indent=2, ensure_ascii=False),
        example_actions=json.dumps(EXAMPLE_ACTIONS, indent=2, ensure_ascii=False),
    )
    return render(request, "moderation/edit.html", context, status_code=status_code)


def builder_data(view: WorkspaceView) -> dict[str, Any]:
    """What the guided editor offers (members, saved replies, channels) and its words."""
    members = (
        workspaces.list_members(view.db, view.actor, limit=200).items
        if view.can(Permission.MEMBERS_VIEW)
        else []
    )
    saved = replies.list_saved_replies(view.db, view.actor)
    return {
        "members": [{"id": str(u.id), "name": u.name or u.email} for _m, u in members],
        "saved_replies": [{"id": str(r.id), "name": f"{r.name} ({r.language})"} for r in saved],
        "channels": [{"id": str(c.id), "name": c.handle} for c in list_channels(view)],
        "roles": {role.value: name for role, name in role_names().items()},
        "classifiers": {key: sorted(values) for key, values in LABELS.items()},
        "words": builder_words(),
    }


def role_names() -> dict[Role, str]:
    return {
        Role.OWNER: _("Owner"),
        Role.SOCIAL_MEDIA_MANAGER: _("Social media manager"),
        Role.COMMUNITY_MANAGER: _("Community manager"),
        Role.CONTENT_CREATOR: _("Content creator"),
        Role.REVIEWER: _("Reviewer"),
        Role.ANALYST: _("Analyst"),
    }


def builder_words() -> dict[str, str]:
    return {
        "label": _("Classifier label"),
        "keywords": _("Keywords"),
        "regex": _("Regular expression"),
        "author_tag": _("Author tag"),
        "network": _("Network"),
        "channel": _("Channel"),
        "language": _("Language"),
        "time_of_day": _("Time of day"),
        "first_time_author": _("First message from the author"),
        "classifier": _("Classifier"),
        "min_score": _("Minimum score (0 to 1)"),
        "list": _("Separate with commas"),
        "negate": _("Not"),
        "remove": _("Remove"),
        "start": _("From"),
        "end": _("To"),
        "days": _("Days (none: every day)"),
        "day_names": _("Mon,Tue,Wed,Thu,Fri,Sat,Sun"),
        "assign_to": _("Assign to"),
        "in_turn": _("In turn among: %(role)s"),
        "priority": _("Priority"),
        "priorities": _("Low,Normal,High,Urgent"),
        "saved_reply": _("Saved reply"),
        "escalate": _("Also make the conversation urgent"),
        "note": _("Note"),
        "roles": _("Roles"),
        "tags": _("Tags"),
        **{f"action_{k}": v for k, v in action_labels().items()},
    }


def _form_of(rule: ModerationRule | None) -> dict[str, Any]:
    if rule is None:
        return {
            "name": "",
            "description": "",
            "enabled": True,
            "stop": False,
            "conditions": json.dumps(EXAMPLE_CONDITIONS, indent=2, ensure_ascii=False),
            "actions": json.dumps(EXAMPLE_ACTIONS, indent=2, ensure_ascii=False),
            "days": 7,
        }
    return {
        "name": rule.name,
        "description": rule.description,
        "enabled": rule.enabled,
        "stop": rule.stop,
        "conditions": json.dumps(rule.conditions, indent=2, ensure_ascii=False),
        "actions": json.dumps(rule.actions, indent=2, ensure_ascii=False),
        "days": 7,
    }


@router.get(PAGE + "/rules/new", response_class=HTMLResponse)
def new_rule(request: Request, view: CurrentWorkspace) -> Response:
    return _editor(request, view, None, _form_of(None))


@router.get(PAGE + "/rules/{rule_id}", response_class=HTMLResponse)
def edit_rule(request: Request, view: CurrentWorkspace, rule_id: uuid.UUID) -> Response:
    rule = moderation.get_rule(view.db, view.actor, rule_id)
    return _editor(request, view, rule, _form_of(rule))


def _read(form: Form) -> tuple[dict[str, Any], moderation.RuleFields, list[FieldError]]:
    """The editor's fields as typed, the rule they describe, and JSON that does not parse."""
    values: dict[str, Any] = {
        "name": text(form, "name"),
        "description": text(form, "description"),
        "enabled": optional(form, "enabled") is not None,
        "stop": optional(form, "stop") is not None,
        "conditions": text(form, "conditions"),
        "actions": text(form, "actions"),
        "days": _days(text(form, "days", "7")),
    }
    errors: list[FieldError] = []
    documents: dict[str, Any] = {}
    for name in ("conditions", "actions"):
        try:
            documents[name] = json.loads(values[name] or "null")
        except json.JSONDecodeError as exc:
            message = _("This is not valid JSON (line %(line)d, column %(column)d).") % {
                "line": exc.lineno,
                "column": exc.colno,
            }
            errors.append(FieldError(name, "json", message))
    conditions = documents.get("conditions")
    actions = documents.get("actions")
    fields = moderation.RuleFields(
        name=values["name"],
        description=values["description"],
        enabled=values["enabled"],
        stop=values["stop"],
        conditions=conditions if isinstance(conditions, dict) else None,
        actions=actions if isinstance(actions, list) else None,
    )
    if not errors and fields.conditions is None:
        errors.append(
            FieldError("conditions", "type", _('Start with {"all": [...]} or {"any": [...]}.'))
        )
    if not errors and fields.actions is None:
        errors.append(FieldError("actions", "type", _("Give a list of actions: [...].")))
    return values, fields, errors


def _days(raw: str) -> int:
    try:
        return max(1, min(90, int(raw)))
    except ValueError:
        return 7


@router.post(PAGE + "/rules", response_class=HTMLResponse)
def create_rule(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    values, fields, errors = _read(form)
    if errors:
        return _editor(request, view, None, values, errors=errors, status_code=422)
    with attempt(view.db) as errors:
        moderation.create_rule(view.db, view.actor, fields)
    if errors:
        return _editor(request, view, None, values, errors=errors, status_code=422)
    return redirect(f"{view.base}{PAGE}", "rule_saved")


@router.post(PAGE + "/rules/{rule_id}", response_class=HTMLResponse)
def update_rule(request: Request, view: WorkspaceWrite, form: Form, rule_id: uuid.UUID) -> Response:
    rule = moderation.get_rule(view.db, view.actor, rule_id)
    values, fields, errors = _read(form)
    if errors:
        return _editor(request, view, rule, values, errors=errors, status_code=422)
    with attempt(view.db) as errors:
        moderation.update_rule(view.db, view.actor, rule_id, fields)
    if errors:
        return _editor(request, view, rule, values, errors=errors, status_code=422)
    return redirect(f"{view.base}{PAGE}", "rule_saved")


@router.post(PAGE + "/dry-run", response_class=HTMLResponse)
def dry_run(request: Request, view: WorkspaceWrite, form: Form) -> Response:
    """The editor again, with what the rule as typed would have done (nothing is saved)."""
    rule_id = _uuid_or_none(optional(form, "rule_id"))
    rule = moderation.get_rule(view.db, view.actor, rule_id) if rule_id else None
    values, fields, errors = _read(form)
    if errors:
        return _editor(request, view, rule, values, errors=errors, status_code=422)
    result = None
    with attempt(view.db) as errors:
        result = moderation.dry_run(
            view.db,
            view.actor,
            days=values["days"],
            conditions=fields.conditions,
            actions=fields.actions,
        )
    status_code = 422 if errors else 200
    return _editor(
        request, view, rule, values, errors=errors, dry_run=result, status_code=status_code
    )


@router.post(PAGE + "/rules/{rule_id}/toggle")
def toggle_rule(view: WorkspaceWrite, rule_id: uuid.UUID) -> Response:
    rule = moderation.get_rule(view.db, view.actor, rule_id)
    moderation.update_rule(
        view.db, view.actor, rule_id, moderation.RuleFields(enabled=not rule.enabled)
    )
    return redirect(f"{view.base}{PAGE}", "rule_saved")


@router.post(PAGE + "/rules/{rule_id}/move")
def move_rule(view: WorkspaceWrite, form: Form, rule_id: uuid.UUID) -> Response:
    ids = [r.id for r in moderation.list_rules(view.db, view.actor)]
    if rule_id in ids:
        i = ids.index(rule_id)
        j = i - 1 if text(form, "direction") == "up" else i + 1
        if 0 <= j < len(ids):
            ids[i], ids[j] = ids[j], ids[i]
            moderation.reorder_rules(view.db, view.actor, ids)
    return redirect(f"{view.base}{PAGE}", "order_saved")


@router.post(PAGE + "/rules/{rule_id}/delete")
def delete_rule(view: WorkspaceWrite, rule_id: uuid.UUID) -> Response:
    moderation.delete_rule(view.db, view.actor, rule_id)
    return redirect(f"{view.base}{PAGE}", "rule_deleted")


@router.post(PAGE + "/starter")
def install_starter(view: WorkspaceWrite) -> Response:
    added = moderation.install_starter(view.db, view.actor)
    return redirect(f"{view.base}{PAGE}", "starter_installed" if added else "starter_present")


@router.post(PAGE + "/actions/{action_id}/undo", response_class=HTMLResponse)
def undo_action(request: Request, view: WorkspaceWrite, action_id: uuid.UUID) -> Response:
    with attempt(view.db) as errors:
        moderation.undo_action(view.db, view.actor, action_id)
    if errors:
        # Why it cannot be undone (sent already, changed by someone since), on the page.
        return page(request, view, failure=errors[0].message, status_code=409)
    return redirect(f"{view.base}{PAGE}", "undone")
