"""Content planning on a real database: a plan proposed, its items accepted or discarded,
accepting through the posts service and the one scheduling door, providers' texts checked."""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.approvals import service as approvals
from orchestre.approvals.rules import StepSpec
from orchestre.assistant import planning
from orchestre.assistant import planning_service as plans
from orchestre.assistant.planning_schemas import PlanCreate
from orchestre.errors import Conflict, Forbidden, Invalid, NotFound
from orchestre.kit.clock import FrozenClock
from orchestre.kit.timezones import utc_to_local
from orchestre.models import (
    Channel,
    ContentPillar,
    EditorialLine,
    Post,
    PostVariant,
    Publication,
    Severity,
    VariantState,
    Workspace,
)
from orchestre.posts.validation import EditorialRules
from orchestre.workspaces.permissions import Actor, Role
from tests.assistant.conftest import LLMServer, Reply, switch_on_provider
from tests.factories import make_channel, make_member, make_workspace


class World:
    def __init__(self, db: Session) -> None:
        self.db = db
        self.ws: Workspace = make_workspace(db, timezone="Europe/Paris")
        self.ws.locale = "fr"
        owner = make_member(db, self.ws, "owner")
        self.owner = Actor(owner.id, self.ws.id, frozenset({Role.OWNER}))
        self.x: Channel = make_channel(db, self.ws, network="x", handle="@maison_x")
        self.mastodon: Channel = make_channel(db, self.ws, network="mastodon", handle="@maison")
        self.pillars = [
            ContentPillar(workspace_id=self.ws.id, name="Coulisses", target_share=50),
            ContentPillar(workspace_id=self.ws.id, name="Conseils", target_share=30),
            ContentPillar(workspace_id=self.ws.id, name="Produits", target_share=20),
        ]
        db.add_all(self.pillars)
        db.add(
            EditorialLine(
                workspace_id=self.ws.id,
                tone_notes="chaleureux",
                banned_words=["promo"],
                banned_words_severity=Severity.ERROR.value,
                required_hashtags=["#Maison"],
                required_mentions=[],
                required_severity=Severity.ERROR.value,
            )
        )
        db.flush()

    def member(self, *roles: Role) -> Actor:
        user = make_member(self.db, self.ws, *(r.value for r in roles))
        return Actor(user.id, self.ws.id, frozenset(roles))

    def propose(self, actor: Actor | None = None, **fields: object) -> plans.PlanView:
        data = PlanCreate.model_validate({"weeks": 2, "posts_per_week": 3, **fields})
        return plans.propose(self.db, actor or self.owner, data)


@pytest.fixture
def world(db: Session, clock: FrozenClock) -> World:
    return World(db)


def test_a_plan_places_items_on_each_channel_toward_the_pillars_targets(world: World) -> None:
    view = world.propose()
    assert len(view.items) == 2 * 3 * 2  # weeks x posts a week x channels
    assert view.plan.shares == "targets"
    assert view.plan.source == "offline"
    assert view.plan.prompt_id == planning.PROMPT_ID
    assert view.plan.call_id is not None  # the gateway logged the call
    counts: dict[str | None, int] = {}
    for item in view.items:
        counts[item.pillar] = counts.get(item.pillar, 0) + 1
        assert item.item.status == "proposed"
        assert item.item.source == "offline"
        assert item.item.slot_at > world.db.get(Workspace, world.ws.id).created_at  # type: ignore[union-attr]
    assert counts == {"Coulisses": 6, "Conseils": 4, "Produits": 2}  # 12 x 50/30/20 %
    for channel in (world.x, world.mastodon):
        times = sorted(i.item.slot_at for i in view.items if i.channel.id == channel.id)
        assert all(b - a >= planning.MIN_GAP for a, b in itertools.pairwise(times))


def test_offline_item_texts_pass_each_network_and_the_editorial_line(world: World) -> None:
    view = world.propose()
    rules = EditorialRules(
        banned_words=("promo",), required_hashtags=("#Maison",), required_severity=Severity.ERROR
    )
    for item in view.items:
        assert planning.text_problems(item.item.text, item.channel.network, rules) == []
        assert "#Maison" in item.item.text
        assert item.pillar is not None
        assert item.pillar in item.item.text  # the pillar's name, in French templates


