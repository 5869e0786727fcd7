"""Looking several accounts up in one call (app.bsky.actor.getProfiles): the actors sent,
at most 25, the profiles the AppView knows returned (the others left out), its refusals
mapped like every call's."""

from __future__ import annotations

import pytest

from orchestre.connectors.base import PublicAccountsLookup, RetryableError
from orchestre.connectors.bluesky import BlueskyInstallation
from tests.connectors.bluesky.conftest import FakeXrpc, answer

PROFILES = "app.bsky.actor.getProfiles"


def test_profiles_of_several_actors(alice: BlueskyInstallation, xrpc: FakeXrpc) -> None:
    assert isinstance(alice, PublicAccountsLookup)
    xrpc.on(PROFILES, answer("get_profiles"))
    actors = ["did:plc:rivalroast", "did:plc:lostdomain", "did:plc:gone"]
    found = alice.lookup_accounts(actors)
    assert xrpc.only(PROFILES).url.params.get_list("actors") == actors
    assert [(a.external_id, a.handle) for a in found] == [
        ("did:plc:rivalroast", "rival.coffee"),
        ("did:plc:lostdomain", "handle.invalid"),  # what the AppView says of a broken handle
    ]
    assert found[0].url == "https://bsky.app/profile/rival.coffee"


def test_at_most_25_actors_a_call_and_errors_mapped(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    assert alice.lookup_accounts([]) == []
    assert xrpc.sent(PROFILES) == []
    xrpc.on(PROFILES, answer("get_profiles"))
    alice.lookup_accounts([f"did:plc:a{i}" for i in range(30)])
    assert len(xrpc.only(PROFILES).url.params.get_list("actors")) == 25
    xrpc.on(PROFILES, answer("error_rate_limit", 429, {"ratelimit-reset": "1795000000"}))
    with pytest.raises(RetryableError):
        alice.lookup_accounts(["did:plc:rivalroast"])
