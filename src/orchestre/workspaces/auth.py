"""Sign-in: password hashing, login throttling, web sessions and API token resolution."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from math import ceil

from pwdlib import PasswordHash
from sqlalchemy.orm import Session, sessionmaker

from orchestre.config import Settings
from orchestre.errors import NotFound, RateLimited, Unauthenticated
from orchestre.kit.clock import utcnow
from orchestre.kit.crypto import new_token, token_hash
from orchestre.kit.db import transaction
from orchestre.models import ApiToken, LoginAttempt, User, WebSession
from orchestre.workspaces import repository
from orchestre.workspaces.permissions import Actor, Role

_hasher = PasswordHash.recommended()
# Verifying against a dummy hash when the email is unknown keeps timing uniform.
_DUMMY_HASH = _hasher.hash("orchestre-dummy-password")

# Prefixes make a leaked token recognisable (secret scanners, logs); they are not secrets.
SESSION_TOKEN_PREFIX = "ors"  # noqa: S105
API_TOKEN_PREFIX = "orc"  # noqa: S105


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _hasher.verify(password, password_hash)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_throttle(session: Session, settings: Settings, email: str, ip: str) -> None:
    """Refuse before checking the password once an email or address failed too often.

    Retry-After says when enough failures will have left the window to sign in again.
    """
    now = utcnow()
    window = timedelta(seconds=settings.login_window_seconds)
    times = repository.failure_times(session, normalise_email(email), ip, now - window)
    excess = len(times) - settings.login_max_failures
    if excess >= 0:
        reopens_at = times[excess] + window
        raise RateLimited(
            "Too many failed sign-in attempts. Wait a few minutes and try again.",
            code="login_throttled",
            retry_after=max(1, ceil((reopens_at - now).total_seconds())),
        )


def authenticate(session: Session, settings: Settings, email: str, password: str, ip: str) -> User:
    """Check credentials; records the attempt whatever the outcome.

    The failed attempt must survive the request's rollback, so callers record it in
    its own transaction: see `record_attempt`.
    """
    email = normalise_email(email)
    check_throttle(session, settings, email, ip)
    user = repository.user_by_email(session, email)
    if user is None:
        verify_password(password, _DUMMY_HASH)
        raise Unauthenticated("Wrong email or password.", code="bad_credentials")
    if not verify_password(password, user.password_hash) or not user.is_active:
        raise Unauthenticated("Wrong email or password.", code="bad_credentials")
    return user


def record_attempt(session: Session, email: str, ip: str, succeeded: bool) -> None:
    session.add(LoginAttempt(email=normalise_email(email), ip=ip, succeeded=succeeded))


@dataclass(frozen=True)
class SignedIn:
    """A successful sign-in: the raw cookie value (shown once) and the stored session."""

    cookie_value: str
    user: User
    web_session: WebSession


def sign_in(
    factory: sessionmaker[Session], settings: Settings, email: str, password: str, ip: str
) -> SignedIn:
    """The whole sign-in, for the JSON API and the login page alike.

    It owns its transactions instead of joining the request's: a failed attempt is
    committed on its own so that it still counts when the request then fails. A
    successful one also sweeps away what has gone stale (see `purge_stale`).
    """
    try:
        with transaction(factory) as session:
            user = authenticate(session, settings, email, password, ip)
            record_attempt(session, email, ip, succeeded=True)
            purge_stale(session, settings)
            raw, web_session = open_session(session, settings, user)
            return SignedIn(raw, user, web_session)
    except Unauthenticated:
        with transaction(factory) as session:
            record_attempt(session, email, ip, succeeded=False)
        raise


def purge_stale(session: Session, settings: Settings) -> None:
    """Delete every expired or idle web session, and attempts older than the throttling window.

    Done at sign-in because that transaction commits: the request that meets an expired
    session answers 401 and rolls back, so it cannot delete anything.
    """
    now = utcnow()
    repository.delete_stale_sessions(
        session, now, now - timedelta(seconds=settings.session_idle_seconds)
    )
    repository.delete_attempts_before(
        session, now - timedelta(seconds=settings.login_window_seconds)
    )


def open_session(session: Session, settings: Settings, user: User) -> tuple[str, WebSession]:
    """Start a web session; returns the raw cookie value (only its hash is stored)."""
    raw = new_token(SESSION_TOKEN_PREFIX)
    now = utcnow()
    web_session = WebSession(
        user_id=user.id,
        token_hash=token_hash(raw),
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=settings.session_max_age_seconds),
    )
    session.add(web_session)
    session.flush()
    return raw, web_session


def close_session(session: Session, raw: str) -> None:
    repository.delete_web_session(session, token_hash(raw))


def resolve_web_session(session: Session, settings: Settings, raw: str) -> tuple[User, WebSession]:
    web_session = repository.web_session_by_hash(session, token_hash(raw))
    now = utcnow()
    if web_session is None:
        raise Unauthenticated("Your session has ended. Sign in again.", code="session_expired")
    idle_limit = web_session.last_seen_at + timedelta(seconds=settings.session_idle_seconds)
    if web_session.expires_at <= now or idle_limit <= now:
        # Not deleted here: this request rolls back with its 401. purge_stale removes it.
        raise Unauthenticated("Your session has expired. Sign in again.", code="session_expired")
    user = repository.user_by_id(session, web_session.user_id)
    if user is None or not user.is_active:
        raise Unauthenticated("Your session has ended. Sign in again.", code="session_expired")
    if now - web_session.last_seen_at > timedelta(minutes=1):
        web_session.last_seen_at = now
    return user, web_session


def resolve_api_token(session: Session, raw: str) -> tuple[User, ApiToken]:
    token = repository.token_by_hash(session, token_hash(raw))
    now = utcnow()
    if token is None or token.revoked_at is not None:
        raise Unauthenticated("This API token is unknown or revoked.", code="invalid_token")
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthenticated("This API token has expired.", code="token_expired")
    user = repository.user_by_id(session, token.user_id)
    if user is None or not user.is_active:
        raise Unauthenticated("This API token's owner is inactive.", code="invalid_token")
    token.last_used_at = now
    return user, token


def issue_api_token_value() -> tuple[str, str, str]:
    """A new raw token, its hash and its displayable prefix."""
    raw = new_token(API_TOKEN_PREFIX)
    return raw, token_hash(raw), raw[:12]


def actor_for(
    session: Session,
    user_id: uuid.UUID,
    workspace_id: uuid.UUID,
    token_id: uuid.UUID | None = None,
) -> Actor:
    """The actor for a member; a workspace one does not belong to is simply not found."""
    membership = repository.membership_of(session, workspace_id, user_id)
    if membership is None:
        raise NotFound("Workspace not found.", code="workspace_not_found")
    roles = frozenset(Role(r) for r in membership.roles)
    return Actor(user_id=user_id, workspace_id=workspace_id, roles=roles, token_id=token_id)
