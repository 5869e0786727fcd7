"""A sandbox network on a frozen clock, and one installation acting as a brand account."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestre.connectors.base import AccountRef, Installation
from orchestre.connectors.sandbox import SandboxConnector, SandboxNetwork
from orchestre.kit.clock import FrozenClock

START = datetime(2030, 3, 15, 9, 0, tzinfo=UTC)


@pytest.fixture
def sandbox_clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def sandbox(sandbox_clock: FrozenClock) -> SandboxNetwork:
    return SandboxNetwork(seed=7, clock=sandbox_clock)


@pytest.fixture
def brand(sandbox: SandboxNetwork) -> Installation:
    account = AccountRef(network="sandbox", external_id="acct-lumiere", handle="lumiere")
    return SandboxConnector(sandbox).open(account)
