"""The registry finds networks through entry points and never hides a broken one."""

from __future__ import annotations

import logging
from importlib.metadata import EntryPoint

import pytest

from orchestre.connectors import registry
from orchestre.connectors.base import Capability
from orchestre.connectors.registry import ConnectorUnavailable, Registry, UnknownNetwork

PLUGIN = "tests.connectors.fake_plugin"


def _point(name: str, target: str) -> EntryPoint:
    return EntryPoint(name=name, value=f"{PLUGIN}:{target}", group=registry.GROUP)


def test_a_third_party_network_is_found_through_its_entry_point() -> None:
    reg = Registry([_point("fake", "FakeConnector"), _point("other", "make_other")])
    assert reg.available() == ["fake", "other"]
    assert reg.get("fake").network == "fake"
    assert reg.supports("fake", Capability.REPLY)
    assert not reg.supports("fake", Capability.PUBLISH_VIDEO)
    assert not reg.supports("nowhere", Capability.REPLY)


def test_an_unknown_network_says_which_are_installed() -> None:
    reg = Registry([_point("fake", "FakeConnector")])
    with pytest.raises(UnknownNetwork, match="installed: fake"):
        reg.get("myspace")


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("Exploding", "missing API key setting"),
        ("NOT_A_CONNECTOR", "is not a connector"),
        ("Misnamed", "the names must match"),
        ("Absent", "Absent"),
    ],
)
def test_a_broken_connector_is_logged_and_raised_on_lookup(
    target: str, problem: str, caplog: pytest.LogCaptureFixture
) -> None:
    reg = Registry([_point("broken", target), _point("fake", "FakeConnector")])
    with caplog.at_level(logging.ERROR, logger="orchestre.connectors"):
        assert reg.available() == ["fake"]
    assert "'broken'" in caplog.text
    with pytest.raises(ConnectorUnavailable, match=problem):
        reg.get("broken")
    with pytest.raises(ConnectorUnavailable):
        reg.supports("broken", Capability.REPLY)
    assert "broken" in reg.failures()


def test_a_network_declared_twice_is_refused_rather_than_picked_at_random() -> None:
    reg = Registry([_point("fake", "FakeConnector"), _point("fake", "FakeConnector")])
    with pytest.raises(ConnectorUnavailable, match="declared twice"):
        reg.get("fake")


def test_a_module_that_does_not_import_is_reported() -> None:
    point = EntryPoint(name="ghost", value="no_such_package.connector:C", group=registry.GROUP)
    reg = Registry([point])
    with pytest.raises(ConnectorUnavailable, match="ModuleNotFoundError"):
        reg.get("ghost")


def test_the_installed_sandbox_connector_is_registered() -> None:
    reg = Registry()
    assert "sandbox" in reg.available()
    assert reg.supports("sandbox", Capability.PUBLISH_THREAD)
    assert registry.get("sandbox").network == "sandbox"


def test_tests_can_swap_the_process_registry() -> None:
    mine = Registry([_point("fake", "FakeConnector")])
    previous = registry.set_default(mine)
    try:
        assert registry.available() == ["fake"]
        assert registry.supports("fake", Capability.PUBLISH_TEXT)
    finally:
        registry.set_default(previous)
