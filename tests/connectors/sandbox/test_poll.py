"""The sandbox takes polls with Mastodon's rules and keeps a published poll's choices."""

from __future__ import annotations

import pytest

from orchestre.connectors.base import DraftPost, Installation, PermanentError
from orchestre.connectors.sandbox.network import SandboxNetwork
from tests.connectors.rules.test_poll_rules import poll


def test_the_sandbox_refuses_a_bad_poll_and_keeps_a_good_ones_choices(
    sandbox: SandboxNetwork, brand: Installation
) -> None:
    with pytest.raises(PermanentError, match="choices"):
        brand.publish(DraftPost(text="Vote", options=poll("Only one")))
    ref = brand.publish(DraftPost(text="Vote", thread=["Thanks!"], options=poll("Tea", "Coffee")))
    assert sandbox.poll_choices(ref.external_id) == ("Tea", "Coffee")
    assert sandbox.poll_choices(ref.parts[0].external_id) == ()
