"""Letting the community vote: a draft post whose poll offers the first four shortlisted
entries, only on channels whose network has polls, each choice fitting every network."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from orchestre.errors import Conflict, Invalid
from orchestre.kit.clock import FrozenClock
from orchestre.models import PostVariant
from orchestre.ugc import contests, contests_announce
from orchestre.ugc.contests_announce import poll_choices
from orchestre.workspaces.permissions import Actor
from tests.factories import make_channel, make_workspace
from tests.ugc.test_contests_service import accepted_entries, actor, open_contest, workspace_of


@pytest.fixture
def owner(db: Session, clock: FrozenClock) -> Actor:
    return actor(db, make_workspace(db).id, "owner")


def test_the_shortlist_becomes_a_poll_on_x_and_mastodon(db: Session, owner: Actor) -> None:
    ws = workspace_of(db, owner)
    row = open_contest(db, owner)
    entries = accepted_entries(db, owner, row, 5)
    x, mastodon = make_channel(db, ws, "x"), make_channel(db, ws, "mastodon")
    linkedin = make_channel(db, ws, "linkedin")
    contests.set_shortlisted(db, owner, row.id, entries[0].id, True)
    with pytest.raises(Conflict):
        contests_announce.community_vote(db, owner, row.id, [x.id], "en")  # one entry
    for entry in entries[1:]:
        contests.set_shortlisted(db, owner, row.id, entry.id, True)
    contests.vote(db, owner, row.id, entries[4].id, 5)
    with pytest.raises(Invalid) as refused:
        contests_announce.community_vote(db, owner, row.id, [x.id, linkedin.id], "en")
    assert refused.value.errors[0].message == "linkedin"

    view = contests_announce.community_vote(db, owner, row.id, [x.id, mastodon.id], "fr", 4320)
    variants = {v.variant.channel_id: v.variant for v in view.variants}
    polls = {cid: variant.options["poll"] for cid, variant in variants.items()}
    expected = {
        "options": [
            "@fan4@photo.social",  # voted for
            "@fan3@photo.social",  # then the oldest entries first
            "@fan2@photo.social",
            "@fan1@photo.social",
        ],
        "duration_minutes": 4320,
    }
    # Four choices, best voted first.
    assert polls == {x.id: expected, mastodon.id: expected}
    assert {v.state for v in variants.values()} == {"draft"}
    assert view.post.base_text.startswith("🗳️ Summer photos : quelle participation doit gagner")
    stored = db.get(PostVariant, variants[x.id].id)
    assert stored is not None
    assert [f.rule for f in view.variants[0].findings if f.rule.startswith("poll.")] == []


def test_choices_are_cut_to_the_width_and_stay_distinct() -> None:
    class Entry:
        def __init__(self, name: str) -> None:
            self.author_name = name
            self.author_handle = ""
            self.source = "public"

    chosen = [Entry("Marie-Christine Dupont-Lefebvre"), Entry("Marie-Christine Dupont-Lefort")]
    choices = poll_choices(chosen, 25)  # type: ignore[arg-type]
    assert choices == ["Marie-Christine Dupont-L…", "Marie-Christine Dupon (2)"]
    assert all(len(c) <= 25 for c in choices)
