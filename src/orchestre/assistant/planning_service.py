"""Content planning use cases: propose a plan, show its items, accept or discard them.

A plan is a proposal: its items are AI drafts on the calendar, nothing is created in the
posts until a person accepts an item. Accepting creates a draft post through the posts
service; with "schedule", the post is then submitted (approvals) and, when the workspace's
review lets it through and the person may schedule, scheduled through
`posts.scheduling.schedule`, the one door that checks permissions and approvals. An item
whose review is required stays in review: the plan never schedules around it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from orchestre.approvals import service as approvals
from orchestre.assistant import gateway, planning
from orchestre.assistant import planning_repository as repo
from orchestre.assistant.planning import ItemSpec, PillarBrief, PillarTarget, PlannedSlot
from orchestre.assistant.planning_schemas import PlanCreate
from orchestre.audit.service import record, snapshot
from orchestre.calendar.service import check_range
from orchestre.errors import Conflict, FieldError, Invalid, NotFound
from orchestre.insights.service import channel_best_times
from orchestre.kit.clock import utcnow
from orchestre.kit.timezones import local_to_utc, utc_to_local
from orchestre.models import Channel, ContentPillar, VariantState, Workspace
from orchestre.models.assistant_plans import AssistantPlan, AssistantPlanItem, PlanItemStatus
from orchestre.posts import editorial, scheduling
from orchestre.posts import repository as posts_repository
from orchestre.posts import service as posts
from orchestre.posts.schemas import PostCreate, ScheduleCreate
from orchestre.posts.validation import EditorialRules, instance_options
from orchestre.workspaces.permissions import Actor, Permission

P = Permission
S = VariantState
FEATURE = "planning"
AI_DRAFT_TAG = "ai-draft"
HISTORY = timedelta(weeks=8)  # the pace of a channel, and the pillars' recent mix
DEFAULT_PER_WEEK = 3
MAX_EVENTS = 2000
MAX_AHEAD = timedelta(days=366)  # how far ahead a plan may start


@dataclass(frozen=True)
class PlanView:
    plan: AssistantPlan
    items: list[ItemView]


@dataclass(frozen=True)
class ItemView:
    item: AssistantPlanItem
    channel: Channel
    pillar: str | None
    local_slot: datetime  # naive wall time in the workspace's zone


@dataclass(frozen=True)
class DecisionView:
    item: ItemView
    outcome: str  # discarded | draft | in_review | approved | scheduled


# --- reading --------------------------------------------------------------------------------


def _workspace(session: Session, actor: Actor) -> Workspace:
    found = repo.workspace(session, actor.workspace_id)
    if found is None:
        raise NotFound("Workspace not found.", code="workspace_not_found")
    return found


def workspace_zone(session: Session, actor: Actor) -> str:
    """The zone the plan's wall times are read in."""
    actor.require(P.POSTS_VIEW)
    return _workspace(session, actor).timezone


def _pillar_names(session: Session, actor: Actor) -> dict[uuid.UUID, ContentPillar]:
    return {p.id: p for p in editorial.list_pillars(session, actor, limit=200).items}


def _views(
    session: Session, actor: Actor, items: Sequence[AssistantPlanItem], zone: str
) -> list[ItemView]:
    channels = repo.channels_by_ids(session, actor.workspace_id, (i.channel_id for i in items))
    pillars = _pillar_names(session, actor)
    return [
        ItemView(
            item,
            channels[item.channel_id],
            pillars[item.pillar_id].name if item.pillar_id in pillars else None,
            utc_to_local(item.slot_at, zone).replace(tzinfo=None),
        )
        for item in items
    ]


def get_plan(session: Session, actor: Actor, plan_id: uuid.UUID) -> PlanView:
    actor.require(P.POSTS_VIEW)
    plan = repo.get_plan(session, actor.workspace_id, plan_id)
    if plan is None:
        raise NotFound("This plan does not exist in this workspace.", code="plan_not_found")
    items = repo.plan_items(session, actor.workspace_id, plan.id)
    return PlanView(plan, _views(session, actor, items, plan.timezone))


