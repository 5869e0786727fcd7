"""Filling the demo workspace through the same services people use, so it obeys every rule."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.approvals.service import StepSpec, replace_steps
from orchestre.channels.service import connect_channel
from orchestre.config import Settings
from orchestre.demo import content as c
from orchestre.demo.analytics import fill_analytics
from orchestre.demo.competitors import fill_competitors
from orchestre.demo.inbox import fill_inbox
from orchestre.demo.listening import fill_listening
from orchestre.demo.story import Cast, TimeMachine, tell
from orchestre.kit.clock import utcnow
from orchestre.kit.keys import secret_box
from orchestre.models.notification import Notification
from orchestre.posts.campaigns import create_campaign
from orchestre.posts.editorial import create_pillar, put_line
from orchestre.posts.schemas import CampaignCreate, EditorialLineUpdate, PillarCreate
from orchestre.workspaces.auth import actor_for
from orchestre.workspaces.service import (
    add_member,
    create_user,
    create_workspace,
    find_user_by_email,
)

REMINDER_FILE = "demo-password.txt"
HISTORY_DAYS = 14


@dataclass
class DemoResult:
    """What the command tells the operator: where to sign in and as whom."""

    created: bool
    workspace: str
    accounts: list[tuple[str, str]] = field(default_factory=list)
    password: str | None = None
    password_file: Path | None = None


def fill(session: Session, settings: Settings) -> DemoResult:
    """Create the demo workspace once; a second call finds it and changes nothing.

    The story starts two weeks ago on a rewound clock, so decisions, comments and
    publications carry believable times; everything scheduled lies in the week after
    today, whatever today is.
    """
    password_file = settings.data_dir / REMINDER_FILE
    accounts = [(email, role) for email, _, _, role in c.ACCOUNTS]
    if find_user_by_email(session, c.OWNER_EMAIL) is not None:
        saved = password_file.read_text().strip() if password_file.exists() else None
        return DemoResult(False, c.WORKSPACE_NAME, accounts, saved, password_file)
    password = secrets.token_urlsafe(12)
    with TimeMachine(utcnow(), HISTORY_DAYS) as machine:
        cast = _people(session, password)
        cast.now = machine.now
        _channels(session, settings, cast)
        _editorial_line(session, cast)
        for story in c.STORIES:
            tell(session, cast, machine, story)
    # Ninety days of posts measured as they aged, for the dashboards.
    fill_analytics(session, settings, cast)
    # Today's conversations: said on the sandbox network, then taken in by the ingest path.
    fill_inbox(session, cast)
    # A month of two rivals' figures beside the brand's, collected day by day.
    fill_competitors(session, cast)
    # Queries on the brand, its rivals and a topic, a month of mentions, last week's digest.
    fill_listening(session, cast)
    _read_old_notices(session, cast)
    _save_password(password_file, password)
    return DemoResult(True, c.WORKSPACE_NAME, accounts, password, password_file)


# Notices older than this were read by the team as they came: only the last days' wait.
READ_BEFORE = timedelta(days=2)


def _read_old_notices(session: Session, cast: Cast) -> None:
    """The story's older notices marked read an hour after they came, as a team that works
    every day would have: otherwise three months of review requests wait unread (a badge
    of about a hundred) beside today's."""
    assert cast.now is not None
    old = session.scalars(
        select(Notification).where(
            Notification.workspace_id == cast.workspace.id,
            Notification.read_at.is_(None),
            Notification.created_at < cast.now - READ_BEFORE,
        )
    )
    for notice in old:
        notice.read_at = notice.created_at + timedelta(hours=1)
    session.flush()


def _people(session: Session, password: str) -> Cast:
    users = [
        create_user(session, email, name, password, locale=locale, timezone=c.TIMEZONE)
        for email, name, locale, _ in c.ACCOUNTS
    ]
    owner = users[0]
    workspace = create_workspace(session, owner, c.WORKSPACE_NAME, c.TIMEZONE, "fr")
    owner_actor = actor_for(session, owner.id, workspace.id)
    cast = Cast(workspace=workspace, by_role={"owner": owner_actor})
    for user, (email, _, _, role) in zip(users[1:], c.ACCOUNTS[1:], strict=True):
        add_member(session, owner_actor, email, [role])
        cast.by_role[role] = actor_for(session, user.id, workspace.id)
    return cast


def _channels(session: Session, settings: Settings, cast: Cast) -> None:
    box = secret_box(settings)
    manager = cast.by_role["social_media_manager"]
    for key, (external_id, handle, display_name) in c.CHANNELS.items():
        channel = connect_channel(
            session,
            manager,
            box,
            "sandbox",
            external_id,
            handle,
            display_name,
            credentials={"access_token": secrets.token_urlsafe(24)},
        )
        cast.channels[key] = channel.id


def _editorial_line(session: Session, cast: Cast) -> None:
    owner = cast.by_role["owner"]
    put_line(
        session,
        owner,
        EditorialLineUpdate(
            tone_notes=c.TONE_NOTES,
            banned_words=c.BANNED_WORDS,
            banned_words_severity="error",
            required_hashtags=c.REQUIRED_HASHTAGS,
            required_severity="warning",
        ),
    )
    for name, description, share, color in c.PILLARS:
        pillar = create_pillar(
            session,
            owner,
            PillarCreate(
                name=name,
                description=description,
                target_share=share,
                color=color,
            ),
        )
        cast.pillars[name] = pillar.id
    today = cast.today()
    for name, description, start, end, budget in c.CAMPAIGNS:
        campaign = create_campaign(
            session,
            cast.by_role["social_media_manager"],
            CampaignCreate(
                name=name,
                description=description,
                budget=budget,
                currency="EUR",
                starts_on=today + timedelta(days=start),
                ends_on=today + timedelta(days=end),
            ),
        )
        cast.campaigns[name] = campaign.id
    replace_steps(session, owner, [StepSpec(name, role) for name, role in c.STEPS])


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
