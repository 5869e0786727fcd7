"""Queueing tests reuse the posts fixtures: a team with one member per role, two channels."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.posts.conftest import Team, build_team


@pytest.fixture
def team(db: Session) -> Team:
    return build_team(db)
