"""Publishing with tracked links: the network gets our short links, the same ones on every
attempt, and only when the workspace asked for it."""

from __future__ import annotations

from sqlalchemy import select

from orchestre.connectors.base import RetryableError
from orchestre.models.analytics import TrackedLink
from orchestre.models.publication import PublicationState
from tests.publishing.conftest import World

BASE = "https://orchestre.example.org"


def _published_text(world: World, external_id: str) -> str:
    return world.sandbox._posts[external_id].text


def test_links_go_out_as_tracked_short_links_when_the_workspace_tracks_them(
    world: World,
) -> None:
    world.workspace.track_links = True
    world.ctx.link_base_url = BASE
    variant = world.schedule("Nouvelle collection : https://shop.example.com/automne")
    world.db.commit()
    world.later(minutes=5)
    assert world.run_due() == ["published"]
    world.db.commit()
    publication = world.publication(variant)
    assert publication.state == PublicationState.PUBLISHED
    link = world.db.scalars(
        select(TrackedLink).where(TrackedLink.publication_id == publication.id)
    ).one()
    assert link.source_url == "https://shop.example.com/automne"
    assert link.target_url.startswith("https://shop.example.com/automne?")
    assert "utm_source=sandbox" in link.target_url
    text = _published_text(world, publication.external_id or "")
    assert text == f"Nouvelle collection : {BASE}/l/{link.code}"
    # The variant keeps what its author wrote.
    world.db.refresh(variant)
    assert variant.text == "Nouvelle collection : https://shop.example.com/automne"


def test_a_retried_send_carries_the_same_short_link(world: World) -> None:
    world.workspace.track_links = True
    world.ctx.link_base_url = BASE
    variant = world.schedule("À lire : https://blog.example.com/article")
    world.db.commit()
    # The first attempt is refused for now, the second goes out.
    world.sandbox.fail_next(RetryableError("Service unavailable.", network="sandbox"))
    world.later(minutes=5)
    assert world.run_due() == ["retry"]
    world.db.commit()
    world.later(minutes=30)
    assert world.run_due() == ["published"]
    world.db.commit()
    codes = world.db.scalars(select(TrackedLink.code)).all()
    assert len(codes) == 1
    publication = world.publication(variant)
    assert _published_text(world, publication.external_id or "").endswith(f"/l/{codes[0]}")


def test_links_go_out_as_written_when_the_workspace_does_not_track_them(world: World) -> None:
    world.ctx.link_base_url = BASE
    variant = world.schedule("Voir https://shop.example.com")
    world.db.commit()
    world.later(minutes=5)
    assert world.run_due() == ["published"]
    world.db.commit()
    publication = world.publication(variant)
    assert _published_text(world, publication.external_id or "") == "Voir https://shop.example.com"
    assert world.db.scalars(select(TrackedLink)).all() == []


def test_first_comments_and_thread_parts_carry_the_same_short_links(world: World) -> None:
    world.workspace.track_links = True
    world.ctx.link_base_url = BASE
    variant = world.schedule("Le fil : https://blog.example.com/fil")
    variant.options = {"thread": ["Suite, et encore https://blog.example.com/fil", "Fin."]}
    variant.first_comment = "Le lien : https://shop.example.com/x"
    world.db.commit()
    world.later(minutes=5)
    assert world.run_due() == ["published"]
    world.db.commit()
    publication = world.publication(variant)
    root = world.sandbox._posts[publication.external_id or ""]
    codes = {
        link.source_url: link.code
        for link in world.db.scalars(
            select(TrackedLink).where(TrackedLink.publication_id == publication.id)
        )
    }
    assert set(codes) == {"https://blog.example.com/fil", "https://shop.example.com/x"}
    blog = f"{BASE}/l/{codes['https://blog.example.com/fil']}"
    assert root.text == f"Le fil : {blog}"
    parts = [world.sandbox._posts[part].text for part in root.parts]
    assert parts == [f"Suite, et encore {blog}", "Fin."]
    account, stream = world.sandbox._interactions[root.first_comment_id or ""]
    comment = next(
        item
        for item in world.sandbox._accounts[account].streams[stream]
        if item.external_id == root.first_comment_id
    )
    assert comment.text == f"Le lien : {BASE}/l/{codes['https://shop.example.com/x']}"