def item(session: Session, actor: Actor, item_id: uuid.UUID) -> ItemView:
    actor.require(P.POSTS_VIEW)
    found = repo.get_item(session, actor.workspace_id, item_id)
    if found is None:
        raise NotFound("This plan item does not exist in this workspace.", code="item_not_found")
    return _views(session, actor, [found], _workspace(session, actor).timezone)[0]


def calendar_items(
    session: Session, actor: Actor, starts: datetime, ends: datetime
) -> list[ItemView]:
    """The AI drafts of [starts, ends) for the calendar: proposed items, and accepted ones
    whose post has no time yet (shown where the plan put them)."""
    actor.require(P.POSTS_VIEW)
    starts, ends = check_range(starts, ends)
    zone = _workspace(session, actor).timezone
    rows = repo.items_between(session, actor.workspace_id, starts, ends, MAX_EVENTS)
    return _views(session, actor, [item for item, _ in rows], zone)


# --- proposing ------------------------------------------------------------------------------


def _midnight(day: date, zone: str) -> datetime:
    """The first instant of a local day (a zone whose clocks skip midnight: 01:00)."""
    for hour in (0, 1, 2):
        try:
            return local_to_utc(datetime.combine(day, time(hour)), zone)
        except Invalid:
            continue
    raise Invalid(f"{day} has no start in {zone}.", code="bad_day")  # pragma: no cover


def _first_day(data: PlanCreate, zone: str, now: datetime) -> date:
    today = utc_to_local(now, zone).date()
    if data.starts_on is None:
        return today + timedelta(days=1)
    if data.starts_on < today:
        message = "The plan cannot start in the past; choose today or a later day."
        raise Invalid(
            message,
            code="plan_in_past",
            errors=[
                FieldError(
                    "starts_on", "not_past", message, limit=str(today), actual=str(data.starts_on)
                )
            ],
        )
    if data.starts_on > today + MAX_AHEAD:
        message = f"A plan starts within {MAX_AHEAD.days} days; choose an earlier day."
        raise Invalid(
            message,
            code="plan_too_far",
            errors=[FieldError("starts_on", "max_ahead", message, limit=MAX_AHEAD.days)],
        )
    return data.starts_on


def _channels(session: Session, actor: Actor, ids: Sequence[uuid.UUID]) -> list[Channel]:
    found = repo.channels(session, actor.workspace_id, list(dict.fromkeys(ids)) or None)
    if ids and len(found) != len(set(ids)):
        raise NotFound("A channel of the plan does not exist in this workspace.", code="not_found")
    if not found:
        message = "Connect a channel first: a plan places posts on channels."
        raise Invalid(
            message,
            code="plan_without_channel",
            errors=[FieldError("channel_ids", "required", message)],
        )
    return found


def _pillars(session: Session, actor: Actor, ids: Sequence[uuid.UUID]) -> list[ContentPillar]:
    every = _pillar_names(session, actor)
    if not ids:
        return sorted(every.values(), key=lambda p: (p.name.casefold(), str(p.id)))
    missing = [i for i in ids if i not in every]
    if missing:
        raise NotFound(
            "A pillar of the plan does not exist in this workspace.", code="pillar_not_found"
        )
    return [every[i] for i in dict.fromkeys(ids)]


def _pace(counts: dict[uuid.UUID, int], channel: Channel, asked: int | None) -> int:
    if asked is not None:
        return asked
    weekly = round(counts.get(channel.id, 0) / (HISTORY.days / 7))
    return min(planning.MAX_PER_WEEK, weekly) if weekly > 0 else DEFAULT_PER_WEEK


@dataclass(frozen=True)
class _Placed:
    channel: Channel
    slot: PlannedSlot


