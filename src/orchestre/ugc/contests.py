"""Contest use cases: contests and calls for contributions (create, change, open, close,
delete), their entries (review, the team's votes and ranking, shortlist) and winners.

Collection from the networks is in `contests_collect.py`, the winners' announcement in
`contests_announce.py`, the public submission page in `submissions.py`. Each use case
checks `ugc.view` or `ugc.manage`; a contest or entry of another workspace is a 404.
"""

from __future__ import annotations

import re
import secrets
import string
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.errors import Conflict, FieldError, Invalid, NotFound
from orchestre.kit.clock import utcnow
from orchestre.kit.text import fold
from orchestre.listening import service as listening
from orchestre.models.ugc_contests import Contest, ContestEntry, ContestVote
from orchestre.ugc import contests_repository as repo
from orchestre.ugc.contests_repository import Tally
from orchestre.workspaces.permissions import Actor, Permission

KINDS = ("hashtag_contest", "call_for_contributions")
STATUSES = ("draft", "open", "closed", "announced")
REVIEW_STATUSES = ("pending", "accepted", "rejected")
MAX_TITLE = 160
MAX_KEYWORDS = 20
MAX_TEXT = 5000
MAX_WINNERS = 20
HASHTAG = re.compile(r"^#\w{1,99}$")
SLUG_ALPHABET = string.ascii_lowercase + string.digits

DEFAULT_CONSENT = {
    "en": (
        "I am the author of what I send and the people shown in it agree. I allow the "
        "organiser to review it and, if it is chosen, to share it on its social media "
        "accounts with credit to me. My email address is used only to contact me about "
        "this contest."
    ),
    "fr": (
        "Je suis l'auteur ou l'autrice de ce que j'envoie et les personnes qui y figurent "
        "sont d'accord. J'autorise l'organisateur à l'examiner et, s'il est retenu, à le "
        "partager sur ses comptes de réseaux sociaux en me citant. Mon adresse e-mail sert "
        "uniquement à me contacter au sujet de ce concours."
    ),
}


@dataclass(frozen=True)
class ContestInput:
    kind: str
    title: str
    opens_at: datetime
    closes_at: datetime
    hashtag: str = ""
    keywords: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    rules_en: str = ""
    rules_fr: str = ""
    consent_en: str = ""
    consent_fr: str = ""
    public_enabled: bool = True


@dataclass(frozen=True)
class ContestChanges:
    """Only the fields given change."""

    title: str | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    hashtag: str | None = None
    keywords: tuple[str, ...] | None = None
    networks: tuple[str, ...] | None = None
    rules_en: str | None = None
    rules_fr: str | None = None
    consent_en: str | None = None
    consent_fr: str | None = None
    public_enabled: bool | None = None
    status: str | None = None


@dataclass(frozen=True)
class EntryView:
    """An entry with the team's votes on it."""

    entry: ContestEntry
    tally: Tally = field(default_factory=lambda: Tally(0, 0, None))


# --- rules ----------------------------------------------------------------------------------


def normalise_hashtag(value: str) -> str:
    value = value.strip()
    if value and not value.startswith("#"):
        value = "#" + value
    return value


def accepting(contest: Contest, now: datetime | None = None) -> bool:
    """Whether entries are taken now: open, and inside its window."""
    now = now or utcnow()
    return contest.status == "open" and contest.opens_at <= now < contest.closes_at


def matches(contest: Contest, text: str, hashtags: list[str] | None = None) -> bool:
    """Whether a post carries the contest's hashtag (or, without one, one of its keywords)."""
    folded = fold(text)
    if contest.hashtag:
        tag = fold(contest.hashtag)
        if tag.lstrip("#") in {fold(h).lstrip("#") for h in hashtags or []}:
            return True
        return re.search(rf"(?<![\w#]){re.escape(tag)}(?!\w)", folded) is not None
    return any(
        re.search(rf"(?<!\w){re.escape(fold(k))}(?!\w)", folded) for k in contest.keywords if k
    )