def test_without_targets_pillars_share_equally(world: World) -> None:
    for pillar in world.pillars:
        pillar.target_share = 0
    world.db.flush()
    view = world.propose(posts_per_week=3, weeks=1, channel_ids=[str(world.x.id)])
    assert view.plan.shares == "equal"
    assert sorted(i.pillar or "" for i in view.items) == ["Conseils", "Coulisses", "Produits"]


def test_the_same_inputs_give_the_same_plan(world: World) -> None:
    first = world.propose()
    plans.decide_all(world.db, world.owner, first.plan.id, accept_items=False, schedule=False)
    second = world.propose()
    assert [
        (i.item.channel_id, i.item.slot_at, i.item.pillar_id, i.item.text) for i in first.items
    ] == [(i.item.channel_id, i.item.slot_at, i.item.pillar_id, i.item.text) for i in second.items]


def test_slots_avoid_scheduled_posts_and_other_plans_proposals(world: World) -> None:
    first = world.propose(channel_ids=[str(world.x.id)])
    # A post scheduled where the first plan's first item was.
    held = first.items[0].item.slot_at
    post = Post(workspace_id=world.ws.id, title="", base_text="Déjà prévu", variants=[])
    post.variants.append(
        PostVariant(
            workspace_id=world.ws.id,
            channel_id=world.x.id,
            text="Déjà prévu",
            state=VariantState.SCHEDULED.value,
            scheduled_at=held,
        )
    )
    world.db.add(post)
    world.db.flush()
    second = world.propose(channel_ids=[str(world.x.id)])
    others = [i.item.slot_at for i in first.items]
    for item in second.items:
        assert abs(item.item.slot_at - held) >= planning.TAKEN_GAP
        assert all(abs(item.item.slot_at - t) >= planning.TAKEN_GAP for t in others)


def test_slots_are_whole_hours_on_the_workspace_clock_across_daylight_saving(
    world: World, clock: FrozenClock
) -> None:
    # The clock is 2030-03-15; the plan's second week holds the change of 2030-03-31.
    view = world.propose(starts_on="2030-03-24", weeks=2, posts_per_week=7)
    offsets = set()
    for item in view.items:
        local = utc_to_local(item.item.slot_at, "Europe/Paris")
        assert (local.minute, local.second) == (0, 0)
        assert local.replace(tzinfo=None) == item.local_slot
        assert not (local.date() == date(2030, 3, 31) and local.hour == 2)
        offsets.add(local.utcoffset())
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}


def test_a_plan_cannot_start_in_the_past_nor_without_a_channel(world: World) -> None:
    with pytest.raises(Invalid) as refused:
        world.propose(starts_on="2030-03-01")
    assert refused.value.code == "plan_in_past"
    empty = make_workspace(world.db)
    owner = make_member(world.db, empty, "owner")
    with pytest.raises(Invalid) as none:
        plans.propose(world.db, Actor(owner.id, empty.id, frozenset({Role.OWNER})), PlanCreate())
    assert none.value.code == "plan_without_channel"


def test_the_pace_defaults_to_the_channels_history(world: World, clock: FrozenClock) -> None:
    # 16 posts published on X over the last eight weeks: two a week.
    for n in range(16):
        post = Post(workspace_id=world.ws.id, title="", base_text="old", variants=[])
        post.variants.append(
            PostVariant(
                workspace_id=world.ws.id,
                channel_id=world.x.id,
                text="old",
                state=VariantState.PUBLISHED.value,
                published_at=clock.now() - timedelta(days=3 * n + 1),
            )
        )
        world.db.add(post)
    world.db.flush()
    view = world.propose(posts_per_week=None, weeks=1)
    by_channel = {
        c: sum(1 for i in view.items if i.channel.id == c) for c in (world.x.id, world.mastodon.id)
    }
    assert by_channel == {world.x.id: 2, world.mastodon.id: plans.DEFAULT_PER_WEEK}


# --- a provider -----------------------------------------------------------------------------


def _answer(texts: dict[int, str]) -> str:
    return json.dumps({"items": [{"n": n, "text": t} for n, t in texts.items()]})


