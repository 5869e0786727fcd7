"""The demo's competitors: two rival bakeries followed on the sandbox a month ago and
collected day by day by the real collector, beside the brand's sandbox channel. (The demo
as a whole is told once, in tests/cli/test_demo.py; this tells only its rivals.)"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.demo.competitors import DAYS, RIVALS, fill_competitors
from orchestre.demo.story import Cast
from orchestre.kit.clock import FrozenClock
from orchestre.listening import competitors
from orchestre.models.competitors import CompetitorSnapshot
from orchestre.workspaces.permissions import Actor, Role
from tests.factories import make_channel, make_member, make_workspace


def test_the_demo_compares_the_brand_with_two_rivals(db: Session, clock: FrozenClock) -> None:
    ws = make_workspace(db)
    manager = make_member(db, ws, "social_media_manager")
    make_channel(db, ws)
    actor = Actor(manager.id, ws.id, frozenset({Role.SOCIAL_MEDIA_MANAGER}))
    cast = Cast(workspace=ws, by_role={"social_media_manager": actor}, now=clock.now())

    assert fill_competitors(db, cast) == len(RIVALS) * (DAYS + 1)  # added, then daily
    snaps = list(
        db.scalars(select(CompetitorSnapshot).where(CompetitorSnapshot.workspace_id == ws.id))
    )
    assert len(snaps) == len(RIVALS) * (DAYS + 1)
    found = competitors.comparison(db, actor, "last_30_days")
    (sandbox,) = found.networks
    assert sandbox.sides[0].brand
    rivals = sandbox.sides[1:]
    assert [s.name for s in rivals] == [name for name, _ in RIVALS]
    for rival in rivals:
        assert all(v is not None for v in rival.trend)  # a count every day of the month
        assert rival.growth is not None
        assert rival.posts > 0
