"""What people do with an alert: acknowledge, resolve, engage crisis mode (publishing
paused through the one pause, the team told, holding statements pinned), and who may."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.errors import Forbidden, NotFound, TransitionRefused
from orchestre.kit.clock import FrozenClock
from orchestre.models import AuditEntry, Notification, Post, PostVariant, VariantState
from orchestre.models.moderation import CrisisAlert
from orchestre.moderation import crisis
from orchestre.publishing import planning
from orchestre.publishing import service as publishing
from orchestre.publishing.claims import claim_due
from orchestre.publishing.policy import EnginePolicy
from orchestre.workspaces.permissions import Actor, Role
from tests.factories import make_member, make_workspace
from tests.moderation.crisis_support import Inbox, make_inbox


@pytest.fixture
def inbox(db: Session, clock: FrozenClock) -> Inbox:
    return make_inbox(db, clock)


def _actor(inbox: Inbox, *roles: str) -> Actor:
    user = make_member(inbox.db, inbox.workspace, *roles) if roles else inbox.owner
    held = frozenset(Role(r) for r in roles) if roles else frozenset({Role.OWNER})
    return Actor(user_id=user.id, workspace_id=inbox.workspace.id, roles=held)


def _alert(inbox: Inbox, **columns: object) -> CrisisAlert:
    now = inbox.clock.now()
    row = CrisisAlert(
        workspace_id=inbox.workspace.id,
        kind="volume",
        key="workspace",
        severity="high",
        started_at=now - timedelta(minutes=20),
        last_seen_at=now - timedelta(minutes=10),
        evidence={"observed": 40.0, "expected": 2.0, "score": 9.1, "top_terms": []},
        **columns,
    )
    inbox.db.add(row)
    inbox.db.flush()
    return row


def _scheduled(inbox: Inbox, due_in: timedelta) -> PostVariant:
    post = Post(workspace_id=inbox.workspace.id, created_by=inbox.owner.id, base_text="Promo!")
    inbox.db.add(post)
    inbox.db.flush()
    variant = PostVariant(
        workspace_id=inbox.workspace.id,
        post_id=post.id,
        channel_id=inbox.channel.id,
        text="Promo!",
        state=VariantState.SCHEDULED.value,
        scheduled_at=inbox.clock.now() + due_in,
    )
    inbox.db.add(variant)
    inbox.db.flush()
    planning.plan(inbox.db, variant)
    return variant


def test_crisis_mode_pauses_publishing_pins_holding_statements_and_tells_the_team(
    db: Session, inbox: Inbox
) -> None:
    variant = _scheduled(inbox, timedelta(minutes=5))
    creator = make_member(db, inbox.workspace, "content_creator")
    holding = inbox.saved_reply("Holding statement")
    other = inbox.saved_reply("Opening hours")
    alert = _alert(inbox)
    actor = _actor(inbox, "community_manager")

    crisis.engage_crisis_mode(
        db, actor, alert.id, reason="Delivery incident", holding_statement_ids=[holding.id]
    )

    status = publishing.status(db, actor)
    assert status.paused is not None
    assert status.paused.reason == "Delivery incident"
    inbox.clock.advance(minutes=10)
    claims = claim_due(db, now=inbox.clock.now(), worker="w1", policy=EnginePolicy())
    assert claims == []  # the scheduled post is held
    assert variant.state == VariantState.SCHEDULED.value
    assert alert.status == "acknowledged"
    assert alert.crisis_mode_at is not None
    assert holding.holding_statement
    assert not other.holding_statement
    first = crisis.holding_candidates(db, actor)[0]
    assert first.id == holding.id
    told = db.scalars(select(Notification).where(Notification.kind == "crisis_mode")).all()
    assert creator.id in {n.user_id for n in told}  # the whole team
    actions = set(db.scalars(select(AuditEntry.action)))
    assert {"publishing.paused", "crisis.mode_engaged"} <= actions


def test_crisis_mode_when_publishing_is_already_paused_keeps_the_pause(
    db: Session, inbox: Inbox
) -> None:
    actor = _actor(inbox)
    first = publishing.pause(db, actor, reason="Already on it")
    alert = _alert(inbox)
    crisis.engage_crisis_mode(db, actor, alert.id)
    assert publishing.workspace_pause(db, inbox.workspace.id) is first
    assert alert.crisis_mode_at is not None
    # Resuming stays the publishing pause's own resume.
    publishing.resume(db, actor)
    assert publishing.workspace_pause(db, inbox.workspace.id) is None


def test_acknowledge_then_resolve_is_audited_and_a_resolved_alert_stays_resolved(
    db: Session, inbox: Inbox
) -> None:
    alert = _alert(inbox)
    actor = _actor(inbox, "community_manager")
    crisis.acknowledge(db, actor, alert.id)
    assert alert.status == "acknowledged"
    with pytest.raises(TransitionRefused):
        crisis.acknowledge(db, actor, alert.id)
    crisis.resolve(db, actor, alert.id)
    assert alert.status == "resolved"
    assert alert.resolved_by == actor.user_id
    with pytest.raises(TransitionRefused):
        crisis.resolve(db, actor, alert.id)
    with pytest.raises(TransitionRefused):
        crisis.engage_crisis_mode(db, actor, alert.id)
    actions = list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.created_at)))
    assert actions.count("crisis.alert_acknowledged") == 1
    assert actions.count("crisis.alert_resolved") == 1


def test_list_filters_by_status_and_pages(db: Session, inbox: Inbox) -> None:
    actor = _actor(inbox)
    rows = [_alert(inbox, status=s) for s in ("open", "acknowledged", "resolved")]
    for i, row in enumerate(rows):
        row.started_at = inbox.clock.now() - timedelta(hours=i)
    db.flush()
    assert [a.id for a in crisis.list_alerts(db, actor).items] == [r.id for r in rows]
    active = crisis.list_alerts(db, actor, status="active").items
    assert [a.id for a in active] == [rows[0].id, rows[1].id]
    assert [a.id for a in crisis.list_alerts(db, actor, status="resolved").items] == [rows[2].id]
    page = crisis.list_alerts(db, actor, limit=2)
    more = crisis.list_alerts(db, actor, limit=2, cursor=page.next_cursor)
    assert [a.id for a in page.items + more.items] == [r.id for r in rows]


@pytest.mark.parametrize(
    ("role", "may_view", "may_moderate", "may_engage"),
    [
        ("owner", True, True, True),
        ("social_media_manager", True, True, True),
        ("community_manager", True, True, True),
        ("content_creator", False, False, False),
        ("analyst", False, False, False),
    ],
)
def test_who_may_do_what(
    db: Session, inbox: Inbox, role: str, may_view: bool, may_moderate: bool, may_engage: bool
) -> None:
    alert = _alert(inbox)
    actor = _actor(inbox, role)

    def allowed(call: object) -> bool:
        try:
            call()  # type: ignore[operator]
        except Forbidden:
            return False
        return True

    assert allowed(lambda: crisis.get_alert(db, actor, alert.id)) is may_view
    assert allowed(lambda: crisis.acknowledge(db, actor, alert.id)) is may_moderate
    assert allowed(lambda: crisis.engage_crisis_mode(db, actor, alert.id)) is may_engage


def test_another_workspaces_alert_and_replies_are_not_found(db: Session, inbox: Inbox) -> None:
    alert = _alert(inbox)
    elsewhere = make_workspace(db)
    stranger_user = make_member(db, elsewhere, "owner")
    stranger = Actor(
        user_id=stranger_user.id, workspace_id=elsewhere.id, roles=frozenset({Role.OWNER})
    )
    with pytest.raises(NotFound):
        crisis.get_alert(db, stranger, alert.id)
    reply = inbox.saved_reply()
    mine = _alert(inbox)
    with pytest.raises(NotFound):
        crisis.pin_holding_statements(db, stranger, [reply.id])
    assert not reply.holding_statement
    assert mine.status == "open"