def test_a_providers_json_is_used_item_by_item_and_bad_items_fall_back(
    world: World, llm_server: LLMServer
) -> None:
    switch_on_provider(world.db, world.ws.id, llm_server.base_url, model="planner")
    good = "Dans nos coulisses ce matin : la pâte repose. #Maison"
    banned = "Grosse promo sur tout ! #Maison"
    llm_server.answer_with(lambda request: Reply(_answer({1: good, 2: banned, 3: "x" * 400})))
    view = world.propose(weeks=1, posts_per_week=2)
    items = {i.item.position: i.item for i in view.items}
    assert items[1].text == good
    assert items[1].source == "provider:planner"
    assert items[1].fell_back is None
    assert items[2].source == "offline"
    assert items[2].fell_back is not None
    assert "promo" in items[2].fell_back
    assert "promo" not in items[2].text
    assert items[3].source == "offline"  # 400 characters: too long for X or Mastodon
    assert items[4].source == "offline"
    assert items[4].fell_back == "the provider wrote no text for this item"
    assert view.plan.source == "provider:planner"
    prompt = llm_server.requests[0].prompt
    assert "Coulisses" in prompt
    assert "promo" in prompt
    assert "French" in prompt


def test_a_providers_bad_json_falls_back_to_offline_texts(
    world: World, llm_server: LLMServer
) -> None:
    switch_on_provider(world.db, world.ws.id, llm_server.base_url)
    llm_server.answer_with(lambda request: Reply("Voici votre plan : lundi, mardi..."))
    view = world.propose(weeks=1, posts_per_week=1)
    assert view.plan.source == "offline"
    assert view.plan.fell_back
    assert all(i.item.source == "offline" and i.item.fell_back for i in view.items)
    assert all("#Maison" in i.item.text for i in view.items)


# --- deciding -------------------------------------------------------------------------------


def _variants(db: Session, post_id: object) -> list[PostVariant]:
    return list(db.scalars(select(PostVariant).where(PostVariant.post_id == post_id)))


def _window(world: World) -> tuple[datetime, datetime]:
    start = datetime.fromisoformat("2030-03-15T00:00:00+00:00")
    return start, start + timedelta(days=60)


def test_accepting_creates_a_labelled_draft_post_that_stays_on_the_calendar(world: World) -> None:
    view = world.propose(weeks=1, posts_per_week=1)
    item = view.items[0]
    decided = plans.accept(world.db, world.owner, item.item.id)
    assert decided.outcome == "draft"
    assert decided.item.item.status == "accepted"
    post = world.db.get(Post, decided.item.item.post_id)
    assert post is not None
    assert "ai-draft" in post.tags
    assert post.title.startswith("AI draft")
    assert post.pillar_id == item.item.pillar_id
    assert "planning.items/1" in post.internal_notes
    [variant] = _variants(world.db, post.id)
    assert (variant.channel_id, variant.text, variant.state) == (
        item.channel.id,
        item.item.text,
        "draft",
    )
    on_calendar = plans.calendar_items(world.db, world.owner, *_window(world))
    assert item.item.id in {i.item.id for i in on_calendar}
    with pytest.raises(Conflict):
        plans.accept(world.db, world.owner, item.item.id)


def test_accepting_with_schedule_goes_through_review_and_the_scheduling_door(
    world: World,
) -> None:
    view = world.propose(weeks=1, posts_per_week=1)
    item = view.items[0].item
    decided = plans.accept(world.db, world.owner, item.id, schedule=True)
    assert decided.outcome == "scheduled"
    [variant] = _variants(world.db, item.post_id)
    assert variant.state == "scheduled"
    assert variant.scheduled_at == item.slot_at
    assert world.db.scalars(select(Publication).where(Publication.variant_id == variant.id)).first()
    on_calendar = plans.calendar_items(world.db, world.owner, *_window(world))
    assert item.id not in {i.item.id for i in on_calendar}  # the post's own entry shows it


