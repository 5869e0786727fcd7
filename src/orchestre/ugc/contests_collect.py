"""Entries from the networks: posts carrying a contest's hashtag (or, for a call without
one, its keywords) published in its window, read from what listening and the inbox already
collected. The same post is entered once per contest, whichever of the two found it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from orchestre.audit.service import record
from orchestre.kit.clock import utcnow
from orchestre.models.ugc_contests import Contest, ContestEntry
from orchestre.ugc import contests_repository as repo
from orchestre.ugc.contests import get_contest, matches
from orchestre.workspaces.permissions import Actor, Permission

MAX_READ = 5000  # posts read per source and collection: a contest's window, not the archive


@dataclass(frozen=True)
class Collected:
    read: int  # posts in the window looked at
    added: int  # new entries


def _add(
    session: Session,
    contest: Contest,
    seen: set[tuple[str, str]],
    source: str,
    network: str,
    external_id: str,
    **fields: object,
) -> bool:
    key = (network, external_id)
    if key in seen:
        return False
    seen.add(key)
    session.add(
        ContestEntry(
            workspace_id=contest.workspace_id,
            contest_id=contest.id,
            source=source,
            network=network,
            external_id=external_id,
            review_status="pending",
            **fields,
        )
    )
    return True


def collect_contest(session: Session, contest: Contest) -> Collected:
    """Turn the window's matching mentions and inbox messages into pending entries."""
    seen = repo.known_sources(session, contest.id)
    end = min(contest.closes_at, utcnow())
    read = added = 0
    for mention in repo.mentions_in_window(
        session, contest.workspace_id, contest.opens_at, end, contest.networks, MAX_READ
    ):
        read += 1
        if matches(contest, mention.text, mention.hashtags) and _add(
            session,
            contest,
            seen,
            "mention",
            mention.network,
            mention.external_id,
            author_handle=mention.author_handle,
            author_name=mention.author_name,
            text=mention.text,
            permalink=mention.url,
            language=mention.language,
            submitted_at=mention.published_at,
        ):
            added += 1
    for message, network, author in repo.inbox_messages_in_window(
        session, contest.workspace_id, contest.opens_at, end, contest.networks, MAX_READ
    ):
        read += 1
        if matches(contest, message.text) and _add(
            session,
            contest,
            seen,
            "inbox",
            network,
            message.external_id,
            author_handle=author.handle if author else "",
            author_name=author.name if author else "",
            text=message.text,
            permalink=message.url,
            language=message.language,
            submitted_at=message.created_at,
        ):
            added += 1
    contest.last_collected_at = utcnow()
    session.flush()
    return Collected(read=read, added=added)


def collect_now(session: Session, actor: Actor, contest_id: uuid.UUID) -> Collected:
    """Collect the contest's entries from what listening and the inbox hold, now."""
    actor.require(Permission.UGC_MANAGE)
    contest = get_contest(session, actor, contest_id)
    if contest.status == "draft" or not (contest.hashtag or contest.keywords):
        return Collected(read=0, added=0)
    result = collect_contest(session, contest)
    record(
        session,
        actor,
        "contest.collected",
        "contest",
        contest.id,
        after={"read": result.read, "added": result.added},
    )
    return result
