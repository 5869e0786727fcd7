"""Keeping channels connected: refresh before expiry, and what each refresh failure does."""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchestre.channels import apps, credentials
from orchestre.channels.apps import NetworkAccess
from orchestre.channels.credentials import RefreshReport
from orchestre.channels.refresher import TokenRefresher
from orchestre.channels.service import read_credentials
from orchestre.connectors.base import Credentials, RetryableError
from orchestre.kit.clock import FrozenClock, utcnow
from orchestre.models import AuditEntry, Channel, Notification, Workspace
from tests.channels.fakes import FakeOAuth, Replay, form_of, oauth_error, token
from tests.factories import make_channel, make_member, make_workspace

TOKEN_URL = FakeOAuth.oauth2.token_url
OLD_ACCESS, OLD_REFRESH = "at-old-5ecret", "rt-old-5ecret"
NEW_ACCESS, NEW_REFRESH = "at-new-5ecret", "rt-new-5ecret"


def _channel(
    db: Session, access: NetworkAccess, expires_in: timedelta
) -> tuple[Workspace, Channel]:
    ws = make_workspace(db)
    make_member(db, ws, "owner")
    make_member(db, ws, "social_media_manager")
    make_member(db, ws, "content_creator")
    channel = make_channel(db, ws, network="x")
    creds = Credentials(OLD_ACCESS, OLD_REFRESH, utcnow() + expires_in)
    credentials.seal(access.box, channel, creds, None)
    apps.set_app(db, access.box, "x", "client-x", "client-secret-x")
    db.flush()
    return ws, channel


def _notifications(db: Session, ws: Workspace) -> int:
    return len(list(db.scalars(select(Notification).where(Notification.workspace_id == ws.id))))


def test_a_token_expiring_within_five_minutes_is_refreshed_and_stored_encrypted(
    db: Session, access: NetworkAccess, replay: Replay
) -> None:
    replay.on("POST", TOKEN_URL, token(NEW_ACCESS, NEW_REFRESH, expires_in=7200))
    _ws, channel = _channel(db, access, timedelta(minutes=4))

    installation = credentials.open_channel(db, access, channel.id)

    assert installation.account.credentials.access_token == NEW_ACCESS
    [sent] = replay.sent("POST", TOKEN_URL)
    assert form_of(sent) == {"grant_type": "refresh_token", "refresh_token": OLD_REFRESH}
    assert sent.headers["authorization"].startswith("Basic ")  # the app, as the spec says
    stored, _ = credentials.from_stored(read_credentials(db, access.box, channel))
    assert (stored.access_token, stored.refresh_token) == (NEW_ACCESS, NEW_REFRESH)
    assert channel.credentials_expire_at == utcnow() + timedelta(seconds=7200)
    # Not readable in the database row: only the ciphertext is there.
    raw = db.execute(
        select(Channel.__table__.c.credentials_encrypted).where(Channel.id == channel.id)
    ).scalar_one()
    assert NEW_ACCESS.encode() not in bytes(raw)
    assert NEW_REFRESH.encode() not in bytes(raw)


