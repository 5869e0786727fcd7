"""A channel's ad platform secrets: kept encrypted apart from its token, shown by name
only, audited without their values, and handed to the connector by the ad opener."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.campaigns.ad_credentials import AdOpener, secret_names, set_secrets
from orchestre.channels.apps import NetworkAccess
from orchestre.channels.credentials import seal
from orchestre.connectors.base import (
    AccountRef,
    AdResult,
    AppCredentials,
    BaseInstallation,
    Capability,
    Credentials,
    Installation,
    ad_reporting,
)
from orchestre.errors import Forbidden, Invalid, NotFound
from orchestre.kit.crypto import SecretBox, new_key
from orchestre.models import AuditEntry
from orchestre.models.campaigns_ads import ChannelAdCredentials
from orchestre.workspaces.permissions import Actor, Role
from tests.channels.fakes import registry
from tests.factories import make_channel, make_member, make_workspace

BOX = SecretBox([new_key()])


class Reader(BaseInstallation):
    """An installation that says which credentials it was opened with."""

    network = "adnet"

    def read_ad_results(
        self, ad_account_id: str, since: date, until: date, campaign_ids: object = ()
    ) -> list[AdResult]:
        return []


class AdNet:
    network = "adnet"
    capabilities = frozenset({Capability.AD_REPORTING})

    def open(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> Installation:
        return Reader(account)


def _world(db: Session, role: str = "owner"):  # type: ignore[no-untyped-def]
    ws = make_workspace(db)
    user = make_member(db, ws, role)
    channel = make_channel(db, ws, network="adnet")
    return Actor(user.id, ws.id, frozenset({Role(role)})), channel


def test_secrets_are_sealed_named_and_audited_without_values(db: Session) -> None:
    actor, channel = _world(db)
    assert secret_names(db, actor, channel.id).names == []
    kept = set_secrets(
        db, actor, BOX, channel.id, {"ads_token": "tok-secret-1", "ads_developer_token": "dev-2"}
    )
    assert kept.names == ["ads_developer_token", "ads_token"]
    assert secret_names(db, actor, channel.id).names == ["ads_developer_token", "ads_token"]
    row = db.scalars(select(ChannelAdCredentials)).one()
    assert b"tok-secret-1" not in row.secrets_encrypted
    entries = list(
        db.scalars(select(AuditEntry).where(AuditEntry.action == "channel.ad_secrets_set"))
    )
    assert [e.after for e in entries] == [{"names": ["ads_developer_token", "ads_token"]}]
    assert "tok-secret-1" not in repr([(e.before, e.after) for e in entries])
    assert set_secrets(db, actor, BOX, channel.id, {}).names == []
    assert db.scalars(select(ChannelAdCredentials)).all() == []


def test_bad_names_and_values_are_refused_each(db: Session) -> None:
    actor, channel = _world(db)
    with pytest.raises(Invalid) as refused:
        set_secrets(db, actor, BOX, channel.id, {"token": "x", "ads_key": "", "ads_ok": "a\nb"})
    assert {(e.field, e.rule) for e in refused.value.errors} == {
        ("values.token", "pattern"),
        ("values.ads_key", "length"),
        ("values.ads_ok", "length"),
    }
    with pytest.raises(Invalid):
        set_secrets(db, actor, BOX, channel.id, {f"ads_k{n}": "v" for n in range(11)})


def test_only_managers_of_this_workspace_set_them(db: Session) -> None:
    actor, channel = _world(db)
    stranger, _ = _world(db)  # the owner of another workspace
    with pytest.raises(NotFound):
        set_secrets(db, stranger, BOX, channel.id, {"ads_token": "x"})
    viewer = Actor(stranger.user_id, actor.workspace_id, frozenset({Role.ANALYST}))
    with pytest.raises(Forbidden):
        set_secrets(db, viewer, BOX, channel.id, {"ads_token": "x"})
    assert secret_names(db, viewer, channel.id).names == []


def test_the_ad_opener_hands_the_secrets_to_the_connector(db: Session) -> None:
    actor, channel = _world(db)
    seal(BOX, channel, Credentials(access_token="page-token", extra={"page_id": "p1"}), None)
    db.flush()
    set_secrets(db, actor, BOX, channel.id, {"ads_access_token": "system-user"})
    access = NetworkAccess(
        registry=registry(AdNet()), box=BOX, public_url="https://orchestre.example"
    )
    opener = AdOpener(access)
    assert opener.capabilities("adnet") == frozenset({Capability.AD_REPORTING})
    installation = opener.open(db, channel)
    assert installation.account.credentials.access_token == "page-token"
    assert dict(installation.account.credentials.extra) == {
        "page_id": "p1",
        "ads_access_token": "system-user",
    }
    assert ad_reporting(installation).read_ad_results("1", date(2030, 1, 1), date(2030, 1, 2)) == []
