"""Filling the demo workspace through the same services people use, so it obeys every rule."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from orchestre.channels.service import connect_channel
from orchestre.config import Settings
from orchestre.kit.keys import secret_box
from orchestre.models import User, Workspace
from orchestre.workspaces import repository as people
from orchestre.workspaces.auth import actor_for
from orchestre.workspaces.permissions import Actor
from orchestre.workspaces.service import add_member, create_user, create_workspace

OWNER_EMAIL = "demo@orchestre.local"
WORKSPACE_NAME = "Maison Lumière"
TIMEZONE = "Europe/Paris"
REMINDER_FILE = "demo-password.txt"

# (email, name, language, roles): one account per role, so each screen can be seen as it.
ACCOUNTS = (
    (OWNER_EMAIL, "Camille Dubois", "fr", ("owner",)),
    ("hugo@orchestre.local", "Hugo Martin", "fr", ("social_media_manager",)),
    ("lea@orchestre.local", "Léa Bernard", "fr", ("content_creator",)),
    ("olivia@orchestre.local", "Olivia Turner", "en", ("reviewer",)),
    ("sam@orchestre.local", "Sam Okafor", "en", ("community_manager",)),
    ("noah@orchestre.local", "Noah Petit", "fr", ("analyst",)),
)

# Sandbox accounts standing for an Instagram-like, a LinkedIn-like and a Mastodon-like one.
CHANNELS = (
    ("demo-photo", "@maison.lumiere", "Maison Lumière · Photos"),
    ("demo-pro", "maison-lumiere-boulangerie", "Maison Lumière · Pro"),
    ("demo-fedi", "@lumiere@sandbox.social", "Maison Lumière · Fédivers"),
)


@dataclass
class DemoResult:
    """What the command tells the operator: where to sign in and as whom."""

    created: bool
    workspace: str
    accounts: list[tuple[str, str]] = field(default_factory=list)
    password: str | None = None
    password_file: Path | None = None


@dataclass
class Cast:
    """The demo's people, each as an actor in the workspace."""

    workspace: Workspace
    by_role: dict[str, Actor]


def fill(session: Session, settings: Settings) -> DemoResult:
    """Create the demo workspace once; a second call finds it and changes nothing."""
    password_file = settings.data_dir / REMINDER_FILE
    accounts = [(email, roles[0]) for email, _, _, roles in ACCOUNTS]
    if people.user_by_email(session, OWNER_EMAIL) is not None:
        saved = password_file.read_text().strip() if password_file.exists() else None
        return DemoResult(False, WORKSPACE_NAME, accounts, saved, password_file)
    password = secrets.token_urlsafe(12)
    cast = _people(session, password)
    _channels(session, settings, cast)
    _save_password(password_file, password)
    return DemoResult(True, WORKSPACE_NAME, accounts, password, password_file)


def _people(session: Session, password: str) -> Cast:
    users: list[User] = [
        create_user(session, email, name, password, locale=locale, timezone=TIMEZONE)
        for email, name, locale, _ in ACCOUNTS
    ]
    owner = users[0]
    workspace = create_workspace(session, owner, WORKSPACE_NAME, TIMEZONE, "fr")
    owner_actor = actor_for(session, owner.id, workspace.id)
    by_role = {"owner": owner_actor}
    for user, (email, _, _, roles) in zip(users[1:], ACCOUNTS[1:], strict=True):
        add_member(session, owner_actor, email, list(roles))
        by_role[roles[0]] = actor_for(session, user.id, workspace.id)
    return Cast(workspace, by_role)


def _channels(session: Session, settings: Settings, cast: Cast) -> None:
    box = secret_box(settings)
    for external_id, handle, display_name in CHANNELS:
        connect_channel(
            session,
            cast.by_role["social_media_manager"],
            box,
            "sandbox",
            external_id,
            handle,
            display_name,
            credentials={"access_token": secrets.token_urlsafe(24)},
        )


def _save_password(path: Path, password: str) -> None:
    """Kept (mode 0600) so that later runs can remind the operator; it only opens the demo."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")


def describe(result: DemoResult) -> list[str]:
    """The lines the command prints."""
    if result.created:
        lines = [f"Created the demo workspace {result.workspace}."]
    else:
        lines = [f"The demo workspace {result.workspace} already exists; nothing was changed."]
    lines.append("Sign in with one of these accounts (one per role):")
    lines += [f"  {email:<26} {role.replace('_', ' ')}" for email, role in result.accounts]
    if result.password:
        lines.append(f"Password for every demo account: {result.password}")
    elif result.password_file is not None:
        lines.append(
            f"Their password was printed when the demo was created ({result.password_file} "
            "is gone)."
        )
    return lines
