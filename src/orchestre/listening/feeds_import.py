"""Importing an OPML file of feeds: each feed it lists is added through the same checks as
one feed added by hand (address rules, SSRF guard, really fetched and read), and the report
says for each outline whether it was added, already followed, or refused and why.

A file can list hundreds of feeds and a site may take seconds to answer, so the feeds are
fetched concurrently (`WORKERS` at a time, each wait capped at `FEED_TIMEOUT` seconds, the
whole at `BUDGET` seconds) and outside any transaction (ADR 0002: on SQLite a transaction
holds the one write lock): the file is read and the addresses checked in a first, read-only
transaction, which ends before the first fetch; the rows are written in a second one. A
feed not fetched within the budget is reported `not_tried`; importing the file again adds
it, the feeds added the first time being reported as already followed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orchestre.audit.service import record
from orchestre.errors import Invalid
from orchestre.kit.db import commit_before_network
from orchestre.listening import feeds_repository as repo
from orchestre.listening.feeds_fetch import RULES, FeedError, FeedFetcher
from orchestre.listening.feeds_opml import Outline, read_outlines
from orchestre.listening.feeds_parse import ParsedFeed
from orchestre.listening.feeds_service import checked_url, read_or_discover, store_feed
from orchestre.workspaces.permissions import Actor, Permission

log = logging.getLogger(__name__)

WORKERS = 8
FEED_TIMEOUT = 5.0
BUDGET = 45.0

ADDED = "added"
ALREADY_FOLLOWED = "already_followed"
REFUSED = "refused"


def _(message: str) -> str:
    """Marks a message for the interface catalog; the page translates it when it shows it."""
    return message


# The rules only an import names, with their words (the fetch's own are `RULES`).
IMPORT_RULES: dict[str, str] = {
    "no_address": _("This outline has no feed address (xmlUrl)."),
    "max_length": _("The address is longer than 2000 characters."),
    "not_tried": _("Not checked in time: import the file again to add it."),
}


@dataclass(frozen=True)
class OutlineResult:
    position: int  # the outline's place among the file's feeds and leaves, from 1
    title: str
    url: str  # the address the file gives (the feed followed may be one its page announces)
    outcome: str  # ADDED, ALREADY_FOLLOWED or REFUSED
    rule: str | None = None
    message: str | None = None
    detail: str | None = None  # what the site answered ("HTTP 404"), when it says more
    feed_id: uuid.UUID | None = None


@dataclass
class ImportReport:
    outlines: list[OutlineResult] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outlines if o.outcome == outcome)

    @property
    def added(self) -> int:
        return self.count(ADDED)

    @property
    def already_followed(self) -> int:
        return self.count(ALREADY_FOLLOWED)

    @property
    def refused(self) -> int:
        return self.count(REFUSED)


Read = tuple[str, ParsedFeed] | FeedError


def import_opml(
    session: Session,
    actor: Actor,
    fetcher: FeedFetcher,
    data: bytes,
    *,
    commit: bool = True,
    budget: float = BUDGET,
) -> ImportReport:
    """Follow the feeds an OPML file lists (listening.manage). A file that breaks a rule is
    refused whole (`Invalid` on field `file`) before anything is written. `commit=False`
    keeps the fetches inside the caller's transaction (the demo, a test)."""
    actor.require(Permission.LISTENING_MANAGE)
    outlines = read_outlines(data)
    results: dict[int, OutlineResult] = {}
    wanted: dict[str, list[Outline]] = {}
    for outline in outlines:
        checked = _checked(session, actor, outline)
        if isinstance(checked, OutlineResult):
            results[outline.position] = checked
        else:
            wanted.setdefault(checked, []).append(outline)
    commit_before_network(session, commit=commit)
    reads = _read_all(fetcher.hurried(FEED_TIMEOUT), list(wanted), budget)
    for url, same in wanted.items():
        first = _settle(session, actor, same[0], reads.get(url))
        results[first.position] = first
        for outline in same[1:]:  # listed twice: the first one says what became of it
            again = ALREADY_FOLLOWED if first.outcome != REFUSED else REFUSED
            results[outline.position] = replace(
                first, position=outline.position, title=outline.title, outcome=again
            )
    report = ImportReport([results[p] for p in sorted(results)])
    summary = {"added": report.added, "already_followed": report.already_followed}
    summary["refused"] = report.refused
    record(
        session, actor, "listening.feeds.imported", "workspace", actor.workspace_id, after=summary
    )
    return report


def _checked(session: Session, actor: Actor, outline: Outline) -> str | OutlineResult:
    """The outline's address when it is worth fetching, else what became of it."""
    if not outline.xml_url:
        return _refused(outline, "no_address")
    try:
        return checked_url(session, actor.workspace_id, outline.xml_url)
    except Invalid as exc:
        rule = exc.errors[0].rule if exc.errors else "invalid"
        if rule == "unique":
            return OutlineResult(outline.position, outline.title, outline.xml_url, ALREADY_FOLLOWED)
        return _refused(outline, rule)


def _refused(outline: Outline, rule: str, detail: str | None = None) -> OutlineResult:
    message = IMPORT_RULES.get(rule) or RULES.get(rule, rule)
    return OutlineResult(
        outline.position, outline.title, outline.xml_url, REFUSED, rule, message, detail
    )


def _read(fetcher: FeedFetcher, url: str) -> Read:
    try:
        return read_or_discover(fetcher, url)
    except FeedError as exc:
        return exc


def _read_all(fetcher: FeedFetcher, urls: Sequence[str], budget: float) -> dict[str, Read]:
    """Each address read (or its failure), `WORKERS` at a time; those not read within
    `budget` seconds are left out (their fetches end on their own timeout, unread)."""
    if not urls:
        return {}
    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="opml-import")
    futures: dict[Future[Read], str] = {pool.submit(_read, fetcher, url): url for url in urls}
    done, late = wait(futures, timeout=budget)
    pool.shutdown(wait=False, cancel_futures=True)
    if late:
        log.info("OPML import: %d feeds not read within %.0f s", len(late), budget)
    return {futures[f]: f.result() for f in done}


def _settle(session: Session, actor: Actor, outline: Outline, read: Read | None) -> OutlineResult:
    """The outline's outcome once its address was read (None: not read in time)."""
    if read is None:
        return _refused(outline, "not_tried")
    if isinstance(read, FeedError):
        return _refused(outline, read.rule, read.detail or None)
    url, parsed = read
    followed = OutlineResult(outline.position, outline.title, outline.xml_url, ALREADY_FOLLOWED)
    # Checked again: another person, or an earlier outline whose page announced this feed,
    # may have added it since the first look.
    if repo.url_taken(session, actor.workspace_id, url):
        return followed
    try:
        with session.begin_nested():
            row = store_feed(session, actor, url, outline.title or parsed.title)
    except IntegrityError:
        return followed
    return replace(followed, outcome=ADDED, feed_id=row.id)
