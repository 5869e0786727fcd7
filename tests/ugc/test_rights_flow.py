"""The rights-request flow end to end on the sandbox network: a creator's post is collected,
the team asks for the rights from the app, the creator answers on the network, the inbox's
poller takes the answer in, and the item is granted (or refused) with the proof."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from orchestre.approvals import service as approvals
from orchestre.errors import Conflict
from orchestre.kit.clock import FrozenClock
from orchestre.models import PostVariant
from orchestre.models.ugc import RightsState, UgcItem, UgcStatus
from orchestre.posts import scheduling
from orchestre.posts import service as posts
from orchestre.posts.schemas import ScheduleCreate, VariantUpdate
from orchestre.ugc import rights, service
from orchestre.ugc.rights import RequestInput
from tests.ugc.test_rights_stage import Stage, staged


@pytest.fixture
def stage(db: Session, clock: FrozenClock) -> Iterator[Stage]:
    yield from staged(db, clock)


def collected(stage: Stage, text: str = "Look at my photo https://img.example/shot.jpg") -> UgcItem:
    message = stage.comment(text)
    return service.collect_message(stage.db, stage.actor, message.id)


def test_a_yes_from_the_creator_grants_the_rights_with_the_proof(stage: Stage) -> None:
    item = collected(stage)
    assert item.status == UgcStatus.COLLECTED
    assert item.media_urls == ["https://img.example/shot.jpg"]
    assert item.author_handle == "jane"

    request = rights.request_rights(stage.db, stage.actor, item.id, RequestInput(language="en"))
    assert item.status == UgcStatus.RIGHTS_REQUESTED
    assert request.text.startswith("Hi @jane, we love your post!")
    ours = stage.send(request)
    thread = stage.world.sandbox.read(
        stage.world.channel.external_id, "comments", cursor=None, limit=100
    ).items
    assert [i.text for i in thread if i.own] == [request.text]  # the request is on the network

    answer = stage.answer(ours.external_id, "Sure! #yes")
    item = stage.fresh(item)
    assert item.status == UgcStatus.GRANTED
    assert request.state == RightsState.GRANTED
    assert request.answer_text == "Sure! #yes"
    assert request.answer_external_id == answer.external_id
    assert request.answer_url == answer.url
    assert answer.url
    assert request.answer_at == answer.created_at
    assert request.sent_external_id == ours.external_id


def test_a_no_refuses_and_a_post_cannot_be_made(stage: Stage) -> None:
    item = collected(stage)
    request = rights.request_rights(stage.db, stage.actor, item.id, RequestInput(language="fr"))
    assert request.text.startswith("Bonjour @jane")
    ours = stage.send(request)
    stage.answer(ours.external_id, "Non merci #non")
    assert stage.fresh(item).status == UgcStatus.REFUSED
    with pytest.raises(Conflict) as refused:
        service.create_post(stage.db, stage.actor, item.id, [stage.world.channel.id], "Merci")
    assert refused.value.code == "rights_not_granted"


def test_someone_else_saying_yes_grants_nothing(stage: Stage) -> None:
    item = collected(stage)
    request = rights.request_rights(stage.db, stage.actor, item.id, RequestInput())
    ours = stage.send(request)
    stage.answer(ours.external_id, "#yes do it!", author="mallory")
    assert stage.fresh(item).status == UgcStatus.RIGHTS_REQUESTED
    assert request.state == RightsState.WAITING
    stage.answer(ours.external_id, "Hmm, let me think")  # the creator, without a keyword
    assert request.state == RightsState.WAITING
    stage.answer(ours.external_id, "OK #YES")  # case does not matter
    assert request.state == RightsState.GRANTED
    assert request.answer_text == "OK #YES"


def test_an_answer_after_the_wait_grants_nothing_and_the_item_expires(stage: Stage) -> None:
    item = collected(stage)
    request = rights.request_rights(stage.db, stage.actor, item.id, RequestInput(wait_days=1))
    ours = stage.send(request)
    stage.world.clock.advance(days=1, minutes=1)
    stage.answer(ours.external_id, "#yes")
    assert request.state == RightsState.WAITING
    board = service.board(stage.db, stage.actor, service.ItemFilters())
    assert request.state == RightsState.EXPIRED
    assert [i.status for i in board.items] == [UgcStatus.EXPIRED]
    again = rights.request_rights(stage.db, stage.actor, item.id, RequestInput())
    assert again.state == RightsState.WAITING  # an expired item may be asked again


def test_a_granted_item_becomes_a_credited_post_that_can_be_scheduled(stage: Stage) -> None:
    item = collected(stage)
    request = rights.request_rights(stage.db, stage.actor, item.id, RequestInput())
    stage.answer(stage.send(request).external_id, "#yes")
    view = service.create_post(
        stage.db, stage.actor, item.id, [stage.world.channel.id], "Our favourite photo"
    )
    [variant] = view.variants
    assert variant.variant.text == "Our favourite photo\n\nCredit: @jane"
    assert [f for f in variant.findings if f.blocking] == []
    approvals.submit(stage.db, stage.actor, view.post.id)
    when = stage.world.clock.now() + timedelta(days=1)
    scheduled = scheduling.schedule(stage.db, stage.actor, view.post.id, ScheduleCreate(at=when))
    assert [v.variant.state for v in scheduled.variants] == ["scheduled"]


def test_removing_the_credit_is_a_blocking_finding(stage: Stage) -> None:
    item = collected(stage)
    request = rights.request_rights(stage.db, stage.actor, item.id, RequestInput())
    stage.answer(stage.send(request).external_id, "#yes")
    view = service.create_post(stage.db, stage.actor, item.id, [stage.world.channel.id], "Nice")
    variant: PostVariant = view.variants[0].variant
    edited = posts.update_variant(
        stage.db,
        stage.actor,
        view.post.id,
        variant.id,
        VariantUpdate(version=view.post.version, text="Nice"),
    )
    rules = [f.rule for v in edited.variants for f in v.findings if f.blocking]
    assert rules == ["ugc.credit"]
