"""Background jobs of delivery: fan a notice out, send one email, send one webhook.

They read this process's settings; tests (and an operator's own wiring) replace the
webhook context or the mailer with `configure`. An email job that fails raises, so the
job runner retries it with backoff and logs it when it gives up; a webhook delivery
retries within its job, attempt by attempt, as `dispatch.deliver` describes.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Protocol

from sqlalchemy.orm import Session

from orchestre.config import Settings, get_settings
from orchestre.delivery import dispatch, repository, sweeper
from orchestre.delivery.email import Notice, SmtpMailer, SmtpSettings, locale_of, render
from orchestre.kit.clock import utcnow
from orchestre.kit.keys import secret_box
from orchestre.worker.registry import task

log = logging.getLogger(__name__)

RESUME_STALLED = "delivery.resume_stalled"


class Mailer(Protocol):
    def send(self, notice: Notice) -> None: ...


_context: dispatch.DeliveryContext | None = None
_mailer: Mailer | None = None
_configured_mailer = False


def configure(
    context: dispatch.DeliveryContext | None = None,
    mailer: Mailer | None = None,
    *,
    replace_mailer: bool = False,
) -> None:
    """Set this process's webhook context and/or mailer (None: from the settings again)."""
    global _context, _mailer, _configured_mailer
    _context = context
    if mailer is not None or replace_mailer:
        _mailer, _configured_mailer = mailer, mailer is not None


def mailer_from(settings: Settings) -> Mailer | None:
    if not settings.smtp_host:
        return None
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpMailer(
        SmtpSettings(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=password,
            starttls=settings.smtp_starttls,
            mail_from=settings.mail_from,
        )
    )


def mailer() -> Mailer | None:
    return _mailer if _configured_mailer else mailer_from(get_settings())


def context() -> dispatch.DeliveryContext:
    return _context or dispatch.DeliveryContext(box=secret_box(get_settings()))


@task(dispatch.FAN_OUT)
def fan_out(
    session: Session,
    workspace_id: str,
    kind: str,
    payload: dict[str, Any],
    user_ids: list[str],
) -> None:
    dispatch.fan_out(
        session,
        uuid.UUID(workspace_id),
        kind,
        payload,
        [uuid.UUID(u) for u in user_ids],
        email=mailer() is not None,
    )


@task(dispatch.SEND_EMAIL)
def send_email(
    session: Session, user_id: str, workspace_id: str, kind: str, payload: dict[str, Any]
) -> None:
    sender = mailer()
    if sender is None:
        return  # SMTP was switched off since the job was queued
    users = repository.users(session, [uuid.UUID(user_id)])
    workspace = repository.workspace(session, uuid.UUID(workspace_id))
    if not users or workspace is None:
        return
    user, settings = users[0], get_settings()
    notice = render(
        kind,
        payload,
        to=user.email,
        name=user.name,
        locale=locale_of(user.locale or workspace.locale, settings.default_locale),
        workspace_id=workspace_id,
        workspace_name=workspace.name,
        base_url=settings.base_url,
    )
    sender.send(notice)
    log.info("notice email %s sent to user %s", kind, user.id)


@task(dispatch.SEND_WEBHOOK)
def send_webhook(session: Session, delivery_id: str) -> None:
    dispatch.deliver(session, context(), uuid.UUID(delivery_id))


@task(RESUME_STALLED)
def resume_stalled(session: Session) -> None:
    """The sweep as a job, for a scheduler that prefers jobs to the sweeper thread."""
    sweeper.resume_stalled(session, utcnow())
