"""The weekly digest's loop: every few minutes, make the digests that are due and email them.

A workspace that follows anything (a listening query) gets its digest when its weekday
and hour come on its own clock (`digest.due_week`); the window is the seven days before
that instant, so every worker computes the same digest, and the (workspace, week) unique
constraint keeps the first. Emails go once: a sender claims the digest with a conditional
update (of several processes, one wins), sends one email per reader in their language
through the notices' SMTP mailer, and records it; a failure (server down) is kept on the
digest and retried by the next rounds for a week. Without SMTP nothing is claimed: each
digest records why once, and the first round after SMTP is set up sends it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from orchestre.kit.clock import utcnow
from orchestre.kit.db import transaction
from orchestre.kit.loops import PeriodicLoop
from orchestre.listening import digest, digest_service
from orchestre.models import Workspace
from orchestre.models.listening import ListeningQuery
from orchestre.models.listening_topics import Digest

if TYPE_CHECKING:
    from orchestre.config import Settings

log = logging.getLogger(__name__)

EVERY_SECONDS = 300.0
CLAIM = timedelta(minutes=15)
EMAIL_FOR = timedelta(days=7)  # a digest not emailed within a week is not emailed late
Sender = Callable[[EmailMessage], None]
NO_SMTP = "SMTP is not configured (ORCHESTRE_SMTP_HOST): nothing was sent."


@dataclass
class DigestRound:
    made: int = 0
    emailed: int = 0
    failed: int = 0


def _following(session: Session) -> list[uuid.UUID]:
    found = session.scalars(select(ListeningQuery.workspace_id).distinct())
    return sorted(set(found), key=str)


def make_due(factory: sessionmaker[Session], now: datetime) -> int:
    """Make every digest due at `now`; returns how many this call made."""
    with transaction(factory) as session:
        workspaces = _following(session)
    made = 0
    for workspace_id in workspaces:
        with transaction(factory) as session:
            found = digest_service.settings_for(session, workspace_id)
            if not found.enabled:
                continue
            zone = digest_service.workspace_zone(session, workspace_id)
            week = digest.due_week(now, found.weekday, found.hour, zone)
            if week is None:
                continue
            end = digest.scheduled_instant(week, found.weekday, found.hour, zone)
            if now - end > EMAIL_FOR:
                continue
            if digest_service.make_digest(session, workspace_id, week, end) is not None:
                made += 1
    return made


def email_of(
    row: Digest, reader: digest_service.Reader, workspace: str, mail_from: str, url: str
) -> EmailMessage:
    """One reader's email: the digest's lines in their language, and the page's address."""
    from orchestre.delivery.email import locale_of, translations

    locale = locale_of(reader.locale, "en")
    _ = translations(locale).gettext
    msg = EmailMessage()
    msg["Subject"] = _("Weekly digest of %(workspace)s, week of %(week)s") % {
        "workspace": workspace,
        "week": row.week_start.isoformat(),
    }
    msg["From"] = mail_from if "<" in mail_from else formataddr(("Orchestre", mail_from))
    msg["To"] = reader.email
    msg["Message-ID"] = make_msgid(domain="orchestre")
    msg["Auto-Submitted"] = "auto-generated"
    lines = [f"- {line[locale]}" for line in row.recommendations]
    body = [_("Hello %(name)s,") % {"name": reader.name}, ""]
    body += lines or [_("A quiet week: nothing stood out in your listening and your inbox.")]
    body += ["", _("Read it in Orchestre: %(url)s") % {"url": url}]
    msg.set_content("\n".join(body) + "\n")
    msg["Content-Language"] = locale
    return msg


def _no_smtp(factory: sessionmaker[Session], waiting: list[uuid.UUID]) -> int:
    """Without SMTP nothing is claimed: each waiting digest says why once (and is sent
    by the first round after SMTP is set up, within its week)."""
    told = 0
    with transaction(factory) as session:
        for digest_id in waiting:
            row = session.get(Digest, digest_id)
            if row is None or row.email_error == NO_SMTP:
                continue
            if digest_service.settings_for(session, row.workspace_id).email:
                row.email_error = NO_SMTP
                told += 1
    if told:
        log.warning("digests: %d not emailed: %s", told, NO_SMTP)
    return told


