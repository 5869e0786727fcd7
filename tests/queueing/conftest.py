"""Queueing tests reuse the posts fixtures (a team with one member per role, two channels) and
the page fixtures (compiled catalogs, a signed-in client). The browser test lives in tests/e2e,
where the one Playwright instance of a test process is."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.posts.conftest import Team, build_team
from tests.web.conftest import _catalogs, owner, signed_in, workspace

__all__ = [
    "_catalogs",
    "owner",
    "signed_in",
    "workspace",
]


@pytest.fixture
def team(db: Session) -> Team:
    return build_team(db)
