"""A built-in local social network for the demo, tests and benchmarks: no credentials."""

from orchestre.connectors.sandbox.connector import (
    SandboxConnector,
    SandboxInstallation,
    shared_network,
    use_network,
)
from orchestre.connectors.sandbox.network import Faults, SandboxNetwork

__all__ = [
    "Faults",
    "SandboxConnector",
    "SandboxInstallation",
    "SandboxNetwork",
    "shared_network",
    "use_network",
]
