"""Network name -> connector, discovered through the `orchestre.connectors` entry points.

A third party adds a network by shipping a package that declares, in its pyproject:

    [project.entry-points."orchestre.connectors"]
    mynetwork = "my_package.connector:MyConnector"

The entry point names a `Connector` instance, or a class (or factory) called with no
arguments. A connector that fails to load is logged with its entry point's name and its
error is raised again on every lookup: a broken plugin is never silently missing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points

from orchestre.connectors.base import Capability, Connector

GROUP = "orchestre.connectors"
log = logging.getLogger("orchestre.connectors")


class UnknownNetwork(LookupError):
    """No installed connector is named so."""

    def __init__(self, network: str, available: Iterable[str]) -> None:
        names = ", ".join(available) or "none"
        super().__init__(f"No connector is installed for network {network!r} (installed: {names}).")
        self.network = network


class ConnectorUnavailable(RuntimeError):
    """A connector is declared but could not be loaded; the cause is chained."""

    def __init__(self, network: str, problem: str) -> None:
        super().__init__(f"The connector for {network!r} could not be loaded: {problem}")
        self.network = network


class Registry:
    """The connectors of this process, loaded once from entry points (or given directly)."""

    def __init__(self, points: Iterable[EntryPoint] | None = None) -> None:
        self._points = points
        self._lock = threading.Lock()
        self._connectors: dict[str, Connector] | None = None
        self._failures: dict[str, BaseException] = {}

    def _loaded(self) -> dict[str, Connector]:
        with self._lock:
            if self._connectors is None:
                points = entry_points(group=GROUP) if self._points is None else self._points
                self._connectors = self._load_all(points)
            return self._connectors

    def _load_all(self, points: Iterable[EntryPoint]) -> dict[str, Connector]:
        connectors: dict[str, Connector] = {}
        seen: dict[str, str] = {}
        for point in points:
            if point.name in seen:
                self._fail(
                    point,
                    RuntimeError(f"declared twice ({seen[point.name]} and {point.value})"),
                )
                connectors.pop(point.name, None)
                continue
            seen[point.name] = point.value
            try:
                connectors[point.name] = _instantiate(point)
            except Exception as exc:  # any import or constructor error is the plugin's fault
                self._fail(point, exc)
        return connectors

    def _fail(self, point: EntryPoint, exc: BaseException) -> None:
        log.error(
            "connector entry point %r (%s) failed to load: %s",
            point.name,
            point.value,
            exc,
            exc_info=exc,
        )
        self._failures[point.name] = exc

    def register(self, connector: Connector) -> None:
        """Add (or replace) a connector by hand: tests and embedding applications."""
        loaded = self._loaded()
        with self._lock:
            loaded[connector.network] = connector
            self._failures.pop(connector.network, None)

    def get(self, network: str) -> Connector:
        """The connector for `network`; `ConnectorUnavailable` if it failed to load,
        `UnknownNetwork` if none is installed."""
        loaded = self._loaded()
        if network in self._failures:
            exc = self._failures[network]
            raise ConnectorUnavailable(network, f"{type(exc).__name__}: {exc}") from exc
        try:
            return loaded[network]
        except KeyError:
            raise UnknownNetwork(network, self.available()) from None

    def available(self) -> list[str]:
        """Names of the networks whose connector loaded, sorted."""
        return sorted(self._loaded())

    def failures(self) -> dict[str, str]:
        """Entry point name -> why it failed to load (for health checks and the CLI)."""
        self._loaded()
        return {name: f"{type(exc).__name__}: {exc}" for name, exc in self._failures.items()}

    def supports(self, network: str, capability: Capability) -> bool:
        """Whether `network` can do `capability`; False for a network nobody installed,
        `ConnectorUnavailable` for one whose connector is broken."""
        try:
            return capability in self.get(network).capabilities
        except UnknownNetwork:
            return False


def _instantiate(point: EntryPoint) -> Connector:
    target = point.load()
    connector = target() if isinstance(target, type) else target
    if not isinstance(connector, Connector):
        if callable(connector):
            connector = connector()
        if not isinstance(connector, Connector):
            raise TypeError(f"{point.value} is not a connector (needs network, capabilities, open)")
    if connector.network != point.name:
        raise ValueError(
            f"entry point {point.name!r} loads a connector for {connector.network!r}; "
            "the names must match"
        )
    return connector


_default = Registry()
_default_lock = threading.Lock()


def default() -> Registry:
    """The process registry, read from installed entry points on first use."""
    return _default


def set_default(registry: Registry) -> Registry:
    """Swap the process registry; returns the previous one so callers (tests) can restore it."""
    global _default
    with _default_lock:
        previous, _default = _default, registry
    return previous


def get(network: str) -> Connector:
    return _default.get(network)


def available() -> list[str]:
    return _default.available()


def supports(network: str, capability: Capability) -> bool:
    return _default.supports(network, capability)