def _check(data: ContestInput) -> None:
    errors: list[FieldError] = []
    title = data.title.strip()
    if not title:
        errors.append(FieldError("title", "required", "Give the contest a title."))
    elif len(title) > MAX_TITLE:
        errors.append(FieldError("title", "max_length", "At most 160 characters.", MAX_TITLE))
    if data.kind not in KINDS:
        errors.append(
            FieldError(
                "kind",
                "enum",
                "A hashtag contest or a call for contributions.",
                list(KINDS),
                data.kind,
            )
        )
    tag = normalise_hashtag(data.hashtag)
    if tag and not HASHTAG.match(tag):
        errors.append(
            FieldError(
                "hashtag",
                "hashtag",
                "A hashtag is # followed by letters, digits or _ (no spaces).",
                actual=data.hashtag,
            )
        )
    if data.kind == "hashtag_contest" and not tag:
        errors.append(FieldError("hashtag", "required", "A hashtag contest needs its hashtag."))
    if len(data.keywords) > MAX_KEYWORDS or any(len(k) > 60 for k in data.keywords):
        errors.append(
            FieldError(
                "keywords", "max_items", "At most 20 keywords of 60 characters.", MAX_KEYWORDS
            )
        )
    if data.closes_at <= data.opens_at:
        errors.append(
            FieldError("closes_at", "after_opens", "The contest must close after it opens.")
        )
    for name in ("rules_en", "rules_fr", "consent_en", "consent_fr"):
        if len(getattr(data, name)) > MAX_TEXT:
            errors.append(FieldError(name, "max_length", "At most 5,000 characters.", MAX_TEXT))
    if errors:
        raise Invalid("The contest is not valid.", errors=errors)


