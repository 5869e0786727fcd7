"""Routes of contests under /workspaces/{workspace_id}/contests: contests (CRUD, open and
close), collecting entries, reviewing, voting, shortlisting, winners and their announcement.
The public submission page is a web page (`web/views/contests_public.py`), not an API route."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from orchestre.apischema import problems
from orchestre.deps import DB, CurrentActor
from orchestre.ugc import contests, contests_announce, contests_collect
from orchestre.ugc import contests_schemas as s
from orchestre.ugc.contests import ContestChanges, ContestInput, EntryView

router = APIRouter(tags=["contests"])

CONTESTS = "/workspaces/{workspace_id}/contests"
CONTEST = CONTESTS + "/{contest_id}"
ENTRIES = CONTEST + "/entries"
ENTRY = ENTRIES + "/{entry_id}"


def entry_out(view: EntryView) -> s.Entry:
    data = {
        name: getattr(view.entry, name)
        for name in s.Entry.model_fields
        if hasattr(view.entry, name)
    }
    return s.Entry(
        **data,
        votes=view.tally.votes,
        average_score=view.tally.average,
        my_score=view.tally.mine,
    )


@router.get(CONTESTS, response_model=list[s.Contest], responses=problems())
def list_contests(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> list[s.Contest]:
    return [s.Contest.model_validate(c) for c in contests.list_contests(db, actor)]


@router.post(CONTESTS, status_code=201, response_model=s.Contest, responses=problems(422))
def create_contest(
    workspace_id: uuid.UUID, body: s.ContestCreate, actor: CurrentActor, db: DB
) -> s.Contest:
    """A contest or call for contributions, as a draft (ugc.manage). A hashtag contest also
    follows its hashtag in listening when the caller may manage listening."""
    data = ContestInput(
        **body.model_dump(exclude={"keywords", "networks"}),
        keywords=tuple(body.keywords),
        networks=tuple(body.networks),
    )
    return s.Contest.model_validate(contests.create_contest(db, actor, data))


@router.get(CONTEST, response_model=s.Contest, responses=problems())
def get_contest(
    workspace_id: uuid.UUID, contest_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.Contest:
    return s.Contest.model_validate(contests.get_contest(db, actor, contest_id))


@router.patch(CONTEST, response_model=s.Contest, responses=problems(409, 422))
def update_contest(
    workspace_id: uuid.UUID,
    contest_id: uuid.UUID,
    body: s.ContestUpdate,
    actor: CurrentActor,
    db: DB,
) -> s.Contest:
    """Change fields, open or close; a new consent text gets a new version."""
    given = body.model_dump(exclude_unset=True)
    for key in ("keywords", "networks"):
        if given.get(key) is not None:
            given[key] = tuple(given[key])
    changes = ContestChanges(**{k: v for k, v in given.items() if v is not None})
    return s.Contest.model_validate(contests.update_contest(db, actor, contest_id, changes))


@router.delete(CONTEST, status_code=204, response_class=Response, responses=problems())
def delete_contest(
    workspace_id: uuid.UUID, contest_id: uuid.UUID, actor: CurrentActor, db: DB
) -> Response:
    contests.delete_contest(db, actor, contest_id)
    return Response(status_code=204)


@router.post(CONTEST + "/collect", response_model=s.Collected, responses=problems())
def collect_entries(
    workspace_id: uuid.UUID, contest_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.Collected:
    """Enter the window's posts carrying the hashtag, from listening's mentions and the
    inbox's messages, each post once (ugc.manage)."""
    return s.Collected.model_validate(contests_collect.collect_now(db, actor, contest_id))


@router.get(ENTRIES, response_model=list[s.Entry], responses=problems(422))
def list_entries(
    workspace_id: uuid.UUID,
    contest_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    status: str | None = None,
    shortlisted: bool | None = None,
    ranked: bool = False,
) -> list[s.Entry]:
    """Newest first, or best first by the team's votes (`ranked`)."""
    views = contests.list_entries(db, actor, contest_id, status, shortlisted, ranked)
    return [entry_out(v) for v in views]


