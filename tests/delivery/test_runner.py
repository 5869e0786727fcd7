"""End to end through the embedded job runner: nothing leaves before the notifying
transaction commits; after it, the fan-out, the email and the webhook run as jobs."""

from __future__ import annotations

import random
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from orchestre.config import Settings
from orchestre.delivery import service, tasks
from orchestre.delivery.dispatch import DeliveryContext
from orchestre.delivery.email import SmtpMailer, SmtpSettings
from orchestre.delivery.webhooks import verify
from orchestre.kit.crypto import SecretBox, new_key
from orchestre.models.delivery import WebhookDelivery
from orchestre.worker.embedded import EmbeddedRunner
from orchestre.worker.queue import bind_dispatcher
from orchestre.workspaces.notifications import notify
from orchestre.workspaces.permissions import Actor, Role
from tests.delivery.conftest import NOW, Scripted
from tests.delivery.smtp_server import smtp_server
from tests.factories import make_member, make_workspace


@pytest.fixture
def runner(session_factory: sessionmaker[Session]) -> Iterator[EmbeddedRunner]:
    embedded = EmbeddedRunner(session_factory, threads=1, base_delay=0.01, max_attempts=2)
    bind_dispatcher(session_factory, embedded)
    embedded.start()
    yield embedded
    embedded.stop(timeout=5)
    tasks.configure(None, None, replace_mailer=True)


def test_a_failure_notice_leaves_by_email_and_webhook_after_commit(
    session_factory: sessionmaker[Session], runner: EmbeddedRunner
) -> None:
    box = SecretBox([new_key()])
    receiver = Scripted([httpx.Response(200)])
    tasks.configure(
        DeliveryContext(
            box=box,
            transport=httpx.MockTransport(receiver),
            rng=random.Random(1),
            sleep=lambda _: None,
            wall=lambda: NOW,
        )
    )
    session = session_factory()
    ws = make_workspace(session)
    owner = make_member(session, ws, "owner")
    actor = Actor(owner.id, ws.id, frozenset({Role.OWNER}))
    created = service.create_endpoint(
        session, actor, box, url="https://hooks.example.com/x", events=["publication.failed"]
    )
    session.commit()
    payload = {"network": "x", "handle": "@brand", "state": "failed", "reason": "Duplicate"}
    with smtp_server() as (port, inbox):
        tasks.configure(
            tasks.context(),
            SmtpMailer(SmtpSettings(host="127.0.0.1", port=port, starttls=False, timeout=5)),
        )
        notify(session, ws.id, [owner.id], "publication_failed", payload)
        session.flush()
        assert runner.wait_idle(timeout=5)
        assert inbox.messages == []  # nothing leaves before the commit
        assert receiver.requests == []
        session.commit()
        assert runner.wait_idle(timeout=20)
    assert [m["To"] for m in inbox.messages] == [owner.email]
    (request,) = receiver.requests
    assert verify(created.secret, request.headers["orchestre-signature"], request.content, now=NOW)
    with session_factory() as check:
        (delivery,) = check.query(WebhookDelivery).filter_by(workspace_id=ws.id).all()
        assert delivery.status == "delivered"
    session.close()


def test_mailer_from_settings_keeps_the_password_out_of_reprs(settings: Settings) -> None:
    assert tasks.mailer_from(settings) is None  # no host: no email
    configured = settings.model_copy(update={"smtp_host": "mail.example.com", "smtp_username": "u"})
    configured = Settings(
        **{**configured.model_dump(), "smtp_password": "hunter2-smtp", "smtp_port": 2525}
    )
    mailer = tasks.mailer_from(configured)
    assert isinstance(mailer, SmtpMailer)
    assert mailer.config.host == "mail.example.com"
    assert mailer.config.port == 2525
    assert mailer.config.password == "hunter2-smtp"
    assert "hunter2-smtp" not in repr(mailer.config)
    assert "hunter2-smtp" not in repr(configured)
