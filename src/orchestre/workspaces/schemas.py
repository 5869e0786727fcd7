"""API models of the workspaces domain: what the JSON routes accept and return."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from orchestre.workspaces.permissions import Role

T = TypeVar("T")

Locale = Literal["en", "fr"]

# Strict models refuse strings for UUIDs, datetimes and enums because FastAPI validates the
# decoded JSON (Python mode); these fields opt back in to parsing their JSON string form.
JsonUUID = Annotated[uuid.UUID, Field(strict=False)]
JsonRole = Annotated[Role, Field(strict=False)]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give the time zone too, e.g. 2030-06-01T09:00:00Z or +02:00")
    return value


AwareDateTime = Annotated[datetime, Field(strict=False), AfterValidator(_aware)]

_INPUT = ConfigDict(extra="forbid", strict=True)
_OUTPUT = ConfigDict(from_attributes=True)


# Inputs ---------------------------------------------------------------------------------------


class SessionCreate(BaseModel):
    """Sign in with email and password."""

    model_config = _INPUT
    email: str = Field(max_length=320)
    password: str = Field(max_length=4096)


class SetupCreate(BaseModel):
    """First run: the first account and its workspace."""

    model_config = _INPUT
    email: str
    name: str
    password: str
    workspace_name: str
    timezone: str = Field("UTC", description="IANA time zone, e.g. Europe/Paris")
    locale: Locale = "en"


class UserUpdate(BaseModel):
    """Change my profile; leave a field out to keep it. locale null: the browser's language."""

    model_config = _INPUT
    name: str | None = None
    locale: Locale | None = None
    timezone: str | None = Field(None, description="IANA time zone, e.g. Europe/Paris")


class PasswordUpdate(BaseModel):
    model_config = _INPUT
    current_password: str
    new_password: str = Field(description="At least 10 characters")


class WorkspaceCreate(BaseModel):
    model_config = _INPUT
    name: str
    timezone: str = Field("UTC", description="IANA time zone, e.g. Europe/Paris")
    locale: Locale = "en"


class WorkspaceUpdate(BaseModel):
    """Change the workspace's settings; leave a field out to keep it."""

    model_config = _INPUT
    name: str | None = None
    timezone: str | None = Field(None, description="IANA time zone, e.g. Europe/Paris")
    locale: Locale | None = None


class MemberCreate(BaseModel):
    """Add a person by email. Name and password create the account if none has this email."""

    model_config = _INPUT
    email: str
    roles: list[JsonRole]
    name: str | None = None
    password: str | None = None


class MemberUpdate(BaseModel):
    """Replace a member's roles."""

    model_config = _INPUT
    roles: list[JsonRole]


class ApiTokenCreate(BaseModel):
    model_config = _INPUT
    name: str
    expires_at: AwareDateTime | None = None


class NotificationReadCreate(BaseModel):
    """Mark notifications read: either the given ids, or all of them."""

    model_config = _INPUT
    ids: list[JsonUUID] | None = None
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> NotificationReadCreate:
        if (self.ids is None) == (not self.all):
            raise ValueError("give either 'ids' (a list) or 'all': true, not both or neither")
        return self


# Outputs --------------------------------------------------------------------------------------


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null: end")


class User(BaseModel):
    model_config = _OUTPUT
    id: uuid.UUID
    email: str
    name: str
    locale: str | None
    timezone: str
    created_at: datetime


class SessionCreated(BaseModel):
    """Signed in: send csrf_token as the X-CSRF-Token header on writes with the cookie."""

    user: User
    csrf_token: str


class Setup(BaseModel):
    needs_owner: bool


class Workspace(BaseModel):
    model_config = _OUTPUT
    id: uuid.UUID
    name: str
    slug: str
    timezone: str
    locale: str
    crisis_mode: bool
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


class ApiToken(BaseModel):
    model_config = _OUTPUT
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


class Notification(BaseModel):
    model_config = _OUTPUT
    id: uuid.UUID
    workspace_id: uuid.UUID | None
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class WorkspacePage(Page[MyWorkspace]):
    pass


class MemberPage(Page[Member]):
    pass


class ApiTokenPage(Page[ApiToken]):
    pass


class NotificationPage(Page[Notification]):
    unread: int = Field(description="How many of my notifications are unread in all")


class NotificationsUnread(BaseModel):
    unread: int
