"""The demo's competitors: two bakeries followed on the sandbox network, read once a day
for the last month by the real collector, so the Competitors page has trends to show."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from orchestre.demo.analytics import _SharedSandbox
from orchestre.demo.story import Cast, TimeMachine
from orchestre.listening import competitors
from orchestre.listening.competitors_collect import collect

DAYS = 30
RIVALS = (
    ("Boulangerie du Port", "boulangerie_du_port"),
    ("Fournil des Halles", "fournil.des.halles"),
)


def fill_competitors(session: Session, cast: Cast) -> int:
    """Follow the rivals from `DAYS` days ago and collect them each day until now;
    returns how many accounts were read in all."""
    assert cast.now is not None
    manager = cast.by_role["social_media_manager"]
    opener = _SharedSandbox()
    read = 0
    with TimeMachine(cast.now, DAYS) as machine:
        for name, handle in RIVALS:
            rival = competitors.create_competitor(session, manager, name)
            competitors.add_account(session, manager, opener, rival.id, "sandbox", handle)
            read += 1
        for day in range(1, DAYS + 1):
            machine.go_to(cast.now - timedelta(days=DAYS - day))
            read += collect(session, opener, clock=machine.clock.now, commit=False).read
    return read