def _claim(session: Session, digest_id: uuid.UUID, now: datetime) -> bool:
    claimed = session.execute(
        update(Digest)
        .where(
            Digest.id == digest_id,
            Digest.emailed_at.is_(None),
            or_(Digest.email_claimed_until.is_(None), Digest.email_claimed_until < now),
        )
        .values(email_claimed_until=now + CLAIM)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(claimed, "rowcount", 0))


def email_due(
    factory: sessionmaker[Session],
    now: datetime,
    sender: Sender | None,
    mail_from: str,
    base_url: str,
) -> tuple[int, int]:
    """Email the digests not emailed yet (their workspace wants it); (sent, failed)."""
    with transaction(factory) as session:
        waiting = list(
            session.scalars(
                select(Digest.id).where(
                    Digest.emailed_at.is_(None), Digest.created_at >= now - EMAIL_FOR
                )
            )
        )
    if sender is None:
        return 0, _no_smtp(factory, waiting)
    sent = failed = 0
    for digest_id in waiting:
        with transaction(factory) as session:
            row = session.get(Digest, digest_id)
            if row is None or not digest_service.settings_for(session, row.workspace_id).email:
                continue
            if not _claim(session, digest_id, now):
                continue
        error = None
        count = 0
        try:
            with transaction(factory) as session:
                row = session.get(Digest, digest_id)
                assert row is not None
                workspace = session.get(Workspace, row.workspace_id)
                name = workspace.name if workspace else ""
                url = f"{base_url.rstrip('/')}/w/{row.workspace_id}/listening/digests/{row.id}"
                messages = [
                    email_of(row, reader, name, mail_from, url)
                    for reader in digest_service.readers(session, row.workspace_id)
                ]
            for message in messages:
                sender(message)
                count += 1
        except Exception as exc:
            error = (str(exc) or type(exc).__name__)[:500]
            log.warning("digest %s: email not sent, retried later: %s", digest_id, error)
        with transaction(factory) as session:
            row = session.get(Digest, digest_id)
            if row is None:
                continue
            row.email_error = error
            if error is None:
                row.emailed_at, row.emailed = now, count
                sent += 1
            else:
                failed += 1
    return sent, failed


def run_round(
    factory: sessionmaker[Session],
    now: datetime,
    sender: Sender | None,
    mail_from: str,
    base_url: str,
) -> DigestRound:
    made = make_due(factory, now)
    sent, failed = email_due(factory, now, sender, mail_from, base_url)
    return DigestRound(made, sent, failed)


class DigestLoop(PeriodicLoop[DigestRound]):
    name = "orchestre-digest"

    def __init__(
        self,
        factory: sessionmaker[Session],
        sender: Sender | None,
        mail_from: str,
        base_url: str,
        *,
        every: float = EVERY_SECONDS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(every=every)
        self._factory = factory
        self._sender = sender
        self._mail_from = mail_from
        self._base_url = base_url
        self._clock = clock

    def run_once(self) -> DigestRound:
        return run_round(
            self._factory, self._clock(), self._sender, self._mail_from, self._base_url
        )

    def after_round(self, result: DigestRound) -> None:
        if result.made or result.emailed or result.failed:
            log.info(
                "digests: %d made, %d emailed, %d emails failed (retried)",
                result.made,
                result.emailed,
                result.failed,
            )


def start_digest(settings: Settings, factory: sessionmaker[Session]) -> DigestLoop:
    """The production loop, started (stop it on exit)."""
    from orchestre.analytics.report_schedule import smtp_sender

    loop = DigestLoop(factory, smtp_sender(settings), settings.mail_from, settings.base_url)
    loop.start()
    return loop
