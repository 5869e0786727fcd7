"""Scheduled reports: when each one is next due, and the loop that emails the due ones with
their PDF attached.

A report runs weekly (a weekday) or monthly (a day from 1 to 28) at a local hour of the
workspace's time zone; the next run is worked out on the wall clock and converted to UTC
only then, so 08:00 stays 08:00 across daylight-saving changes. An hour that does not exist
that night (02:30 when clocks jump from 02:00 to 03:00) runs one hour later.

A round claims each due report by moving its next run RETRY_AFTER ahead in a conditional
update (of several processes, one wins), renders and sends it, then sets the next run from
the schedule. A failure (rendering, SMTP, no SMTP configured) is written to `last_error`
and the report stays due at the claimed time, so it is tried again: never dropped silently.
"""

from __future__ import annotations

import calendar
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from orchestre.kit.clock import utcnow
from orchestre.kit.db import transaction
from orchestre.kit.loops import PeriodicLoop
from orchestre.kit.timezones import zone as zone_of
from orchestre.models.analytics import Report

if TYPE_CHECKING:
    from orchestre.config import Settings

log = logging.getLogger(__name__)

EVERY_SECONDS = 60.0
RETRY_AFTER = timedelta(minutes=15)
ROUND_LIMIT = 50
Sender = Callable[[EmailMessage], None]


class Scheduled(Protocol):
    schedule: str | None
    schedule_weekday: int
    schedule_day: int
    schedule_hour: int


def _at(day: date, hour: int, zone: str) -> datetime:
    """The UTC instant of `hour`:00 on `day` in `zone` (a missing hour moves forward)."""
    local = datetime.combine(day, time(hour), tzinfo=zone_of(zone))
    return local.astimezone(UTC)


def _month_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def next_run(report: Scheduled, zone: str, after: datetime) -> datetime | None:
    """The first scheduled instant strictly after `after`, or None without a schedule."""
    if report.schedule not in ("weekly", "monthly"):
        return None
    today = after.astimezone(zone_of(zone)).date()
    if report.schedule == "weekly":
        day = today + timedelta(days=(report.schedule_weekday - today.weekday()) % 7)
        found = _at(day, report.schedule_hour, zone)
        while found <= after:
            day += timedelta(days=7)
            found = _at(day, report.schedule_hour, zone)
        return found
    year, month = today.year, today.month
    while True:
        found = _at(_month_day(year, month, report.schedule_day), report.schedule_hour, zone)
        if found > after:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


# --- sending ---------------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0


def due_reports(session: Session, now: datetime, limit: int = ROUND_LIMIT) -> list[Report]:
    return list(
        session.scalars(
            select(Report)
            .where(Report.schedule.is_not(None), Report.next_run_at <= now)
            .order_by(Report.next_run_at, Report.id)
            .limit(limit)
        )
    )


def _claim(session: Session, report: Report, now: datetime) -> bool:
    """Moves the report's next run ahead unless another process did it first."""
    claimed = session.execute(
        update(Report)
        .where(Report.id == report.id, Report.next_run_at == report.next_run_at)
        .values(next_run_at=now + RETRY_AFTER)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(claimed, "rowcount", 0))


def email_of(report: Report, pdf: bytes, mail_from: str, recipients: list[str]) -> EmailMessage:
    """The email of one report: a short text in the report's language, the PDF attached."""
    from orchestre.analytics.report_render import file_name, translations_of

    _ = translations_of(report.language).gettext
    msg = EmailMessage()
    msg["Subject"] = _("Report: %(name)s") % {"name": report.name}
    msg["From"] = mail_from if "<" in mail_from else formataddr(("Orchestre", mail_from))
    msg["To"] = ", ".join(recipients)
    msg["Message-ID"] = make_msgid(domain="orchestre")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(
        _("Here is the report “%(name)s”, attached as a PDF.") % {"name": report.name} + "\n"
    )
    name = file_name(report, "pdf")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=name)
    msg["Content-Language"] = report.language
    return msg


def send_due(
    factory: sessionmaker[Session],
    now: datetime,
    sender: Sender | None,
    mail_from: str,
) -> SendReport:
    """One round: every due report claimed, rendered and sent in a transaction of its own."""
    result = SendReport()
    with transaction(factory) as session:
        due = [r.id for r in due_reports(session, now)]
    for report_id in due:
        if _send_one(factory, report_id, now, sender, mail_from):
            result.sent += 1
        else:
            result.failed += 1
    return result


def _send_one(
    factory: sessionmaker[Session],
    report_id: uuid.UUID,
    now: datetime,
    sender: Sender | None,
    mail_from: str,
) -> bool:
    from orchestre.analytics.report_pdf import report_pdf
    from orchestre.analytics.report_render import reader, workspace_zone

    with transaction(factory) as session:
        report = session.get(Report, report_id)
        if report is None or report.next_run_at is None or report.next_run_at > now:
            return True
        if not _claim(session, report, now):
            return True
    error = None
    try:
        if sender is None:
            raise RuntimeError("SMTP is not configured (ORCHESTRE_SMTP_HOST): nothing was sent.")
        with transaction(factory) as session:
            report = session.get(Report, report_id)
            if report is None:
                return True
            pdf = report_pdf(session, reader(report), report, now=now)
            message = email_of(report, pdf, mail_from, list(report.recipients))
        sender(message)
    except Exception as exc:
        error = str(exc)[:1000] or type(exc).__name__
        log.warning("report %s could not be sent; trying again later: %s", report_id, error)
    with transaction(factory) as session:
        report = session.get(Report, report_id)
        if report is None:
            return error is None
        report.last_error = error
        if error is None:
            report.last_run_at = now
            report.next_run_at = next_run(report, workspace_zone(session, report), now)
    return error is None


def smtp_sender(settings: Settings) -> Sender | None:
    """Sends through the notices' SMTP mailer (its connection and error handling), or None."""
    from orchestre.delivery.email import SmtpMailer
    from orchestre.delivery.tasks import mailer_from

    mailer = mailer_from(settings)
    return mailer.deliver if isinstance(mailer, SmtpMailer) else None


class ReportSender(PeriodicLoop[SendReport]):
    name = "orchestre-report-sender"

    def __init__(
        self,
        factory: sessionmaker[Session],
        sender: Sender | None,
        mail_from: str,
        *,
        every: float = EVERY_SECONDS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(every=every)
        self._factory = factory
        self._sender = sender
        self._mail_from = mail_from
        self._clock = clock

    def run_once(self) -> SendReport:
        return send_due(self._factory, self._clock(), self._sender, self._mail_from)

    def after_round(self, result: SendReport) -> None:
        if result.sent or result.failed:
            log.info("reports: %d sent, %d failed (retried)", result.sent, result.failed)


def start_report_sender(settings: Settings, factory: sessionmaker[Session]) -> ReportSender:
    """The production loop of a process that runs workers, started (stop it on exit)."""
    loop = ReportSender(factory, smtp_sender(settings), settings.mail_from)
    loop.start()
    return loop
