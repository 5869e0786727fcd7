"""What the assistant needs from the process: the key box and, in tests, an HTTP transport.

A workspace's provider key is encrypted with the deployment's keys. Features call the
gateway with a session and an actor only, so the box is the process's: the one the web
application installs when it starts (`use_box`), else the one the settings describe (a
worker, the command line). Tests may route every provider call through a transport.
"""

from __future__ import annotations

import httpx

from orchestre.config import get_settings
from orchestre.kit.crypto import SecretBox
from orchestre.kit.keys import secret_box

_box: SecretBox | None = None
_transport: httpx.BaseTransport | None = None


def use_box(box: SecretBox | None) -> None:
    global _box
    _box = box


def box() -> SecretBox:
    global _box
    if _box is None:
        _box = secret_box(get_settings())
    return _box


def use_transport(transport: httpx.BaseTransport | None) -> None:
    """Send provider calls through `transport` (None: the network); for tests."""
    global _transport
    _transport = transport


def transport() -> httpx.BaseTransport | None:
    return _transport
