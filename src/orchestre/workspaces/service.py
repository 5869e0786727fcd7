"""Use cases of the workspaces domain: people, first run, workspaces, members, tokens.

The API, the web pages, the CLI and the demo all call these functions. Workspace-level
use cases take `(session, actor, ...)` and check the actor's permission first; personal
ones (profile, password, notifications) take the signed-in `User`. None of them commits:
the caller owns the transaction.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from orchestre.kit.clock import utcnow
from orchestre.kit.pagination import Page, clamp_limit, decode_cursor_or_invalid
from orchestre.models import ApiToken, Membership, User, WebSession, Workspace
from orchestre.moderation import starter as starter_rules
from orchestre.workspaces import repository
from orchestre.workspaces.auth import (
    hash_password,
    issue_api_token_value,
    normalise_email,
    verify_password,
)
from orchestre.workspaces.permissions import Actor, Permission, Role
from orchestre.workspaces.rules import (
    TOKEN_NAME_MAX,
    UNSET,
    WORKSPACE_NAME_MAX,
    Unset,
    email_errors,
    locale_errors,
    name_errors,
    password_errors,
    raise_if,
    timezone_errors,
    valid_roles,
)

_ENTITY_TYPES = {
    User: "user",
    Workspace: "workspace",
    Membership: "membership",
    ApiToken: "api_token",
}


def _audit(
    session: Session,
    actor: Actor | None,
    action: str,
    row: User | Workspace | Membership | ApiToken,
    before: dict[str, Any] | None = None,
    *,
    gone: bool = False,
    user_id: uuid.UUID | None = None,
) -> None:
    """Record a change of a row with its picture before and after (none after a removal)."""
    after = None if gone else snapshot(row)
    workspace_id = row.id if isinstance(row, Workspace) else None
    record(
        session,
        actor,
        action,
        _ENTITY_TYPES[type(row)],
        row.id,
        before=before,
        after=after,
        workspace_id=workspace_id,
        user_id=user_id,
    )


# People ---------------------------------------------------------------------------------------


def _email_taken() -> Conflict:
    return Conflict(
        "An account already uses this email address. Sign in with it instead.", code="email_taken"
    )


def find_user_by_email(session: Session, email: str) -> User | None:
    """The account that signs in with this email, whatever its case and surrounding spaces."""
    return repository.user_by_email(session, normalise_email(email))


def create_user(
    session: Session,
    email: str,
    name: str,
    password: str,
    locale: str | None = None,
    timezone: str | None = None,
) -> User:
    """Create an account. Conflict if the email is taken; Invalid on a weak password or bad
    email, name, language or time zone (every broken rule listed).

    A time zone of None means not chosen: pages then show each workspace's own zone.
    """
    email = normalise_email(email)
    errors = (
        email_errors(email)
        + name_errors(name)
        + password_errors(password)
        + locale_errors(locale, nullable=True)
        + timezone_errors(timezone, nullable=True)
    )
    raise_if(errors, "The account cannot be created; see 'errors'.")
    if repository.user_by_email(session, email) is not None:
        raise _email_taken()
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        locale=locale,
        timezone=timezone,
    )
    repository.add_unique(session, user, _email_taken())
    return user


def update_profile(
    session: Session,
    user: User,
    *,
    name: str | Unset | None = UNSET,
    locale: str | Unset | None = UNSET,
    timezone: str | Unset | None = UNSET,
) -> User:
    """Change one's name, language (en, fr, or None for the browser's) or time zone (None:
    not chosen, so each workspace's zone)."""
    errors: list[FieldError] = []
    if name is not UNSET:
        errors += name_errors(name)
    if locale is not UNSET:
        errors += locale_errors(locale, nullable=True)
    if timezone is not UNSET:
        errors += timezone_errors(timezone, nullable=True)
    raise_if(errors, "The profile cannot be saved; see 'errors'.")
    before = snapshot(user)
    if isinstance(name, str):
        user.name = name.strip()
    if locale is not UNSET:
        user.locale = locale
    if timezone is not UNSET:
        user.timezone = timezone
    session.flush()
    _audit(session, None, "user.updated", user, before, user_id=user.id)
    return user


def change_password(
    session: Session,
    user: User,
    current_password: str,
    new_password: str,
    keep_session: uuid.UUID | None = None,
) -> None:
    """Set a new password after checking the current one, and end every other session."""
    if not verify_password(current_password, user.password_hash):
        message = "The current password is wrong."
        raise Invalid(
            message,
            code="wrong_password",
            errors=[FieldError("current_password", "mismatch", message)],
        )
    raise_if(
        password_errors(new_password, "new_password"), "The new password is too weak; see 'errors'."
    )
    user.password_hash = hash_password(new_password)
    repository.delete_other_sessions(session, user.id, keep_session)
    _audit(session, None, "user.password_changed", user, gone=True, user_id=user.id)


# First run ------------------------------------------------------------------------------------


def needs_owner(session: Session) -> bool:
    """True until the first account exists: the first-run page is open only then."""
    return not repository.any_user_exists(session)


def set_up(
    session: Session,
    email: str,
    name: str,
    password: str,
    workspace_name: str,
    timezone: str | None = None,
    locale: str = "en",
) -> tuple[User, Workspace]:
    """First run: the first account, owner of the first workspace. Conflict afterwards.

    The time zone is the owner's and the workspace's; None leaves the owner's not chosen
    and puts the workspace in UTC.
    """
    repository.lock_for_first_run(session)
    if not needs_owner(session):
        raise Conflict(
            "Orchestre is already set up. Sign in, or ask an owner to invite you.",
            code="already_set_up",
        )
    errors = (
        email_errors(normalise_email(email))
        + name_errors(name)
        + password_errors(password)
        + locale_errors(locale)
        + timezone_errors(timezone, nullable=True)
        + name_errors(workspace_name, "workspace_name", WORKSPACE_NAME_MAX)
    )
    raise_if(errors, "Orchestre cannot be set up with these values; see 'errors'.")
    user = create_user(session, email, name, password, locale=locale, timezone=timezone)
    workspace = create_workspace(
        session, user, workspace_name, timezone=timezone or "UTC", locale=locale
    )
    return user, workspace


# Workspaces -----------------------------------------------------------------------------------


def _slug_base(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    return slug or "workspace"


def _free_slug(session: Session, name: str) -> str:
    base = _slug_base(name)
    taken = repository.slugs_starting_with(session, base)
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _check_name_free(
    session: Session, user_id: uuid.UUID, name: str, except_id: uuid.UUID | None = None
) -> None:
    for workspace_id, existing in repository.workspace_names_of(session, user_id):
        if workspace_id != except_id and existing.casefold() == name.casefold():
            raise Conflict(
                f"You already have a workspace called '{existing}'. Choose another name.",
                code="workspace_name_taken",
            )


def create_workspace(
    session: Session, owner: User, name: str, timezone: str = "UTC", locale: str = "en"
) -> Workspace:
    """A new workspace: its slug comes from the name, the creator becomes its owner, and its
    (empty) editorial line is created. Conflict if the creator has one of the same name."""
    errors = (
        name_errors(name, limit=WORKSPACE_NAME_MAX)
        + timezone_errors(timezone)
        + locale_errors(locale)
    )
    raise_if(errors, "The workspace cannot be created; see 'errors'.")
    name = name.strip()
    _check_name_free(session, owner.id, name)
    workspace = Workspace(
        name=name, slug=_free_slug(session, name), timezone=timezone, locale=locale
    )
    repository.add_unique(
        session,
        workspace,
        Conflict(
            "Another workspace was just created with this name. Try again.", code="slug_taken"
        ),
    )
    membership = Membership(workspace_id=workspace.id, user_id=owner.id, roles=[Role.OWNER.value])
    session.add(membership)
    repository.add_editorial_line(session, workspace.id)
    session.flush()
    # Hate and spam are hidden from the first comment on: the starter moderation rules.
    starter_rules.install(session, workspace.id, owner.id)
    _audit(session, None, "workspace.created", workspace, user_id=owner.id)
    record(
        session,
        None,
        "member.added",
        "membership",
        membership.id,
        after=snapshot(membership),
        workspace_id=workspace.id,
        user_id=owner.id,
    )
    return workspace


def workspaces_of(session: Session, user_id: uuid.UUID) -> list[tuple[Workspace, Membership]]:
    """Every workspace a person belongs to, with their membership, by name."""
    return repository.workspaces_of(session, user_id)


def list_workspaces(
    session: Session,
    user_id: uuid.UUID,
    *,
    only: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[tuple[Workspace, Membership]]:
    """One page of a person's workspaces (only one of them when `only` is given: a token)."""
    limit = clamp_limit(limit)
    rows = repository.workspaces_of(
        session,
        user_id,
        only=only,
        cursor=decode_cursor_or_invalid(cursor, by_time=False),
        limit=limit + 1,
    )
    return Page.from_rows(rows, limit, key=lambda row: (row[0].name, row[0].id))


def get_workspace(session: Session, actor: Actor) -> tuple[Workspace, Membership]:
    """The actor's workspace with the actor's membership in it."""
    actor.require(Permission.WORKSPACE_VIEW)
    workspace = repository.workspace(session, actor.workspace_id)
    membership = repository.membership_of(session, actor.workspace_id, actor.user_id)
    if membership is None:
        raise NotFound("Workspace not found.", code="workspace_not_found")
    return workspace, membership


def update_workspace(
    session: Session,
    actor: Actor,
    *,
    name: str | Unset | None = UNSET,
    timezone: str | Unset | None = UNSET,
    locale: str | Unset | None = UNSET,
    track_links: bool | Unset | None = UNSET,
) -> Workspace:
    """Rename a workspace or change its time zone, language or whether links in published
    posts become tracked short links (the slug stays, for links)."""
    actor.require(Permission.WORKSPACE_MANAGE)
    workspace = repository.workspace(session, actor.workspace_id)
    errors: list[FieldError] = []
    if name is not UNSET:
        errors += name_errors(name, limit=WORKSPACE_NAME_MAX)
    if timezone is not UNSET:
        errors += timezone_errors(timezone)
    if locale is not UNSET:
        errors += locale_errors(locale)
    if track_links is None:
        errors.append(FieldError("track_links", "required", "Say true or false."))
    raise_if(errors, "The workspace settings cannot be saved; see 'errors'.")
    before = snapshot(workspace)
    if isinstance(name, str):
        _check_name_free(session, actor.user_id, name.strip(), except_id=workspace.id)
        workspace.name = name.strip()
    if isinstance(timezone, str):
        workspace.timezone = timezone
    if isinstance(locale, str):
        workspace.locale = locale
    if isinstance(track_links, bool):
        workspace.track_links = track_links
    session.flush()
    _audit(session, actor, "workspace.updated", workspace, before)
    return workspace


def set_current_workspace(
    session: Session, web_session: WebSession, workspace_id: uuid.UUID
) -> None:
    """Remember the workspace a web session works in; NotFound unless its person is a member."""
    if repository.membership_of(session, workspace_id, web_session.user_id) is None:
        raise NotFound("Workspace not found.", code="workspace_not_found")
    web_session.current_workspace_id = workspace_id


# Members --------------------------------------------------------------------------------------


def list_members(
    session: Session, actor: Actor, cursor: str | None = None, limit: int = 50
) -> Page[tuple[Membership, User]]:
    actor.require(Permission.MEMBERS_VIEW)
    limit = clamp_limit(limit)
    after = decode_cursor_or_invalid(cursor)
    rows = repository.members(session, actor.workspace_id, after, limit + 1)
    return Page.from_rows(rows, limit, key=lambda row: (row[0].created_at, row[0].id))


def _guard_owner_role(actor: Actor, before: Sequence[str], after: Sequence[str]) -> None:
    if (Role.OWNER.value in before) != (Role.OWNER.value in after) and not actor.has_role(
        Role.OWNER
    ):
        raise Forbidden(
            "Only an owner can make someone an owner or take that role away.", code="owner_only"
        )


def _ensure_another_owner(session: Session, membership: Membership) -> None:
    """Refuse to leave a workspace without an owner (rows locked against a concurrent twin)."""
    locked = repository.memberships_locked(session, membership.workspace_id)
    if not any(Role.OWNER.value in m.roles for m in locked if m.id != membership.id):
        raise Conflict(
            "This member is the workspace's last owner: a workspace needs one. "
            "Make another member an owner first, then try again.",
            code="last_owner",
        )


def _account_for(session: Session, email: str, name: str | None, password: str | None) -> User:
    """The account to add: an existing one, or a new one when a name and password are given."""
    user = find_user_by_email(session, email)
    if user is not None:
        if name is not None or password is not None:
            # Not silently ignored: the owner would believe they had set this password.
            raise Conflict(
                "An account already uses this email address: leave out the name and password "
                "to add that account as it is.",
                code="email_taken",
            )
        return user
    if name is None or password is None:
        raise_if(email_errors(normalise_email(email)), "The email is invalid; see 'errors'.")
        message = (
            "No account uses this email yet. Give a name and a password to create one, "
            "or ask the person to be set up first."
        )
        missing = [f for f, v in (("name", name), ("password", password)) if v is None]
        raise Invalid(
            message,
            code="account_unknown",
            errors=[FieldError(f, "required", message) for f in missing],
        )
    return create_user(session, email, name, password)


def add_member(
    session: Session,
    actor: Actor,
    email: str,
    roles: Sequence[str],
    name: str | None = None,
    password: str | None = None,
) -> tuple[Membership, User]:
    """Add a person by email with the given roles. Without an account for this email, a name
    and a password create one (an owner onboarding a colleague). Conflict if already a member."""
    actor.require(Permission.MEMBERS_MANAGE)
    role_names = valid_roles(roles)
    _guard_owner_role(actor, [], role_names)
    user = _account_for(session, email, name, password)
    already = Conflict(
        f"{user.email} is already a member of this workspace; change their roles instead.",
        code="already_member",
    )
    if repository.membership_of(session, actor.workspace_id, user.id) is not None:
        raise already
    membership = Membership(workspace_id=actor.workspace_id, user_id=user.id, roles=role_names)
    repository.add_unique(session, membership, already)
    _audit(session, actor, "member.added", membership)
    return membership, user


def _member_user(session: Session, membership: Membership) -> User:
    user = repository.user_by_id(session, membership.user_id)
    assert user is not None  # the foreign key guarantees it
    return user


def change_roles(
    session: Session, actor: Actor, membership_id: uuid.UUID, roles: Sequence[str]
) -> tuple[Membership, User]:
    """Replace a member's roles. The last owner keeps the owner role (Conflict)."""
    actor.require(Permission.MEMBERS_MANAGE)
    membership = repository.membership(session, actor.workspace_id, membership_id)
    role_names = valid_roles(roles)
    _guard_owner_role(actor, membership.roles, role_names)
    if Role.OWNER.value in membership.roles and Role.OWNER.value not in role_names:
        _ensure_another_owner(session, membership)
    before = snapshot(membership)
    membership.roles = role_names
    session.flush()
    _audit(session, actor, "member.roles_changed", membership, before)
    return membership, _member_user(session, membership)


def remove_member(session: Session, actor: Actor, membership_id: uuid.UUID) -> None:
    """Remove a member; their API tokens for this workspace are revoked. Not the last owner."""
    actor.require(Permission.MEMBERS_MANAGE)
    membership = repository.membership(session, actor.workspace_id, membership_id)
    _guard_owner_role(actor, membership.roles, [])
    if Role.OWNER.value in membership.roles:
        _ensure_another_owner(session, membership)
    before = snapshot(membership)
    now = utcnow()
    for token in repository.live_tokens_of(session, actor.workspace_id, membership.user_id):
        token_before = snapshot(token)
        token.revoked_at = now
        _audit(session, actor, "token.revoked", token, token_before)
    repository.forget_current_workspace(session, membership.user_id, actor.workspace_id)
    session.delete(membership)
    session.flush()
    _audit(session, actor, "member.removed", membership, before, gone=True)


# API tokens -----------------------------------------------------------------------------------


def list_tokens(
    session: Session,
    actor: Actor,
    *,
    everyone: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[ApiToken]:
    """My tokens in this workspace, newest first; everyone's with MEMBERS_MANAGE."""
    actor.require(Permission.WORKSPACE_VIEW)
    if everyone:
        actor.require(Permission.MEMBERS_MANAGE)
    limit = clamp_limit(limit)
    rows = repository.tokens(
        session,
        actor.workspace_id,
        None if everyone else actor.user_id,
        decode_cursor_or_invalid(cursor),
        limit + 1,
    )
    return Page.from_rows(rows, limit, key=lambda token: (token.created_at, token.id))


def _expiry_errors(session: Session, actor: Actor, expires_at: datetime | None) -> list[FieldError]:
    if expires_at is not None and expires_at.tzinfo is None:
        return [
            FieldError(
                "expires_at",
                "timezone_required",
                "Give the expiry with its time zone, e.g. 2030-06-01T00:00:00Z.",
            )
        ]
    if expires_at is not None and expires_at <= utcnow():
        return [
            FieldError(
                "expires_at",
                "future",
                "Choose an expiry in the future.",
                actual=expires_at.isoformat(),
            )
        ]
    parent = repository.token_by_id(session, actor.token_id) if actor.token_id else None
    if (
        parent is not None
        and parent.expires_at is not None
        and (expires_at is None or expires_at > parent.expires_at)
    ):
        # Otherwise a token about to expire could extend its own life through a child.
        return [
            FieldError(
                "expires_at",
                "max",
                "A token made with another token cannot "
                "outlive it; choose an expiry no later than the current token's.",
                limit=parent.expires_at.isoformat(),
            )
        ]
    return []


def issue_token(
    session: Session, actor: Actor, name: str, expires_at: datetime | None = None
) -> tuple[str, ApiToken]:
    """A personal API token for this workspace, acting with the actor's roles. Returns the raw
    token, shown once: only its hash is stored."""
    actor.require(Permission.WORKSPACE_VIEW)
    errors = name_errors(name, limit=TOKEN_NAME_MAX) + _expiry_errors(session, actor, expires_at)
    raise_if(errors, "The token cannot be created; see 'errors'.")
    raw, hashed, prefix = issue_api_token_value()
    token = ApiToken(
        workspace_id=actor.workspace_id,
        user_id=actor.user_id,
        name=name.strip(),
        token_hash=hashed,
        prefix=prefix,
        created_at=utcnow(),
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    _audit(session, actor, "token.issued", token)
    return raw, token


def revoke_token(session: Session, actor: Actor, token_id: uuid.UUID) -> ApiToken:
    """Revoke one of my tokens (anyone's with MEMBERS_MANAGE); revoking twice is harmless."""
    actor.require(Permission.WORKSPACE_VIEW)
    token = repository.token(session, actor.workspace_id, token_id)
    if token.user_id != actor.user_id and not actor.can(Permission.MEMBERS_MANAGE):
        raise Forbidden(
            "You can revoke only your own tokens; an owner can revoke anyone's.", code="forbidden"
        )
    if token.revoked_at is None:
        before = snapshot(token)
        token.revoked_at = utcnow()
        session.flush()
        _audit(session, actor, "token.revoked", token, before)
    return token
