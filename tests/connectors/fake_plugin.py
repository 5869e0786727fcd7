"""A third-party connector package, as far as entry points can tell: used by registry tests."""

from __future__ import annotations

import httpx

from orchestre.connectors.base import (
    AccountRef,
    AppCredentials,
    BaseInstallation,
    Capability,
    Installation,
)


class FakeConnector:
    network = "fake"
    capabilities = frozenset({Capability.PUBLISH_TEXT, Capability.REPLY})

    def open(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> Installation:
        return BaseInstallation(account)


def make_other() -> FakeConnector:
    connector = FakeConnector()
    connector.network = "other"
    return connector


class Misnamed(FakeConnector):
    network = "not-the-entry-point-name"


NOT_A_CONNECTOR = object()


def _explode() -> None:
    raise RuntimeError("missing API key setting")


class Exploding(FakeConnector):
    def __init__(self) -> None:
        _explode()