def _new_slug(session: Session, title: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")[:50].strip("-") or "contest"
    while True:
        suffix = "".join(secrets.choice(SLUG_ALPHABET) for _ in range(10))
        slug = f"{words}-{suffix}"
        if not repo.slug_taken(session, slug):
            return slug


# --- contests --------------------------------------------------------------------------------


def require_view(actor: Actor) -> None:
    actor.require(Permission.UGC_VIEW)


def list_contests(session: Session, actor: Actor) -> list[Contest]:
    actor.require(Permission.UGC_VIEW)
    return repo.contests(session, actor.workspace_id)


def entry_counts(session: Session, actor: Actor, contests: list[Contest]) -> dict[uuid.UUID, int]:
    actor.require(Permission.UGC_VIEW)
    return repo.count_entries(session, [c.id for c in contests])


def get_contest(session: Session, actor: Actor, contest_id: uuid.UUID) -> Contest:
    actor.require(Permission.UGC_VIEW)
    found = repo.contest(session, actor.workspace_id, contest_id)
    if found is None:
        raise NotFound("No such contest in this workspace.", code="contest_not_found")
    return found


def _listening_query(session: Session, actor: Actor, contest: Contest) -> None:
    """Follow the contest's hashtag in listening, so mentions of it are collected."""
    if not contest.hashtag or not actor.can(Permission.LISTENING_MANAGE):
        return
    name = f"{contest.title[:90]} ({contest.slug[-10:]})"
    data = listening.QueryInput(name=name, query=contest.hashtag, networks=tuple(contest.networks))
    contest.listening_query_id = listening.create_query(session, actor, data).id


def create_contest(session: Session, actor: Actor, data: ContestInput) -> Contest:
    actor.require(Permission.UGC_MANAGE)
    _check(data)
    title = data.title.strip()
    row = Contest(
        workspace_id=actor.workspace_id,
        kind=data.kind,
        title=title,
        hashtag=normalise_hashtag(data.hashtag),
        keywords=sorted({k.strip() for k in data.keywords if k.strip()}),
        networks=sorted(set(data.networks)),
        opens_at=data.opens_at,
        closes_at=data.closes_at,
        rules_en=data.rules_en.strip(),
        rules_fr=data.rules_fr.strip(),
        consent_en=data.consent_en.strip() or DEFAULT_CONSENT["en"],
        consent_fr=data.consent_fr.strip() or DEFAULT_CONSENT["fr"],
        consent_version=1,
        public_enabled=data.public_enabled,
        status="draft",
        slug=_new_slug(session, title),
        ip_salt=secrets.token_hex(32),
        created_by=actor.user_id,
    )
    session.add(row)
    session.flush()
    _listening_query(session, actor, row)
    session.flush()
    record(session, actor, "contest.created", "contest", row.id, after=_picture(row))
    return row


def _picture(row: Contest) -> dict[str, object]:
    return {k: v for k, v in snapshot(row).items() if k != "ip_salt"}


def _move(row: Contest, status: str) -> None:
    allowed = {
        "draft": {"open"},
        "open": {"closed"},
        "closed": {"open", "announced"},
        "announced": set(),
    }
    if status not in STATUSES:
        raise Invalid(
            "Unknown status.",
            errors=[FieldError("status", "enum", "draft, open, closed or announced.")],
        )
    if status != row.status and status not in allowed[row.status]:
        raise Conflict(
            f"A contest that is {row.status} cannot become {status}.", code="contest_status"
        )
    row.status = status


def update_contest(
    session: Session, actor: Actor, contest_id: uuid.UUID, changes: ContestChanges
) -> Contest:
    actor.require(Permission.UGC_MANAGE)
    row = get_contest(session, actor, contest_id)
    before = _picture(row)

    def pick(name: str) -> object:
        value = getattr(changes, name)
        return getattr(row, name) if value is None else value

    data = ContestInput(
        kind=row.kind,
        title=str(pick("title")),
        opens_at=changes.opens_at or row.opens_at,
        closes_at=changes.closes_at or row.closes_at,
        hashtag=str(pick("hashtag")),
        keywords=tuple(changes.keywords if changes.keywords is not None else row.keywords),
        networks=tuple(changes.networks if changes.networks is not None else row.networks),
        rules_en=str(pick("rules_en")),
        rules_fr=str(pick("rules_fr")),
        consent_en=str(pick("consent_en")),
        consent_fr=str(pick("consent_fr")),
        public_enabled=bool(pick("public_enabled")),
    )
    _check(data)
    consent = (data.consent_en.strip(), data.consent_fr.strip())
    if consent != (row.consent_en, row.consent_fr):
        # Entries keep the words they agreed to; new ones agree to the new version.
        row.consent_version += 1
    row.title = data.title.strip()
    row.opens_at, row.closes_at = data.opens_at, data.closes_at
    row.hashtag = normalise_hashtag(data.hashtag)
    row.keywords = sorted({k.strip() for k in data.keywords if k.strip()})
    row.networks = sorted(set(data.networks))
    row.rules_en, row.rules_fr = data.rules_en.strip(), data.rules_fr.strip()
    row.consent_en = consent[0] or DEFAULT_CONSENT["en"]
    row.consent_fr = consent[1] or DEFAULT_CONSENT["fr"]
    row.public_enabled = data.public_enabled
    if changes.status is not None:
        _move(row, changes.status)
    session.flush()
    record(session, actor, "contest.updated", "contest", row.id, before=before, after=_picture(row))
    return row


def delete_contest(session: Session, actor: Actor, contest_id: uuid.UUID) -> None:
    actor.require(Permission.UGC_MANAGE)
    row = get_contest(session, actor, contest_id)
    before = _picture(row)
    session.delete(row)
    session.flush()
    record(session, actor, "contest.deleted", "contest", contest_id, before=before)


# --- entries, votes, shortlist, winners -------------------------------------------------------


def _entry(
    session: Session, actor: Actor, contest_id: uuid.UUID, entry_id: uuid.UUID
) -> ContestEntry:
    get_contest(session, actor, contest_id)
    found = repo.entry(session, actor.workspace_id, contest_id, entry_id)
    if found is None:
        raise NotFound("No such entry in this contest.", code="entry_not_found")
    return found


def rank_key(view: EntryView) -> tuple[float, int, float]:
    """Best first: average score, then number of votes, then the oldest entry."""
    average = view.tally.average
    return (-(average or 0.0), -view.tally.votes, view.entry.submitted_at.timestamp())


def list_entries(
    session: Session,
    actor: Actor,
    contest_id: uuid.UUID,
    review_status: str | None = None,
    shortlisted: bool | None = None,
    ranked: bool = False,
) -> list[EntryView]:
    """Newest first, or ranked by the team's votes (`ranked`)."""
    actor.require(Permission.UGC_VIEW)
    get_contest(session, actor, contest_id)
    if review_status and review_status not in REVIEW_STATUSES:
        raise Invalid(
            "Unknown review status.",
            errors=[FieldError("status", "enum", "pending, accepted or rejected.")],
        )
    rows = repo.entries(session, actor.workspace_id, contest_id, review_status, shortlisted)
    tallies = repo.tallies(session, actor.workspace_id, contest_id, actor.user_id)
    views = [EntryView(row, tallies.get(row.id, Tally(0, 0, None))) for row in rows]
    return sorted(views, key=rank_key) if ranked else views


def get_entry(
    session: Session, actor: Actor, contest_id: uuid.UUID, entry_id: uuid.UUID
) -> EntryView:
    actor.require(Permission.UGC_VIEW)
    row = _entry(session, actor, contest_id, entry_id)
    tally = repo.tallies(session, actor.workspace_id, contest_id, actor.user_id).get(row.id)
    return EntryView(row, tally or Tally(0, 0, None))


def review_entry(
    session: Session, actor: Actor, contest_id: uuid.UUID, entry_id: uuid.UUID, status: str
) -> ContestEntry:
    """Accept or reject an entry (or put it back to pending). Nothing is published by this."""
    actor.require(Permission.UGC_MANAGE)
    row = _entry(session, actor, contest_id, entry_id)
    if status not in REVIEW_STATUSES:
        raise Invalid(
            "Unknown review status.",
            errors=[FieldError("status", "enum", "pending, accepted or rejected.")],
        )
    before = snapshot(row, ["review_status", "shortlisted", "winner_rank"])
    row.review_status = status
    row.reviewed_by, row.reviewed_at = actor.user_id, utcnow()
    if status != "accepted":
        # Only accepted entries stay on the shortlist or among the winners.
        row.shortlisted, row.winner_rank = False, None
    session.flush()
    after = snapshot(row, ["review_status", "shortlisted", "winner_rank"])
    record(
        session,
        actor,
        "contest.entry.reviewed",
        "contest_entry",
        row.id,
        before=before,
        after=after,
    )
    return row


def vote(
    session: Session, actor: Actor, contest_id: uuid.UUID, entry_id: uuid.UUID, score: int
) -> EntryView:
    """The member's score from 1 to 5; voting again replaces it. Rejected entries take none."""
    actor.require(Permission.UGC_MANAGE)
    row = _entry(session, actor, contest_id, entry_id)
    if not 1 <= score <= 5:
        raise Invalid(
            "A vote is a score from 1 to 5.",
            errors=[FieldError("score", "range", "From 1 to 5.", [1, 5], score)],
        )
    if row.review_status == "rejected":
        raise Conflict("A rejected entry takes no vote.", code="entry_rejected")
    found = repo.vote(session, row.id, actor.user_id)
    if found is None:
        session.add(
            ContestVote(
                workspace_id=actor.workspace_id,
                contest_id=contest_id,
                entry_id=row.id,
                user_id=actor.user_id,
                score=score,
            )
        )
    else:
        found.score, found.voted_at = score, utcnow()
    session.flush()
    return get_entry(session, actor, contest_id, entry_id)


def clear_vote(
    session: Session, actor: Actor, contest_id: uuid.UUID, entry_id: uuid.UUID
) -> EntryView:
    actor.require(Permission.UGC_MANAGE)
    row = _entry(session, actor, contest_id, entry_id)
    found = repo.vote(session, row.id, actor.user_id)
    if found is not None:
        session.delete(found)
        session.flush()
    return get_entry(session, actor, contest_id, entry_id)


def set_shortlisted(
    session: Session, actor: Actor, contest_id: uuid.UUID, entry_id: uuid.UUID, shortlisted: bool
) -> ContestEntry:
    actor.require(Permission.UGC_MANAGE)
    row = _entry(session, actor, contest_id, entry_id)
    if shortlisted and row.review_status != "accepted":
        raise Conflict("Accept the entry before shortlisting it.", code="entry_not_accepted")
    row.shortlisted = shortlisted
    if not shortlisted:
        row.winner_rank = None
    session.flush()
    record(
        session,
        actor,
        "contest.entry.shortlisted" if shortlisted else "contest.entry.unshortlisted",
        "contest_entry",
        row.id,
    )
    return row


def set_winners(
    session: Session, actor: Actor, contest_id: uuid.UUID, entry_ids: list[uuid.UUID]
) -> list[ContestEntry]:
    """The winners in order (first = first prize), chosen among shortlisted entries."""
    actor.require(Permission.UGC_MANAGE)
    contest = get_contest(session, actor, contest_id)
    if contest.status == "announced":
        raise Conflict("The winners were already announced.", code="contest_announced")
    if len(entry_ids) > MAX_WINNERS or len(set(entry_ids)) != len(entry_ids):
        raise Invalid(
            "Winners are not valid.",
            errors=[FieldError("entry_ids", "unique", "At most 20 different entries.")],
        )
    chosen = [_entry(session, actor, contest_id, entry_id) for entry_id in entry_ids]
    if any(not row.shortlisted for row in chosen):
        raise Conflict(
            "Winners are chosen among shortlisted entries.", code="entry_not_shortlisted"
        )
    for row in repo.entries(session, actor.workspace_id, contest_id):
        row.winner_rank = None
    session.flush()
    for rank, row in enumerate(chosen, start=1):
        row.winner_rank = rank
    session.flush()
    record(
        session,
        actor,
        "contest.winners.set",
        "contest",
        contest_id,
        after={"winners": [str(row.id) for row in chosen]},
    )
    return chosen


def winners(session: Session, actor: Actor, contest_id: uuid.UUID) -> list[ContestEntry]:
    actor.require(Permission.UGC_VIEW)
    rows = repo.entries(session, actor.workspace_id, contest_id, shortlisted=True)
    return sorted((r for r in rows if r.winner_rank), key=lambda r: r.winner_rank or 0)
