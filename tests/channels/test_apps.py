"""The operator's apps: server addresses, storage, environment fallback, key rotation."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.channels import apps
from orchestre.channels.apps import NetworkAccess
from orchestre.errors import Invalid
from orchestre.kit.crypto import SecretBox, new_key
from orchestre.models import AuditEntry, NetworkApp


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("mastodon.social", "https://mastodon.social"),
        ("HTTPS://Mastodon.Social/@someone", "https://mastodon.social"),
        ("https://social.example:8443/", "https://social.example:8443"),
        ("  ", None),
        (None, None),
    ],
)
def test_server_addresses_are_kept_as_https_host_and_port(
    given: str | None, stored: str | None
) -> None:
    assert apps.normalize_base_url(given) == stored


@pytest.mark.parametrize(
    "given",
    [
        "http://mastodon.social",
        "ftp://mastodon.social",
        "https://localhost",
        "https://127.0.0.1:3000",
        "https://10.1.2.3",
        "https://192.168.0.10",
        "https://169.254.169.254",
        "https://[::1]",
        "https://",
        "https://host:notaport",
    ],
)
def test_addresses_inside_the_operator_s_network_are_refused(given: str) -> None:
    with pytest.raises(Invalid) as caught:
        apps.normalize_base_url(given)
    assert caught.value.code == "invalid_base_url"


def test_an_app_is_stored_encrypted_replaced_and_removed_with_an_audit_trail(
    db: Session, access: NetworkAccess
) -> None:
    apps.set_app(db, access.box, "linkedin", "id-1", "secret-1")
    apps.set_app(db, access.box, "linkedin", "id-2", "secret-2")  # replaces
    [row] = db.scalars(select(NetworkApp).where(NetworkApp.network == "linkedin"))
    assert row.client_id == "id-2"
    assert b"secret-2" not in row.client_secret_encrypted
    found = apps.app_credentials(db, access, "linkedin")
    assert found is not None
    assert (found.client_id, found.client_secret) == ("id-2", "secret-2")
    assert found.redirect_uri == "http://127.0.0.1:8000/oauth/callback/linkedin"

    assert apps.remove_app(db, "linkedin") is True
    assert apps.remove_app(db, "linkedin") is False
    assert apps.app_credentials(db, access, "linkedin") is None
    audit = list(db.scalars(select(AuditEntry).where(AuditEntry.entity_type == "network_app")))
    assert [e.action for e in audit].count("network_app.set") == 2
    assert "secret" not in " ".join(f"{e.before} {e.after}" for e in audit)


def test_a_server_app_comes_before_the_network_app_which_comes_before_the_environment(
    db: Session, access: NetworkAccess
) -> None:
    env = {"ORCHESTRE_MASTODON_CLIENT_ID": "env-id", "ORCHESTRE_MASTODON_CLIENT_SECRET": "e"}
    with_env = NetworkAccess(access.registry, access.box, access.public_url, environ=env)

    def client_id(server: str) -> str:
        found = apps.app_credentials(db, with_env, "mastodon", server)
        assert found is not None
        return found.client_id

    assert client_id("https://a.example") == "env-id"
    apps.set_app(db, access.box, "mastodon", "net-id", "n")
    apps.set_app(db, access.box, "mastodon", "a-id", "a", base_url="a.example")
    assert client_id("https://a.example") == "a-id"
    assert client_id("https://b.example") == "net-id"


def test_empty_credentials_and_bad_names_are_refused(db: Session, access: NetworkAccess) -> None:
    with pytest.raises(Invalid) as caught:
        apps.set_app(db, access.box, "x", " ", "")
    assert {e.field for e in caught.value.errors} == {"client_id", "client_secret"}
    with pytest.raises(Invalid):
        apps.set_app(db, access.box, "X; drop", "a", "b")


def test_rotation_re_encrypts_every_secret_or_none(db: Session, access: NetworkAccess) -> None:
    old = SecretBox([new_key()])
    apps.set_app(db, old, "x", "id", "s-x")
    apps.set_app(db, old, "tiktok", "id", "s-t")
    fresh = new_key()
    ring = SecretBox([fresh, *old.keys])
    assert apps.rotate_app_secrets(db, ring) == 2
    only_new = SecretBox([fresh])
    secrets = {
        a.network: only_new.decrypt(a.client_secret_encrypted).decode()
        for a in db.scalars(select(NetworkApp))
    }
    assert secrets == {"x": "s-x", "tiktok": "s-t"}
    with pytest.raises(apps.AppsUnreadable):
        apps.rotate_app_secrets(db, SecretBox([new_key()]))