def test_a_content_creator_cannot_schedule_around_a_required_review(world: World) -> None:
    approvals.replace_steps(world.db, world.owner, [StepSpec("Brand", "social_media_manager")])
    creator = world.member(Role.CONTENT_CREATOR)
    view = world.propose(creator, weeks=1, posts_per_week=1)
    item = view.items[0].item
    decided = plans.accept(world.db, creator, item.id, schedule=True)
    assert decided.outcome == "in_review"
    [variant] = _variants(world.db, item.post_id)
    assert variant.state == "in_review"
    assert variant.scheduled_at is None
    assert (
        world.db.scalars(select(Publication).where(Publication.variant_id == variant.id)).first()
        is None
    )
    # Even the owner's "schedule" stops at the review the workspace requires.
    other = view.items[1].item
    assert plans.accept(world.db, world.owner, other.id, schedule=True).outcome == "in_review"


def test_a_content_creator_without_review_steps_gets_an_approved_unscheduled_post(
    world: World,
) -> None:
    creator = world.member(Role.CONTENT_CREATOR)
    view = world.propose(creator, weeks=1, posts_per_week=1)
    decided = plans.accept(world.db, creator, view.items[0].item.id, schedule=True)
    assert decided.outcome == "approved"
    [variant] = _variants(world.db, view.items[0].item.post_id)
    assert (variant.state, variant.scheduled_at) == ("approved", None)


def test_discarding_takes_the_item_off_the_calendar(world: World) -> None:
    view = world.propose(weeks=1, posts_per_week=1)
    item = view.items[0].item
    assert plans.discard(world.db, world.owner, item.id).outcome == "discarded"
    on_calendar = plans.calendar_items(world.db, world.owner, *_window(world))
    assert item.id not in {i.item.id for i in on_calendar}
    assert len(on_calendar) == len(view.items) - 1
    with pytest.raises(Conflict):
        plans.accept(world.db, world.owner, item.id)
    assert world.db.scalars(select(Post).where(Post.workspace_id == world.ws.id)).first() is None


def test_accept_all_and_discard_all(world: World) -> None:
    view = world.propose(weeks=1, posts_per_week=2)
    plans.discard(world.db, world.owner, view.items[0].item.id)
    accepted = plans.decide_all(
        world.db, world.owner, view.plan.id, accept_items=True, schedule=False
    )
    assert len(accepted) == len(view.items) - 1
    assert {d.outcome for d in accepted} == {"draft"}
    again = world.propose(weeks=1, posts_per_week=1)
    gone = plans.decide_all(
        world.db, world.owner, again.plan.id, accept_items=False, schedule=False
    )
    assert {d.item.item.status for d in gone} == {"discarded"}


def test_who_may_plan_and_decide(world: World) -> None:
    reviewer = world.member(Role.REVIEWER)  # no assistant.use
    analyst = world.member(Role.ANALYST)  # the assistant, but no posts.create
    for actor in (reviewer, analyst):
        with pytest.raises(Forbidden):
            world.propose(actor)
    view = world.propose(weeks=1, posts_per_week=1)
    for actor in (reviewer, analyst):
        with pytest.raises(Forbidden):
            plans.accept(world.db, actor, view.items[0].item.id)
        with pytest.raises(Forbidden):
            plans.discard(world.db, actor, view.items[0].item.id)
    # Readers see the plan and its AI drafts on the calendar.
    assert plans.get_plan(world.db, reviewer, view.plan.id).items
    assert plans.calendar_items(world.db, reviewer, *_window(world))


def test_another_workspaces_plan_and_items_are_not_found(world: World) -> None:
    view = world.propose(weeks=1, posts_per_week=1)
    other = make_workspace(world.db)
    stranger_user = make_member(world.db, other, "owner")
    make_channel(world.db, other)
    stranger = Actor(stranger_user.id, other.id, frozenset({Role.OWNER}))
    with pytest.raises(NotFound):
        plans.get_plan(world.db, stranger, view.plan.id)
    with pytest.raises(NotFound):
        plans.accept(world.db, stranger, view.items[0].item.id)
    with pytest.raises(NotFound):
        plans.discard(world.db, stranger, view.items[0].item.id)
    with pytest.raises(NotFound):
        plans.propose(world.db, stranger, PlanCreate(channel_ids=[world.x.id]))
    assert plans.calendar_items(world.db, stranger, *_window(world)) == []