@router.get(ENTRY, response_model=s.Entry, responses=problems())
def get_entry(
    workspace_id: uuid.UUID, contest_id: uuid.UUID, entry_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.Entry:
    return entry_out(contests.get_entry(db, actor, contest_id, entry_id))


@router.post(ENTRY + "/review", response_model=s.Entry, responses=problems(422))
def review_entry(
    workspace_id: uuid.UUID,
    contest_id: uuid.UUID,
    entry_id: uuid.UUID,
    body: s.Review,
    actor: CurrentActor,
    db: DB,
) -> s.Entry:
    """Accept or reject an entry; nothing is published (ugc.manage)."""
    contests.review_entry(db, actor, contest_id, entry_id, body.status)
    return entry_out(contests.get_entry(db, actor, contest_id, entry_id))


@router.put(ENTRY + "/vote", response_model=s.Entry, responses=problems(409, 422))
def vote(
    workspace_id: uuid.UUID,
    contest_id: uuid.UUID,
    entry_id: uuid.UUID,
    body: s.VoteIn,
    actor: CurrentActor,
    db: DB,
) -> s.Entry:
    """The caller's score from 1 to 5, replacing their earlier one (ugc.manage)."""
    return entry_out(contests.vote(db, actor, contest_id, entry_id, body.score))


@router.delete(ENTRY + "/vote", response_model=s.Entry, responses=problems())
def clear_vote(
    workspace_id: uuid.UUID, contest_id: uuid.UUID, entry_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.Entry:
    return entry_out(contests.clear_vote(db, actor, contest_id, entry_id))


@router.post(ENTRY + "/shortlist", response_model=s.Entry, responses=problems(409))
def shortlist(
    workspace_id: uuid.UUID,
    contest_id: uuid.UUID,
    entry_id: uuid.UUID,
    body: s.ShortlistIn,
    actor: CurrentActor,
    db: DB,
) -> s.Entry:
    """Put an accepted entry on the shortlist, or take it off (ugc.manage)."""
    contests.set_shortlisted(db, actor, contest_id, entry_id, body.shortlisted)
    return entry_out(contests.get_entry(db, actor, contest_id, entry_id))


@router.put(CONTEST + "/winners", response_model=list[s.Entry], responses=problems(409, 422))
def set_winners(
    workspace_id: uuid.UUID, contest_id: uuid.UUID, body: s.WinnersIn, actor: CurrentActor, db: DB
) -> list[s.Entry]:
    """The winners in prize order, among shortlisted entries (ugc.manage)."""
    contests.set_winners(db, actor, contest_id, list(body.entry_ids))
    return [entry_out(contests.get_entry(db, actor, contest_id, e)) for e in body.entry_ids]


@router.post(
    CONTEST + "/announce", status_code=201, response_model=s.Announced, responses=problems(409, 422)
)
def announce(
    workspace_id: uuid.UUID, contest_id: uuid.UUID, body: s.AnnounceIn, actor: CurrentActor, db: DB
) -> s.Announced:
    """A draft post crediting each winner on the chosen channels, in en or fr; it goes
    through review and scheduling like any post (ugc.manage and posts.create)."""
    view = contests_announce.announce_winners(
        db, actor, contest_id, list(body.channel_ids), body.language
    )
    return s.Announced(post_id=view.post.id)


@router.post(
    CONTEST + "/poll", status_code=201, response_model=s.Announced, responses=problems(409, 422)
)
def community_vote(
    workspace_id: uuid.UUID, contest_id: uuid.UUID, body: s.PollIn, actor: CurrentActor, db: DB
) -> s.Announced:
    """A draft post whose poll lets the community vote among the first four shortlisted
    entries, on channels whose network has polls (X, Mastodon); it goes through review and
    scheduling like any post (ugc.manage and posts.create)."""
    view = contests_announce.community_vote(
        db, actor, contest_id, list(body.channel_ids), body.language, body.duration_minutes
    )
    return s.Announced(post_id=view.post.id)
