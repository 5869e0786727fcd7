"""API models of the channels domain. Credentials are accepted on input and never returned."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, model_validator

from orchestre.apischema import CursorPage, InputModel, OutputModel
from orchestre.channels.service import Network
from orchestre.models import Channel as ChannelRow

Status = Literal["connected", "needs_reconnection", "disconnected"]


class ChannelCreate(InputModel):
    """Connect an account. Real OAuth connection per network comes with its connector;
    until then the account's identifiers and (optional) credentials are given here."""

    network: Network
    external_id: str = Field(max_length=255, description="The account's id on the network")
    handle: str = Field(max_length=255, description="e.g. @maison.lumiere")
    display_name: str = Field(max_length=255)
    avatar_url: str | None = Field(None, max_length=2048)
    credentials: dict[str, Any] | None = Field(
        None,
        description="Tokens for the network, stored encrypted; never returned by the API.",
        json_schema_extra={"writeOnly": True},
    )


class ChannelUpdate(InputModel):
    """Change how the channel is shown in Orchestre; leave a field out to keep it."""

    display_name: str | None = Field(None, max_length=255)
    avatar_url: str | None = Field(None, max_length=2048, description="null removes the avatar")

    @model_validator(mode="after")
    def _name_not_null(self) -> ChannelUpdate:
        if "display_name" in self.model_fields_set and self.display_name is None:
            raise ValueError("display_name cannot be null; leave it out to keep it")
        return self


class Channel(OutputModel):
    id: uuid.UUID
    network: str
    external_id: str
    handle: str
    display_name: str
    avatar_url: str | None
    status: Status
    status_reason: str | None = Field(description="Why the channel needs reconnection")
    has_credentials: bool
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, data: Any) -> Any:
        if isinstance(data, ChannelRow):
            values = {
                name: getattr(data, name) for name in cls.model_fields if name != "has_credentials"
            }
            return {**values, "has_credentials": data.credentials_encrypted is not None}
        return data


class ChannelPage(CursorPage[Channel]):
    pass


class ConnectStart(InputModel):
    """Start connecting an account through the network's own page (OAuth 2)."""

    network: str = Field(max_length=32, description="An installed network, e.g. x, mastodon")
    base_url: str | None = Field(
        None, max_length=2048, description="The server, for federated networks (Mastodon)"
    )


class ConnectStarted(OutputModel):
    authorization_url: str = Field(
        description="Send the person there; they come back to /oauth/callback/{network}"
    )


class ConnectPassword(InputModel):
    """Connect an account with its identifier and an app password (Bluesky)."""

    network: str = Field(max_length=32)
    identifier: str = Field(max_length=255, description="Handle or email of the account")
    password: str = Field(
        max_length=255,
        description="An app password; used once and never stored",
        json_schema_extra={"writeOnly": True},
    )
    base_url: str | None = Field(None, max_length=2048, description="The account's server")


class ConnectChoose(InputModel):
    """Pick which of the accounts an authorization opened to connect (Facebook pages)."""

    external_ids: list[str] = Field(min_length=1, max_length=100)


class AccountChoice(OutputModel):
    external_id: str
    handle: str
    display_name: str


class AccountChoices(OutputModel):
    network: str
    items: list[AccountChoice]


class ChannelList(OutputModel):
    items: list[Channel]


class NetworkOffer(OutputModel):
    network: str
    method: Literal["oauth", "oauth_server", "password", "none"] = Field(
        description="oauth: POST .../channels/connect; oauth_server: the same with base_url; "
        "password: POST .../channels/connect/password; none: not connectable here"
    )
    ready: bool = Field(description="False until the operator sets the network's app")


class NetworkOffers(OutputModel):
    items: list[NetworkOffer]
