"""Channel rules called directly: health notifications, credentials, key rotation."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from orchestre.channels import service
from orchestre.errors import Forbidden
from orchestre.kit.crypto import SecretBox, new_key
from orchestre.models import AuditEntry, Notification, Workspace
from orchestre.workspaces.auth import actor_for
from orchestre.workspaces.permissions import Actor
from tests.factories import make_member, make_workspace


def _actor(db: Session, ws: Workspace, *roles: str) -> Actor:
    return actor_for(db, make_member(db, ws, *roles).id, ws.id)


def test_needs_reconnection_tells_owners_and_managers_once(db: Session) -> None:
    box = SecretBox([new_key()])
    ws = make_workspace(db)
    owner = _actor(db, ws, "owner")
    manager = _actor(db, ws, "social_media_manager", "analyst")
    _actor(db, ws, "community_manager")
    _actor(db, ws, "content_creator")
    channel = service.connect_channel(
        db,
        owner,
        box,
        "bluesky",
        "did:plc:abc",
        "@lumiere.bsky.social",
        "Lumière",
        credentials={"app_password": "abcd-efgh"},
    )
    reason = "Bluesky refused the app password: it was revoked. Reconnect the account."

    service.mark_needs_reconnection(db, channel.id, reason)
    service.mark_needs_reconnection(db, channel.id, reason)  # the next refusal: no new noise

    assert channel.status == "needs_reconnection"
    assert channel.status_reason == reason
    notes = db.query(Notification).filter_by(kind="channel_needs_reconnection").all()
    assert {n.user_id for n in notes} == {owner.user_id, manager.user_id}
    assert notes[0].payload["handle"] == "@lumiere.bsky.social"
    assert notes[0].payload["reason"] == reason
    assert "abcd-efgh" not in str(notes[0].payload)
    assert db.query(AuditEntry).filter_by(action="channel.needs_reconnection").count() == 2


def test_a_disconnected_channel_is_left_alone(db: Session) -> None:
    ws = make_workspace(db)
    owner = _actor(db, ws, "owner")
    channel = service.connect_channel(
        db, owner, SecretBox([new_key()]), "sandbox", "acct-1", "@sandbox", "Sandbox"
    )
    service.disconnect_channel(db, owner, channel.id)
    service.mark_needs_reconnection(db, channel.id, "refused")
    assert channel.status == "disconnected"
    assert db.query(Notification).count() == 0


def test_credentials_read_back_only_with_the_right_key(db: Session) -> None:
    box = SecretBox([new_key()])
    ws = make_workspace(db)
    owner = _actor(db, ws, "owner")
    channel = service.connect_channel(
        db, owner, box, "x", "42", "@lumiere", "Lumière", credentials={"token": "t0k"}
    )
    assert service.read_credentials(db, box, channel) == {"token": "t0k"}
    with pytest.raises(service.CredentialsUnreadable, match="Restore the key file"):
        service.read_credentials(db, SecretBox([new_key()]), channel)


def test_rotation_moves_every_workspace_to_the_new_key(db: Session) -> None:
    old = new_key()
    box = SecretBox([old])
    channels = []
    for n in range(2):
        ws = make_workspace(db)
        channels.append(
            service.connect_channel(
                db,
                _actor(db, ws, "owner"),
                box,
                "mastodon",
                f"id-{n}",
                f"@c{n}",
                f"C{n}",
                credentials={"token": f"secret-{n}"},
            )
        )
    new = new_key()
    assert service.rotate_credentials(db, SecretBox([new, old])) == 2
    only_new = SecretBox([new])
    for n, channel in enumerate(channels):
        assert service.read_credentials(db, only_new, channel) == {"token": f"secret-{n}"}
    assert db.query(AuditEntry).filter_by(action="channel.credentials_rotated").count() == 2


def test_rotation_refuses_when_a_secret_is_unreadable(db: Session) -> None:
    ws = make_workspace(db)
    service.connect_channel(
        db,
        _actor(db, ws, "owner"),
        SecretBox([new_key()]),
        "x",
        "1",
        "@a",
        "A",
        credentials={"token": "t"},
    )
    with pytest.raises(service.CredentialsUnreadable, match="nothing was re-encrypted"):
        service.rotate_credentials(db, SecretBox([new_key()]))


def test_reviewer_cannot_connect_a_channel(db: Session) -> None:
    ws = make_workspace(db)
    with pytest.raises(Forbidden):
        service.connect_channel(
            db, _actor(db, ws, "reviewer"), SecretBox([new_key()]), "x", "1", "@a", "A"
        )
