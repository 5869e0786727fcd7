"""The sandbox's public accounts (competitors): any well-formed handle, the same figures on
every read, counts that only grow, in process and over HTTP."""

from __future__ import annotations

import pytest

from orchestre.connectors.base import (
    AccountRef,
    Capability,
    PermanentError,
    PublicFormat,
    RetryableError,
    public_reading,
)
from orchestre.connectors.sandbox import SandboxConnector, SandboxNetwork
from orchestre.kit.clock import FrozenClock
from tests.connectors.sandbox.test_server import server_url  # noqa: F401 - a fixture


def test_lookup_and_posts_in_process(sandbox: SandboxNetwork, sandbox_clock: FrozenClock) -> None:
    assert Capability.READ_PUBLIC_ACCOUNTS in SandboxConnector.capabilities
    installation = SandboxConnector(sandbox).open(AccountRef("sandbox", "acct-me", "me"))
    reader = public_reading(installation, network="sandbox")
    found = reader.lookup_account("@Velo_Rival")
    assert (found.external_id, found.handle) == ("pub_velo_rival", "velo_rival")
    assert found.followers
    assert found.following
    assert found.posts_count
    assert reader.lookup_account("velo_rival") == found  # the same on every read
    posts = reader.read_account_posts(found, limit=25)
    assert 0 < len(posts) <= 25
    assert [p.created_at for p in posts] == sorted((p.created_at for p in posts), reverse=True)
    assert all(p.created_at <= sandbox_clock.now() for p in posts)
    assert {p.format for p in posts} <= set(PublicFormat)
    assert all(p.views is None for p in posts if p.format is not PublicFormat.VIDEO)

    sandbox_clock.advance(days=1)
    later = reader.lookup_account("velo_rival")
    assert later.followers is not None
    assert later.followers >= found.followers
    again = {p.external_id: p for p in reader.read_account_posts(later, limit=60)}
    for before in posts:
        assert (again[before.external_id].likes or 0) >= (before.likes or 0)

    with pytest.raises(PermanentError) as unknown:
        reader.lookup_account("no such one!")
    assert unknown.value.code == "not_found"
    sandbox.fail_next(RetryableError("slow down", retry_after=5, network="sandbox"))
    with pytest.raises(RetryableError):
        reader.lookup_account("velo_rival")


def test_lookup_and_posts_over_http(
    sandbox: SandboxNetwork,
    server_url: str,  # noqa: F811 - the fixture
) -> None:
    account = AccountRef("sandbox", "acct-remote", handle="lumiere", base_url=server_url)
    reader = public_reading(SandboxConnector().open(account), network="sandbox")
    local = public_reading(SandboxConnector(sandbox).open(AccountRef("sandbox", "x", "x")))
    found = reader.lookup_account("velo_rival")
    assert found == local.lookup_account("velo_rival")
    assert reader.read_account_posts(found, limit=5) == local.read_account_posts(found, limit=5)
    with pytest.raises(PermanentError) as unknown:
        reader.lookup_account("no such one!")
    assert unknown.value.code == "not_found"