def _place(
    session: Session,
    actor: Actor,
    channels: Sequence[Channel],
    data: PlanCreate,
    zone: str,
    first_day: date,
    window: tuple[datetime, datetime],
) -> list[_Placed]:
    now = utcnow()
    counts = repo.dated_counts(session, actor.workspace_id, now - HISTORY, now)
    placed = []
    for channel in channels:
        hours = channel_best_times(session, channel, zone, now).hours
        held = repo.taken(
            session,
            actor.workspace_id,
            channel.id,
            window[0] - planning.TAKEN_GAP,
            window[1] + planning.TAKEN_GAP,
        )
        per_week = _pace(counts, channel, data.posts_per_week)
        for slot in planning.channel_slots(hours, zone, first_day, data.weeks, per_week, now, held):
            placed.append(_Placed(channel, slot))
    placed.sort(key=lambda p: (p.slot.starts_at, p.channel.network, p.channel.handle))
    return placed


def _briefs(
    session: Session, actor: Actor, pillars: Sequence[ContentPillar]
) -> dict[uuid.UUID, PillarBrief]:
    return {
        p.id: PillarBrief(
            p.name, p.description, tuple(repo.best_posts(session, actor.workspace_id, p.id))
        )
        for p in pillars
    }


def _assign(
    session: Session,
    actor: Actor,
    pillars: Sequence[ContentPillar],
    count: int,
    window: tuple[datetime, datetime],
) -> tuple[list[uuid.UUID | None], str]:
    """The pillar of each of `count` items in time order, and how shares were weighed."""
    if not pillars:
        return [None] * count, "equal"
    now = utcnow()
    history = repo.pillar_counts(session, actor.workspace_id, now - HISTORY, window[1])
    targets = [PillarTarget(p.id, p.name, p.target_share) for p in pillars]
    allocation = planning.allocate(count, targets, history)
    order = [t.id for t in sorted(targets, key=lambda t: (t.name.casefold(), str(t.id)))]
    return list(planning.spread(allocation.quotas, order)), allocation.basis


def propose(session: Session, actor: Actor, data: PlanCreate) -> PlanView:
    """A plan for the coming weeks, its items proposed as AI drafts (nothing is posted)."""
    actor.require(P.ASSISTANT_USE)
    actor.require(P.POSTS_CREATE)
    ws = _workspace(session, actor)
    zone, language = ws.timezone, planning.language_of(ws.locale)
    first_day = _first_day(data, zone, utcnow())
    window = (_midnight(first_day, zone), _midnight(first_day + timedelta(weeks=data.weeks), zone))
    channels = _channels(session, actor, data.channel_ids)
    pillars = _pillars(session, actor, data.pillar_ids)
    placed = _place(session, actor, channels, data, zone, first_day, window)
    assigned, shares = _assign(session, actor, pillars, len(placed), window)
    briefs = _briefs(session, actor, pillars)
    specs = [
        ItemSpec(
            position=n,
            network=p.channel.network,
            handle=p.channel.handle,
            local=p.slot.local,
            pillar=briefs[pillar_id] if pillar_id is not None else None,
            options=instance_options(p.channel.settings or {}),
        )
        for n, (p, pillar_id) in enumerate(zip(placed, assigned, strict=True), start=1)
    ]
    texts, drafted = _write(session, actor, ws, specs, first_day)
    plan = AssistantPlan(
        workspace_id=actor.workspace_id,
        created_by=actor.user_id,
        weeks=data.weeks,
        starts_at=window[0],
        ends_at=window[1],
        timezone=zone,
        language=language,
        shares=shares,
        source=drafted.source,
        prompt_id=drafted.prompt_id,
        call_id=drafted.call_id,
        fell_back=drafted.fell_back,
        inputs={
            "channel_ids": [str(c.id) for c in channels],
            "pillar_ids": [str(p.id) for p in pillars],
            "posts_per_week": data.posts_per_week,
            "starts_on": str(first_day),
        },
    )
    repo.add(session, plan)
    for n, (p, pillar_id) in enumerate(zip(placed, assigned, strict=True), start=1):
        _store_item(session, plan, n, p, pillar_id, texts[n], drafted)
    record(
        session, actor, "assistant_plan.propose", "assistant_plan", plan.id, after=snapshot(plan)
    )
    return get_plan(session, actor, plan.id)


