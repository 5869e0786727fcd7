"""The UGC page: a comment put on the board from the inbox, the rights asked from the item's
page with the saved request prefilled, the creator's #oui read as it arrives with its proof
shown, a credited draft made from the granted item, and a read-only board for a reviewer."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.connectors.base import Interaction, InteractionKind
from orchestre.inbox.ingest import ingest
from orchestre.kit.clock import FrozenClock
from orchestre.models import PostVariant, Workspace
from orchestre.models.ugc import UgcItem
from tests.factories import make_channel, make_member
from tests.web.conftest import HTML, csrf_of, open_session


def said(
    text: str, at_clock: FrozenClock, external_id: str, parent: str | None = None
) -> Interaction:
    return Interaction(
        kind=InteractionKind.REPLY if parent else InteractionKind.COMMENT,
        external_id=external_id,
        author_id="u-jane",
        author_handle="jane",
        author_name="Jane",
        text=text,
        created_at=at_clock.now(),
        post_external_id="post-1",
        parent_external_id=parent,
        url=f"https://sandbox.example/@jane/{external_id}",
    )


def test_collect_ask_read_the_answer_and_make_a_credited_post(
    signed_in: TestClient, db: Session, clock: FrozenClock, workspace: Workspace
) -> None:
    client = signed_in
    channel = make_channel(db, workspace, handle="@acme")
    [message] = ingest(
        db,
        channel,
        [said("My latte art https://img.example/latte.jpg", clock, "c-1")],
        source="poll",
    )
    base = f"/w/{workspace.id}"
    thread = client.get(f"{base}/inbox/c/{message.conversation_id}")
    assert 'data-testid="add-to-ugc"' in thread.text
    token = csrf_of(thread.text)

    added = client.post(
        f"{base}/ugc/collect",
        data={"csrf_token": token, "message_id": str(message.id)},
        follow_redirects=False,
    )
    assert added.status_code == 303
    item = db.query(UgcItem).filter_by(workspace_id=workspace.id).one()
    page = client.get(f"{base}/ugc/items/{item.id}", params={"language": "fr"})
    assert "Bonjour @jane" in page.text
    assert "https://img.example/latte.jpg" in page.text

    sent = client.post(
        f"{base}/ugc/items/{item.id}/rights",
        data={
            "csrf_token": token,
            "language": "fr",
            "text": "Bonjour @jane ! #oui pour partager ?",
            "wait_days": "7",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303
    db.refresh(item)
    assert item.status == "rights_requested"

    clock.advance(minutes=5)
    ingest(db, channel, [said("Avec plaisir #oui", clock, "c-2", parent="c-1")], source="poll")
    shown = client.get(f"{base}/ugc/items/{item.id}")
    assert 'data-testid="proof-text">Avec plaisir #oui' in shown.text
    assert "https://sandbox.example/@jane/c-2" in shown.text
    assert 'data-testid="post-form"' in shown.text

    board = client.get(f"{base}/ugc")
    granted = board.text.split('data-testid="column-granted"')[1].split("</section>")[0]
    assert "@jane" in granted

    made = client.post(
        f"{base}/ugc/items/{item.id}/post",
        data={"csrf_token": token, "text": "Merci Jane", "channel_ids": str(channel.id)},
        follow_redirects=False,
    )
    assert made.status_code == 303
    variant = db.query(PostVariant).filter_by(channel_id=channel.id).one()
    assert variant.text == "Merci Jane\n\nCrédit : @jane"


def test_a_reviewer_sees_the_board_without_its_actions(
    client: TestClient, db: Session, settings: Settings, workspace: Workspace, clock: FrozenClock
) -> None:
    channel = make_channel(db, workspace)
    [message] = ingest(db, channel, [said("Hello", clock, "c-9")], source="poll")
    db.add(
        UgcItem(
            workspace_id=workspace.id,
            source_kind="inbox_message",
            source_id=message.id,
            network="sandbox",
            author_handle="jane",
            text="Hello",
        )
    )
    db.flush()
    reviewer = make_member(db, workspace, "reviewer")
    open_session(client, db, settings, reviewer)
    client.headers.update(HTML)
    board = client.get(f"/w/{workspace.id}/ugc")
    assert board.status_code == 200
    assert 'data-testid="ugc-card"' in board.text
    assert 'data-testid="templates"' not in board.text
    item = db.query(UgcItem).filter_by(workspace_id=workspace.id).one()
    detail = client.get(f"/w/{workspace.id}/ugc/items/{item.id}")
    assert 'data-testid="request-form"' not in detail.text
