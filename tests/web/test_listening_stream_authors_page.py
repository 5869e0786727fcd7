"""The mentions list names a Bluesky author by handle, linked to bsky.app, and shows the DID
(linked too) while the stream's author is not named yet."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.kit.clock import FrozenClock
from orchestre.models import Workspace
from orchestre.models.listening import ListeningQuery, Mention


def test_bluesky_authors_by_handle_or_did(
    signed_in: TestClient, db: Session, workspace: Workspace, clock: FrozenClock
) -> None:
    query = ListeningQuery(
        workspace_id=workspace.id, name="Coffee", query="coffee", networks=["bluesky"]
    )
    db.add(query)
    db.flush()
    for n, (network, author) in enumerate(
        [("bluesky", "rival.coffee"), ("bluesky", "did:plc:gone"), ("sandbox", "@brand")]
    ):
        db.add(
            Mention(
                workspace_id=workspace.id,
                query_id=query.id,
                network=network,
                external_id=f"post-{n}",
                author_handle=author,
                text="coffee",
                published_at=clock.now(),
            )
        )
    db.flush()
    page = signed_in.get(f"/w/{workspace.id}/listening").text
    assert page.count('data-testid="mention"') == 3
    assert (
        '<a href="https://bsky.app/profile/rival.coffee" rel="noopener noreferrer" '
        'target="_blank" data-testid="mention-author"><strong>@rival.coffee</strong></a>'
    ) in page
    assert (
        'href="https://bsky.app/profile/did:plc:gone" rel="noopener noreferrer" '
        'target="_blank" data-testid="mention-author"><strong>did:plc:gone</strong>'
    ) in page
    assert page.count('data-testid="mention-author"') == 2  # the sandbox's author is not linked
    assert "<strong>@brand</strong>" in page