def _store_item(
    session: Session,
    plan: AssistantPlan,
    position: int,
    placed: _Placed,
    pillar_id: uuid.UUID | None,
    text: tuple[str, str | None],
    drafted: gateway.Drafted[dict[int, str]],
) -> None:
    body, fell_back = text
    repo.add(
        session,
        AssistantPlanItem(
            workspace_id=plan.workspace_id,
            plan_id=plan.id,
            channel_id=placed.channel.id,
            pillar_id=pillar_id,
            position=position,
            slot_at=placed.slot.starts_at,
            text=body,
            status=PlanItemStatus.PROPOSED.value,
            # The provider's text, or the offline one that replaced it for this item.
            source=gateway.OFFLINE if fell_back or drafted.offline else drafted.source,
            prompt_id=drafted.prompt_id,
            call_id=drafted.call_id,
            fell_back=fell_back,
        ),
    )


def _write(
    session: Session,
    actor: Actor,
    ws: Workspace,
    specs: Sequence[ItemSpec],
    first_day: date,
) -> tuple[dict[int, tuple[str, str | None]], gateway.Drafted[dict[int, str]]]:
    """Each item's text and why a provider's text was not used (None: it was), with the
    gateway's answer (source, prompt, call)."""
    line = posts_repository.editorial_line(session, actor.workspace_id)
    rules = EditorialRules.from_line(line)
    language = planning.language_of(ws.locale)
    offline = {
        s.position: planning.offline_text(
            s, language, rules, planning.seed_of(ws.id, first_day, s.network, s.handle, s.local)
        )
        for s in specs
    }
    by_number = {s.position: s for s in specs}

    def judge(number: int, text: str) -> str | None:
        spec = by_number.get(number)
        if spec is None:
            return "no such item"
        problems = planning.text_problems(text, spec.network, rules, spec.options)
        return problems[0].message if problems else None

    def check(value: dict[int, str]) -> str | None:
        if not specs:
            return None
        if any(judge(n, t) is None for n, t in value.items()):
            return None
        return "no item's text passes the network's rules and the editorial line"

    drafted = gateway.draft(
        session,
        actor,
        feature=FEATURE,
        prompt_id=planning.PROMPT_ID,
        messages=[
            gateway.Message("system", planning.SYSTEM_PROMPT),
            gateway.Message(
                "user",
                planning.prompt_of(specs, language, rules, line.tone_notes if line else ""),
            ),
        ],
        parse=planning.parse_items,
        offline=lambda: dict(offline),
        check=check,
        max_tokens=min(4000, 120 * max(1, len(specs)) + 200),
        json_mode=True,
    )
    if drafted.offline:
        reason = drafted.fell_back
        return {n: (t, reason) for n, t in offline.items()}, drafted
    return planning.choose_texts(drafted.value, offline, judge), drafted


# --- deciding -------------------------------------------------------------------------------


def _proposed(session: Session, actor: Actor, item_id: uuid.UUID) -> AssistantPlanItem:
    item = repo.get_item(session, actor.workspace_id, item_id, lock=True)
    if item is None:
        raise NotFound("This plan item does not exist in this workspace.", code="item_not_found")
    if item.status != PlanItemStatus.PROPOSED.value:
        raise Conflict(
            f"This plan item was already {item.status}; it cannot be decided again.",
            code="item_decided",
        )
    return item


