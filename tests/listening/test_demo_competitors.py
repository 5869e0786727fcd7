"""The demo follows two rival bakeries on the sandbox and has a month of their figures,
collected day by day, beside the brand's own sandbox channels. (About 8 s: it fills the
whole demo, as `orchestre demo` does, since the rivals sit beside the brand's history.)"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre import demo
from orchestre.config import Settings
from orchestre.demo.competitors import DAYS, RIVALS
from orchestre.demo.content import OWNER_EMAIL
from orchestre.kit.clock import FrozenClock
from orchestre.listening import competitors
from orchestre.models import Workspace
from orchestre.models.competitors import CompetitorSnapshot
from orchestre.workspaces.auth import actor_for
from orchestre.workspaces.service import find_user_by_email


def test_the_demo_compares_the_brand_with_two_rivals(
    db: Session, settings: Settings, clock: FrozenClock
) -> None:
    demo.fill(db, settings)
    ws = db.scalars(select(Workspace).where(Workspace.name == "Maison Lumière")).one()
    owner = find_user_by_email(db, OWNER_EMAIL)
    assert owner is not None
    actor = actor_for(db, owner.id, ws.id)
    snaps = db.scalars(select(CompetitorSnapshot).where(CompetitorSnapshot.workspace_id == ws.id))
    assert len(list(snaps)) == len(RIVALS) * (DAYS + 1)  # added a month ago, then daily
    found = competitors.comparison(db, actor, "last_30_days")
    (sandbox,) = found.networks
    names = [s.name for s in sandbox.sides if not s.brand]
    assert names == [name for name, _ in RIVALS]
    for rival in sandbox.sides[1:]:
        assert all(v is not None for v in rival.trend)
        assert rival.growth is not None
        assert rival.posts > 0
    assert sandbox.sides[0].brand
    assert sandbox.sides[0].followers is not None
