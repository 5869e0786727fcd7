"""API models of the workspaces domain: what the JSON routes accept and return."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from orchestre.apischema import (
    AwareDatetime,
    CursorPage,
    InputModel,
    Lax,
    LaxUUID,
    OutputModel,
)
from orchestre.workspaces.permissions import Role

Locale = Literal["en", "fr"]

# Inputs ---------------------------------------------------------------------------------------


class SessionCreate(InputModel):
    """Sign in with email and password."""

    email: str = Field(max_length=320)
    password: str = Field(max_length=4096)


class SetupCreate(InputModel):
    """First run: the first account and its workspace."""

    email: str
    name: str
    password: str
    workspace_name: str
    timezone: str | None = Field(
        None,
        description="IANA time zone, e.g. Europe/Paris: the owner's and the workspace's. "
        "Left out or null: the owner has none of their own and the workspace is in UTC.",
    )
    locale: Locale = "en"


class UserUpdate(InputModel):
    """Change my profile; leave a field out to keep it. locale null: the browser's language."""

    name: str | None = None
    locale: Locale | None = None
    timezone: str | None = Field(
        None,
        description="IANA time zone, e.g. Europe/Paris; null: none of my own, so pages show "
        "each workspace's zone",
    )


class PasswordUpdate(InputModel):
    current_password: str
    new_password: str = Field(description="At least 10 characters")


class WorkspaceCreate(InputModel):
    name: str
    timezone: str = Field("UTC", description="IANA time zone, e.g. Europe/Paris")
    locale: Locale = "en"


class WorkspaceUpdate(InputModel):
    """Change the workspace's settings; leave a field out to keep it."""

    name: str | None = None
    timezone: str | None = Field(None, description="IANA time zone, e.g. Europe/Paris")
    locale: Locale | None = None
    track_links: bool | None = Field(
        None,
        description="Replace links in published posts by tracked short links (/l/{code}) "
        "that count clicks per post, variant and channel and carry UTM tags.",
    )


class MemberCreate(InputModel):
    """Add a person by email. Name and password create the account if none has this email."""

    email: str
    roles: list[Lax[Role]]
    name: str | None = None
    password: str | None = None


class MemberUpdate(InputModel):
    """Replace a member's roles."""

    roles: list[Lax[Role]]


class ApiTokenCreate(InputModel):
    name: str
    expires_at: AwareDatetime | None = None


class NotificationReadCreate(InputModel):
    """Mark notifications read: either the given ids, or all of them."""

    ids: list[LaxUUID] | None = None
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> NotificationReadCreate:
        if (self.ids is None) == (not self.all):
            raise ValueError("give either 'ids' (a list) or 'all': true, not both or neither")
        return self


# Outputs --------------------------------------------------------------------------------------


class User(OutputModel):
    id: uuid.UUID
    email: str
    name: str
    locale: str | None
    timezone: str | None = Field(description="null: not chosen; pages use the workspace's zone")
    created_at: datetime


class SessionCreated(BaseModel):
    """Signed in: send csrf_token as the X-CSRF-Token header on writes with the cookie."""

    user: User
    csrf_token: str


class Setup(BaseModel):
    needs_owner: bool


class Workspace(OutputModel):
    id: uuid.UUID
    name: str
    slug: str
    timezone: str
    locale: str
    crisis_mode: bool
    track_links: bool
    created_at: datetime


class MyWorkspace(Workspace):
    """A workspace with what I may do in it."""

    membership_id: uuid.UUID
    roles: list[str]
    permissions: list[str]


class SetupDone(BaseModel):
    user: User
    workspace: Workspace
    csrf_token: str


class Member(BaseModel):
    id: uuid.UUID = Field(description="The membership id, used in /members/{membership_id}")
    user_id: uuid.UUID
    email: str
    name: str
    roles: list[str]
    joined_at: datetime


class ApiToken(OutputModel):
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    prefix: str = Field(description="The first characters, to recognise the token")
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreated(ApiToken):
    token: str = Field(description="The token itself, shown only this once")


class Notification(OutputModel):
    id: uuid.UUID
    workspace_id: uuid.UUID | None
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class WorkspacePage(CursorPage[MyWorkspace]):
    pass


class MemberPage(CursorPage[Member]):
    pass


class ApiTokenPage(CursorPage[ApiToken]):
    pass


class NotificationPage(CursorPage[Notification]):
    unread: int = Field(description="How many of my notifications are unread in all")


class NotificationsUnread(BaseModel):
    unread: int
