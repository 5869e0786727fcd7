"""The sandbox as the product finds it: through the registry, on the product clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orchestre.connectors import registry
from orchestre.connectors.base import AccountRef, DraftPost
from orchestre.connectors.sandbox import SandboxNetwork, shared_network, use_network
from orchestre.kit.clock import FrozenClock


@pytest.fixture
def fresh_shared() -> Iterator[SandboxNetwork]:
    network = SandboxNetwork(seed=5)
    previous = use_network(network)
    yield network
    use_network(previous)


def test_the_registered_sandbox_runs_on_the_product_clock(
    clock: FrozenClock, fresh_shared: SandboxNetwork
) -> None:
    connector = registry.get("sandbox")
    brand = connector.open(AccountRef("sandbox", "acct-demo", handle="demo"))
    ref = brand.publish(DraftPost(text="Bonjour"))
    assert ref.published_at == clock.now()
    clock.advance(hours=6)
    impressions = {s.metric: s.value for s in brand.read_metrics([ref.external_id])}
    assert impressions["impressions"] > 0
    assert shared_network() is fresh_shared
