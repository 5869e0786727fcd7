"""The UGC board's rules: the credit written as each network mentions people, media links
found in a post, collecting once per source, proposals of brand mentions with media, a
mention found by listening asked in a thread the inbox then follows, and tenancy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from orchestre.errors import Conflict, Invalid, NotFound
from orchestre.kit.clock import FrozenClock, utcnow
from orchestre.models import InboxMessage
from orchestre.models.listening import ListeningQuery, Mention
from orchestre.models.ugc import RightsState, UgcItem, UgcStatus
from orchestre.ugc import credits, rights, service
from orchestre.ugc.rights import RequestInput, TemplateInput
from orchestre.workspaces.permissions import Actor, Role
from tests.factories import make_workspace
from tests.ugc.test_rights_stage import Stage, staged


@pytest.fixture
def stage(db: Session, clock: FrozenClock) -> Iterator[Stage]:
    yield from staged(db, clock)


def item_on(network: str, handle: str, name: str = "", url: str | None = None) -> UgcItem:
    return UgcItem(network=network, author_handle=handle, author_name=name, author_url=url)


@pytest.mark.parametrize(
    ("network", "handle", "url", "mention"),
    [
        ("x", "@jane", None, "@jane"),
        ("instagram", "jane.doe", None, "@jane.doe"),
        ("mastodon", "jane", "https://piaille.fr/@jane/1", "@jane@piaille.fr"),
        ("mastodon", "jane@eldritch.cafe", None, "@jane@eldritch.cafe"),
        ("bluesky", "jane", None, "@jane.bsky.social"),
        ("bluesky", "jane.example.com", None, "@jane.example.com"),
        ("linkedin", "jane-doe-123", None, "Jane Doe"),
        ("tiktok", "jane", None, "@jane"),
        ("youtube", "@JaneVlogs", None, "@JaneVlogs"),
    ],
)
def test_each_network_credits_with_its_own_mention_syntax(
    network: str, handle: str, url: str | None, mention: str
) -> None:
    credit = credits.credit_for(item_on(network, handle, "Jane Doe", url), network, "en")
    assert credit.mention == mention
    assert credit.line == f"Credit: {mention}"


def test_on_another_network_the_creator_is_named_not_mentioned() -> None:
    credit = credits.credit_for(item_on("instagram", "jane"), "x", "fr")
    assert credit.line == "Crédit : jane (Instagram)"


def test_media_links_are_found_in_a_post() -> None:
    text = (
        "Look! https://img.example/a.JPG, and https://video.example/b.mp4?x=1 "
        "https://pbs.twimg.com/media/abc https://example.com/about"
    )
    assert service.media_urls_in(text) == [
        "https://img.example/a.JPG",
        "https://video.example/b.mp4?x=1",
        "https://pbs.twimg.com/media/abc",
    ]


def test_a_message_is_collected_once_and_ours_never(stage: Stage) -> None:
    message = stage.comment("Nice https://img.example/1.png")
    first = service.collect_message(stage.db, stage.actor, message.id)
    again = service.collect(stage.db, stage.actor, message_id=message.id)
    assert again.id == first.id
    assert first.author_external_id == "sbx-user-jane"
    with pytest.raises(Invalid):
        service.collect(stage.db, stage.actor)
    request = rights.request_rights(stage.db, stage.actor, first.id, RequestInput())
    ours = stage.db.get(InboxMessage, request.reply_message_id)
    assert ours is not None
    with pytest.raises(Conflict):
        service.collect_message(stage.db, stage.actor, ours.id)
    with pytest.raises(Conflict) as twice:
        rights.request_rights(stage.db, stage.actor, first.id, RequestInput())
    assert twice.value.code == "already_requested"


def _mention(stage: Stage, text: str, about: str = "brand", author: str = "jane") -> Mention:
    query = stage.db.query(ListeningQuery).filter_by(name=f"q-{about}").one_or_none()
    if query is None:
        query = ListeningQuery(
            workspace_id=stage.world.workspace.id, name=f"q-{about}", query="acme", about=about
        )
        stage.db.add(query)
        stage.db.flush()
    mention = Mention(
        workspace_id=stage.world.workspace.id,
        query_id=query.id,
        network="sandbox",
        external_id=f"m-{text[:8]}-{about}",
        url=f"https://sandbox.example/@{author}/1",
        author_handle=author,
        text=text,
        published_at=utcnow() - timedelta(hours=1),
    )
    stage.db.add(mention)
    stage.db.flush()
    return mention


def test_proposals_are_brand_mentions_with_media_not_on_the_board(stage: Stage) -> None:
    photo = _mention(stage, "Acme mug https://img.example/mug.jpg")
    _mention(stage, "Acme is fine, no picture")
    _mention(stage, "Rival mug https://img.example/r.jpg", about="competitor")
    assert [p.mention.id for p in service.proposals(stage.db, stage.actor)] == [photo.id]
    service.collect_mention(stage.db, stage.actor, photo.id)
    assert service.proposals(stage.db, stage.actor) == []


def test_a_mention_found_by_listening_is_asked_in_a_thread_the_inbox_follows(
    stage: Stage,
) -> None:
    # The creator posts on the network (a mention of the account) and listening finds it.
    from orchestre.connectors.base import InteractionKind
    from orchestre.connectors.sandbox.inbound import say

    heard = say(
        stage.world.sandbox,
        stage.world.channel.external_id,
        "Acme picnic https://img.example/p.jpg",
        kind=InteractionKind.MENTION,
        author="paul",
    )
    mention = Mention(
        workspace_id=stage.world.workspace.id,
        query_id=_mention(stage, "seed").query_id,
        network="sandbox",
        external_id=heard.external_id,
        url=heard.url,
        author_handle="paul",
        text=heard.text,
        published_at=heard.created_at,
    )
    stage.db.add(mention)
    stage.db.flush()
    item = service.collect_mention(stage.db, stage.actor, mention.id)
    assert item.channel_id == stage.world.channel.id
    request = rights.request_rights(stage.db, stage.actor, item.id, RequestInput())
    ours = stage.send(request)
    stage.answer(ours.external_id, "#yes of course", author="paul")
    assert request.state == RightsState.GRANTED
    assert stage.fresh(item).status == UgcStatus.GRANTED


def test_templates_are_saved_per_language_and_used(stage: Stage) -> None:
    shipped = rights.list_templates(stage.db, stage.actor)
    assert [(t.language, t.shipped) for t in shipped] == [("en", True), ("fr", True)]
    own = rights.save_template(
        stage.db,
        stage.actor,
        TemplateInput(
            "Droits", "fr", "Salut {first_name} ! Tape #ok pour dire oui.", ["#ok"], ["#nope"]
        ),
    )
    listed = rights.list_templates(stage.db, stage.actor)
    assert [(t.language, t.shipped) for t in listed] == [("fr", False), ("en", True)]
    with pytest.raises(Invalid):
        rights.save_template(stage.db, stage.actor, TemplateInput("X", "fr", "Hi", ["#a"], ["#a"]))
    with pytest.raises(Conflict):
        rights.save_template(
            stage.db, stage.actor, TemplateInput("Droits", "fr", "Hi", ["#a"], ["#b"])
        )

    item = service.collect_message(stage.db, stage.actor, stage.comment("Photo").id)
    request = rights.request_rights(
        stage.db, stage.actor, item.id, RequestInput(template_id=own.id)
    )
    assert request.text == "Salut Jane ! Tape #ok pour dire oui."
    assert request.grant_keywords == ["#ok"]
    stage.answer(stage.send(request).external_id, "#yes")  # not a word of this template
    assert request.state == RightsState.WAITING
    ours = stage.db.get(InboxMessage, request.reply_message_id)
    assert ours is not None
    stage.answer(ours.external_id, "#nope")
    assert request.state == RightsState.REFUSED


def test_another_workspace_sees_nothing(stage: Stage, db: Session) -> None:
    item = service.collect_message(stage.db, stage.actor, stage.comment("Mine").id)
    other = make_workspace(db)
    stranger = Actor(stage.actor.user_id, other.id, frozenset({Role.OWNER}))
    with pytest.raises(NotFound):
        service.load_item(db, stranger, item.id)
    with pytest.raises(NotFound):
        rights.request_rights(db, stranger, item.id, RequestInput())
    assert service.board(db, stranger, service.ItemFilters()).items == []
