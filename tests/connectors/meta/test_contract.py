"""The three Meta connectors against the contract: protocols, names and account listing."""

from __future__ import annotations

import inspect

import httpx
import pytest

from orchestre.connectors.base import AccountRef, Capability, Connector, Credentials, Installation
from orchestre.connectors.meta import FacebookConnector, InstagramConnector, ThreadsConnector
from orchestre.connectors.oauth import UsesOAuth2

CONNECTORS = [FacebookConnector(), InstagramConnector(), ThreadsConnector()]


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda c: c.network)
def test_each_connector_and_installation_satisfies_the_contract(connector: Connector) -> None:
    assert isinstance(connector, Connector)
    assert isinstance(connector, UsesOAuth2)
    assert Capability.PUBLISH_TEXT in connector.capabilities
    account = AccountRef(connector.network, "1", credentials=Credentials("token"))
    transport = httpx.MockTransport(lambda request: httpx.Response(500))
    installation = connector.open(account, transport=transport)
    assert isinstance(installation, Installation)
    assert installation.account is account


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda c: c.network)
def test_each_connector_lists_the_accounts_one_authorization_opens(connector: Connector) -> None:
    # The channel flow calls accounts(credentials, base_url=..., transport=..., app=...).
    parameters = inspect.signature(connector.accounts).parameters  # type: ignore[attr-defined]
    assert next(iter(parameters)) == "credentials"
    for name in ("base_url", "transport", "app"):
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
        assert parameters[name].default is None


def test_network_names_are_the_entry_point_names() -> None:
    assert [c.network for c in CONNECTORS] == ["facebook", "instagram", "threads"]