def _decided(
    session: Session, actor: Actor, item: AssistantPlanItem, status: PlanItemStatus
) -> None:
    before = snapshot(item)
    item.status = status.value
    item.decided_by = actor.user_id
    item.decided_at = utcnow()
    session.flush()
    action = f"assistant_plan_item.{'accept' if status is PlanItemStatus.ACCEPTED else 'discard'}"
    record(
        session, actor, action, "assistant_plan_item", item.id, before=before, after=snapshot(item)
    )


def _title(item: AssistantPlanItem, pillar: str | None) -> str:
    excerpt = " ".join(item.text.split())[:60]
    return f"AI draft · {pillar}" if pillar else f"AI draft · {excerpt}"


def _accepted_post(
    session: Session, actor: Actor, item: AssistantPlanItem, pillar: str | None
) -> uuid.UUID:
    notes = (
        f"Drafted by the assistant for a content plan ({item.source}, prompt {item.prompt_id}"
        + (f", call {item.call_id}" if item.call_id else "")
        + "). Read it before submitting it."
    )
    view = posts.create_post(
        session,
        actor,
        PostCreate(
            title=_title(item, pillar),
            base_text=item.text,
            channel_ids=[item.channel_id],
            pillar_id=item.pillar_id,
            tags=[AI_DRAFT_TAG],
            internal_notes=notes,
        ),
    )
    return view.post.id


def _schedule(session: Session, actor: Actor, post_id: uuid.UUID, at: datetime) -> str:
    """Submit, then schedule through the one door when the review let the post through."""
    approvals.submit(session, actor, post_id)
    post = posts.load_post(session, actor, post_id)
    states = {v.state for v in post.variants}
    if states != {S.APPROVED.value}:
        return "in_review"
    if not actor.can(P.POSTS_SCHEDULE):
        return "approved"
    scheduling.schedule(session, actor, post_id, ScheduleCreate(at=at))
    return "scheduled"


def accept(
    session: Session, actor: Actor, item_id: uuid.UUID, *, schedule: bool = False
) -> DecisionView:
    """The item becomes a draft post at its time (and, if asked, goes through review and
    scheduling); the item is marked accepted and leaves the calendar once scheduled."""
    actor.require(P.ASSISTANT_USE)
    actor.require(P.POSTS_CREATE)
    item = _proposed(session, actor, item_id)
    pillars = _pillar_names(session, actor)
    pillar = pillars[item.pillar_id].name if item.pillar_id in pillars else None
    item.post_id = _accepted_post(session, actor, item, pillar)
    outcome = "draft"
    if schedule:
        outcome = _schedule(session, actor, item.post_id, item.slot_at)
    _decided(session, actor, item, PlanItemStatus.ACCEPTED)
    zone = _workspace(session, actor).timezone
    return DecisionView(_views(session, actor, [item], zone)[0], outcome)


def discard(session: Session, actor: Actor, item_id: uuid.UUID) -> DecisionView:
    """The item leaves the calendar; nothing was created for it."""
    actor.require(P.ASSISTANT_USE)
    actor.require(P.POSTS_CREATE)
    item = _proposed(session, actor, item_id)
    _decided(session, actor, item, PlanItemStatus.DISCARDED)
    zone = _workspace(session, actor).timezone
    return DecisionView(_views(session, actor, [item], zone)[0], "discarded")


def decide_all(
    session: Session, actor: Actor, plan_id: uuid.UUID, *, accept_items: bool, schedule: bool
) -> list[DecisionView]:
    """Accept (or discard) every item of the plan still proposed, in time order."""
    actor.require(P.ASSISTANT_USE)
    actor.require(P.POSTS_CREATE)
    view = get_plan(session, actor, plan_id)
    pending = [v.item.id for v in view.items if v.item.status == PlanItemStatus.PROPOSED.value]
    if accept_items:
        return [accept(session, actor, i, schedule=schedule) for i in pending]
    return [discard(session, actor, i) for i in pending]