def test_a_token_good_for_longer_is_used_as_it_is(
    db: Session, access: NetworkAccess, replay: Replay
) -> None:
    _ws, channel = _channel(db, access, timedelta(minutes=30))
    installation = credentials.open_channel(db, access, channel.id)
    assert installation.account.credentials.access_token == OLD_ACCESS
    assert replay.requests == []


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(503, json={"error": "temporarily_unavailable"}),
        httpx.Response(429, headers={"Retry-After": "120"}, json={"error": "slow_down"}),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("timed out"),
    ],
    ids=["503", "429", "connect-error", "timeout"],
)
def test_a_transient_refresh_failure_never_disconnects(
    db: Session, access: NetworkAccess, replay: Replay, answer: object
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        if isinstance(answer, httpx.Response):
            return answer
        assert isinstance(answer, Exception)
        raise answer

    replay.on("POST", TOKEN_URL, fail)
    ws, channel = _channel(db, access, timedelta(minutes=1))

    with pytest.raises(RetryableError) as caught:
        credentials.open_channel(db, access, channel.id)

    if isinstance(answer, httpx.Response) and answer.status_code == 429:
        assert caught.value.retry_after == 120
    assert channel.status == "connected"
    assert channel.status_reason is None
    assert _notifications(db, ws) == 0
    stored, _ = credentials.from_stored(read_credentials(db, access.box, channel))
    assert stored.refresh_token == OLD_REFRESH  # kept for the next attempt


def test_invalid_grant_marks_the_channel_and_notifies_the_owners_once(
    db: Session, access: NetworkAccess, replay: Replay
) -> None:
    replay.on("POST", TOKEN_URL, oauth_error(400, "invalid_grant", "Token was revoked"))
    ws, channel = _channel(db, access, timedelta(minutes=1))

    with pytest.raises(credentials.ChannelNeedsReconnection):
        credentials.open_channel(db, access, channel.id)

    assert channel.status == "needs_reconnection"
    assert "Token was revoked" in (channel.status_reason or "")
    assert _notifications(db, ws) == 2  # the owner and the social media manager
    # Later callers find the channel unavailable; nobody is told twice.
    with pytest.raises(credentials.ChannelUnavailable):
        credentials.open_channel(db, access, channel.id)
    with pytest.raises(credentials.ChannelUnavailable):
        credentials.refresh_channel(db, access, channel.id, force=True)
    assert _notifications(db, ws) == 2
    assert len(replay.sent("POST", TOKEN_URL)) == 1


def test_secrets_never_reach_the_audit_log_or_the_logs(
    db: Session, access: NetworkAccess, replay: Replay, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    replay.on(
        "POST",
        TOKEN_URL,
        token(NEW_ACCESS, NEW_REFRESH),
        oauth_error(400, "invalid_grant", "revoked"),
    )
    _ws, channel = _channel(db, access, timedelta(minutes=1))
    credentials.open_channel(db, access, channel.id)
    with pytest.raises(credentials.ChannelNeedsReconnection):
        credentials.refresh_channel(db, access, channel.id, force=True)

    audit = list(db.scalars(select(AuditEntry).where(AuditEntry.entity_id == str(channel.id))))
    assert {e.action for e in audit} >= {
        "channel.credentials_renewed",
        "channel.needs_reconnection",
    }
    dumped = " ".join(f"{e.before} {e.after}" for e in audit) + caplog.text
    for secret in (OLD_ACCESS, OLD_REFRESH, NEW_ACCESS, NEW_REFRESH, "client-secret-x"):
        assert secret not in dumped


def test_the_job_refreshes_channels_expiring_within_the_hour_one_by_one(
    db: Session, access: NetworkAccess, replay: Replay, clock: FrozenClock
) -> None:
    replay.on(
        "POST",
        TOKEN_URL,
        oauth_error(503, "temporarily_unavailable"),  # the first one in the order
        token(NEW_ACCESS, NEW_REFRESH),
    )
    _ws, soon = _channel(db, access, timedelta(minutes=20))
    _ws2, sooner = _channel(db, access, timedelta(minutes=10))
    _ws3, later = _channel(db, access, timedelta(hours=5))

    report = credentials.refresh_expiring(db, access)

    assert (report.refreshed, report.postponed, report.needs_reconnection) == (1, 1, 0)
    assert len(replay.sent("POST", TOKEN_URL)) == 2
    assert sooner.status == "connected"
    assert soon.status == "connected"
    assert sooner.credentials_expire_at == utcnow() + timedelta(minutes=10)  # postponed
    assert soon.credentials_expire_at == utcnow() + timedelta(seconds=7200)
    assert later.credentials_expire_at == utcnow() + timedelta(hours=5)


def test_the_job_keeps_a_definitive_refusal_and_its_notification(
    db: Session, access: NetworkAccess, replay: Replay
) -> None:
    replay.on("POST", TOKEN_URL, oauth_error(400, "invalid_grant"))
    ws, channel = _channel(db, access, timedelta(minutes=10))
    report = credentials.refresh_expiring(db, access)
    assert report.needs_reconnection == 1
    db.expire_all()
    assert db.get(Channel, channel.id).status == "needs_reconnection"  # type: ignore[union-attr]
    assert _notifications(db, ws) == 2


def test_a_missing_channel_is_unavailable(db: Session, access: NetworkAccess) -> None:
    with pytest.raises(credentials.ChannelUnavailable):
        credentials.open_channel(db, access, uuid.uuid4())


def test_the_refresh_job_is_registered_for_the_workers() -> None:
    from orchestre.channels import tasks
    from orchestre.worker.registry import load_task_modules, resolve

    load_task_modules()
    assert resolve("channels.refresh_expiring") is tasks.refresh_expiring_tokens


def test_the_refresher_runs_a_round_at_once_and_stops_when_told(
    session_factory: sessionmaker[Session], db: Session, access: NetworkAccess, replay: Replay
) -> None:
    replay.on("POST", TOKEN_URL, token(NEW_ACCESS, NEW_REFRESH))
    _ws, channel = _channel(db, access, timedelta(minutes=20))
    rounds: list[RefreshReport] = []
    done = threading.Event()

    def record_round(report: RefreshReport) -> None:
        rounds.append(report)
        done.set()

    refresher = TokenRefresher(session_factory, access, every=3600, on_round=record_round)
    refresher.start()
    assert done.wait(30)
    refresher.stop()

    assert [r.refreshed for r in rounds] == [1]
    db.expire_all()
    stored, _ = credentials.from_stored(read_credentials(db, access.box, channel))
    assert stored.access_token == NEW_ACCESS
