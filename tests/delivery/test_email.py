"""Notice emails through a real local SMTP server (aiosmtpd): the fan-out from an in-app
notification, one email per person in their language, STARTTLS with a login, failures."""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from orchestre.delivery import dispatch, tasks
from orchestre.delivery.email import EmailNotSent, SmtpMailer, SmtpSettings
from orchestre.worker.execute import is_retryable
from orchestre.worker.queue import pending_jobs
from orchestre.worker.registry import run
from orchestre.workspaces.notifications import notify
from tests.delivery.conftest import Setup
from tests.delivery.smtp_server import PASSWORD, USERNAME, smtp_server
from tests.factories import make_member

FAILED = {
    "publication_id": "11111111-1111-1111-1111-111111111111",
    "post_id": "22222222-2222-2222-2222-222222222222",
    "channel_id": "33333333-3333-3333-3333-333333333333",
    "network": "mastodon",
    "handle": "@brand@mastodon.social",
    "state": "failed",
    "kind": "permanent",
    "reason": "Text is longer than 500 characters",
}


def run_jobs(db: Session, name: str) -> int:
    """Run the queued jobs of that name, as a worker would after the commit."""
    jobs = [j for j in pending_jobs(db) if j.name == name]
    for job in jobs:
        run(db, job.name, job.kwargs)
    return len(jobs)


def plain(port: int) -> SmtpMailer:
    return SmtpMailer(SmtpSettings(host="127.0.0.1", port=port, starttls=False, timeout=5))


def test_notified_people_get_an_email_each_in_their_language(setup: Setup) -> None:
    setup.owner.locale = "fr"
    manager = make_member(setup.db, setup.workspace, "social_media_manager")
    manager.locale = "en"
    with smtp_server() as (port, inbox):
        tasks.configure(mailer=plain(port))
        notify(
            setup.db, setup.workspace.id, [setup.owner.id, manager.id], "publication_failed", FAILED
        )
        assert run_jobs(setup.db, dispatch.FAN_OUT) == 1
        assert run_jobs(setup.db, dispatch.SEND_EMAIL) == 2
    by_to = {m["To"]: m for m in inbox.messages}
    assert set(by_to) == {setup.owner.email, manager.email}

    french = by_to[setup.owner.email]
    assert french["Subject"] == "La publication a échoué sur Mastodon (@brand@mastodon.social)"
    assert french["Content-Language"] == "fr"
    assert french["Auto-Submitted"] == "auto-generated"
    text = french.get_body(("plain",)).get_content()
    html = french.get_body(("html",)).get_content()
    assert "Text is longer than 500 characters" in text
    assert f"/w/{setup.workspace.id}/posts/{FAILED['post_id']}" in text
    assert f"Bonjour {setup.owner.name}" in text
    assert '<html lang="fr">' in html
    assert "Ouvrir la publication" in html

    english = by_to[manager.email]
    assert english["Subject"] == "Publication failed on Mastodon (@brand@mastodon.social)"
    assert english["Content-Language"] == "en"
    assert "Open the post" in english.get_body(("html",)).get_content()


def test_the_html_part_escapes_what_the_network_said(setup: Setup) -> None:
    with smtp_server() as (port, inbox):
        tasks.configure(mailer=plain(port))
        payload = dict(FAILED, reason="<script>alert(1)</script>")
        notify(setup.db, setup.workspace.id, [setup.owner.id], "publication_failed", payload)
        run_jobs(setup.db, dispatch.FAN_OUT)
        run_jobs(setup.db, dispatch.SEND_EMAIL)
    html = inbox.messages[0].get_body(("html",)).get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_needs_attention_and_reconnection_say_what_to_do(setup: Setup) -> None:
    with smtp_server() as (port, inbox):
        tasks.configure(mailer=plain(port))
        attention = dict(FAILED, state="needs_attention")
        notify(setup.db, setup.workspace.id, [setup.owner.id], "publication_failed", attention)
        reconnect = {"channel_id": "c1", "network": "x", "handle": "@brand", "reason": "revoked"}
        notify(
            setup.db, setup.workspace.id, [setup.owner.id], "channel_needs_reconnection", reconnect
        )
        run_jobs(setup.db, dispatch.FAN_OUT)
        run_jobs(setup.db, dispatch.SEND_EMAIL)
    subjects = sorted(m["Subject"] for m in inbox.messages)
    assert subjects == [
        "A publication needs you on Mastodon (@brand@mastodon.social)",
        "Reconnect X (@brand)",
    ]
    reconnect_mail = next(m for m in inbox.messages if m["Subject"].startswith("Reconnect"))
    assert f"/w/{setup.workspace.id}/channels" in reconnect_mail.get_body(("plain",)).get_content()


def test_other_notifications_and_missing_smtp_send_no_email(setup: Setup) -> None:
    notify(setup.db, setup.workspace.id, [setup.owner.id], "mention", {"post_id": "p"})
    assert not [j for j in pending_jobs(setup.db) if j.name == dispatch.FAN_OUT]
    tasks.configure(mailer=None, replace_mailer=True)
    notify(setup.db, setup.workspace.id, [setup.owner.id], "publication_failed", FAILED)
    run_jobs(setup.db, dispatch.FAN_OUT)
    assert not [j for j in pending_jobs(setup.db) if j.name == dispatch.SEND_EMAIL]


def test_starttls_and_login_without_the_password_in_logs(
    setup: Setup, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with smtp_server(tmp_path) as (port, inbox):
        trusted = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
        config = SmtpSettings(
            host="127.0.0.1", port=port, username=USERNAME, password=PASSWORD, timeout=5
        )
        tasks.configure(mailer=SmtpMailer(config, tls=trusted))
        with caplog.at_level(logging.DEBUG):
            notify(setup.db, setup.workspace.id, [setup.owner.id], "publication_failed", FAILED)
            run_jobs(setup.db, dispatch.FAN_OUT)
            run_jobs(setup.db, dispatch.SEND_EMAIL)
            # A wrong password is refused; the error names the server, not the password.
            wrong = SmtpSettings(
                host="127.0.0.1", port=port, username=USERNAME, password="nope-secret", timeout=5
            )
            with pytest.raises(EmailNotSent) as refused:
                SmtpMailer(wrong, tls=trusted).send(_any_notice(setup))
    assert inbox.logins == [USERNAME]
    assert len(inbox.messages) == 1
    assert PASSWORD not in caplog.text
    assert PASSWORD not in repr(config)
    assert "nope-secret" not in str(refused.value)
    assert f"127.0.0.1:{port}" in str(refused.value)
    assert "SMTP" in str(refused.value)


def test_an_unreachable_server_is_an_error_the_runner_retries(setup: Setup) -> None:
    from tests.delivery.smtp_server import free_port

    tasks.configure(mailer=plain(free_port()))
    notify(setup.db, setup.workspace.id, [setup.owner.id], "publication_failed", FAILED)
    run_jobs(setup.db, dispatch.FAN_OUT)
    with pytest.raises(EmailNotSent) as failed:
        run_jobs(setup.db, dispatch.SEND_EMAIL)
    assert is_retryable(failed.value)
    assert "ConnectionRefusedError" in str(failed.value)


def _any_notice(setup: Setup):  # type: ignore[no-untyped-def]
    from orchestre.delivery.email import render

    return render(
        "publication_failed",
        FAILED,
        to="someone@example.com",
        name="Someone",
        locale="en",
        workspace_id=str(setup.workspace.id),
        workspace_name=setup.workspace.name,
        base_url="https://orchestre.example.com",
    )
