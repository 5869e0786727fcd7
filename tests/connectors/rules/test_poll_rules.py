"""Polls where the network has them (X, Mastodon, the sandbox), with each network's bounds;
refused elsewhere."""

from __future__ import annotations

from typing import Any

import pytest

from orchestre.connectors.rules.poll import check_poll, poll_of, supports_polls


def poll(*choices: str, minutes: Any = 1440) -> dict[str, Any]:
    return {"poll": {"options": list(choices), "duration_minutes": minutes}}


def rules_broken(network: str, options: dict[str, Any], media: int = 0) -> list[str]:
    return [v.rule for v in check_poll(network, options, media)]


def test_no_poll_breaks_nothing_anywhere() -> None:
    assert rules_broken("linkedin", {}) == []
    assert poll_of({"title": "x"}) is None


@pytest.mark.parametrize("network", ["x", "mastodon", "sandbox"])
def test_a_good_poll_passes_where_polls_exist(network: str) -> None:
    assert supports_polls(network)
    assert rules_broken(network, poll("Tea", "Coffee", minutes=60)) == []


@pytest.mark.parametrize("network", ["bluesky", "linkedin", "instagram", "facebook", "youtube"])
def test_networks_without_polls_refuse_one(network: str) -> None:
    assert not supports_polls(network)
    assert rules_broken(network, poll("Tea", "Coffee")) == ["poll.unsupported"]


def test_each_networks_bounds() -> None:
    assert rules_broken("x", poll("Only one")) == ["poll.options"]
    assert rules_broken("x", poll("a", "b", "c", "d", "e")) == ["poll.options"]
    long = "A choice of thirty characters!"
    assert rules_broken("x", poll(long, "b")) == ["poll.option.length"]  # X: 25
    assert rules_broken("mastodon", poll(long, "b")) == []  # Mastodon: 50
    assert rules_broken("x", poll("a", "b", minutes=4)) == ["poll.duration"]
    assert rules_broken("x", poll("a", "b", minutes=10_081)) == ["poll.duration"]
    assert rules_broken("mastodon", poll("a", "b", minutes=30 * 1440)) == []
    assert rules_broken("x", poll("a", "b", minutes=10_080)) == []
    assert rules_broken("x", poll("a", "b", minutes="soon")) == ["poll.duration"]
    assert rules_broken("mastodon", poll("Thé", " thé ")) == ["poll.option.duplicate"]
    assert rules_broken("mastodon", poll("Thé", "  ")) == ["poll.option.empty"]
    assert rules_broken("x", poll("a", "b"), media=1) == ["poll.media"]
