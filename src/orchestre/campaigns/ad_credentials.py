"""A channel's ad platform secrets, and the opener that hands them to its connector.

Ad platforms authorise reading ad accounts and boosting apart from posting: Meta wants a
user or system-user token with `ads_read`, X signs its Ads API with OAuth 1.0a keys,
TikTok's API for Business has its own token, Google Ads a developer token. A person who
manages the channel gives them as `ads_*` names (which names a network reads is in
docs/networks.md, "Ad platforms"); they are kept encrypted in `channel_ad_credentials`,
apart from the channel's own credentials, which every token refresh replaces. Only their
names are ever shown again.

`AdOpener` opens a channel as the other jobs do (its token refreshed first when it is
about to expire) and adds these secrets to the credentials' `extra` for the connector.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.audit.service import record
from orchestre.channels.apps import NetworkAccess
from orchestre.channels.credentials import channel_opening, install
from orchestre.connectors.base import Capability, Installation
from orchestre.errors import FieldError, Invalid, NotFound
from orchestre.kit.crypto import SecretBox
from orchestre.models import Channel
from orchestre.models.campaigns_ads import ChannelAdCredentials
from orchestre.workspaces.permissions import Actor, Permission

NAME = re.compile(r"^ads_[a-z0-9_]{1,40}$")
NAMES_MAX = 10
VALUE_MAX = 4096


@dataclass(frozen=True)
class AdSecretNames:
    channel_id: uuid.UUID
    names: list[str]


def _channel(session: Session, actor: Actor, channel_id: uuid.UUID) -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None or channel.workspace_id != actor.workspace_id:
        raise NotFound("No such channel.")
    return channel


def _row(session: Session, channel_id: uuid.UUID) -> ChannelAdCredentials | None:
    return session.scalar(
        select(ChannelAdCredentials).where(ChannelAdCredentials.channel_id == channel_id)
    )


def secret_names(session: Session, actor: Actor, channel_id: uuid.UUID) -> AdSecretNames:
    """Which secrets the channel holds, never their values (channels.view)."""
    actor.require(Permission.CHANNELS_VIEW)
    channel = _channel(session, actor, channel_id)
    row = _row(session, channel.id)
    return AdSecretNames(channel.id, row.names.split(",") if row and row.names else [])


def set_secrets(
    session: Session,
    actor: Actor,
    box: SecretBox,
    channel_id: uuid.UUID,
    values: Mapping[str, str],
) -> AdSecretNames:
    """Replace the channel's ad secrets with `values` (channels.manage); none clears them."""
    actor.require(Permission.CHANNELS_MANAGE)
    channel = _channel(session, actor, channel_id)
    errors = []
    if len(values) > NAMES_MAX:
        errors.append(
            FieldError(
                "values", "max_names", "At most 10 secrets.", limit=NAMES_MAX, actual=len(values)
            )
        )
    for name, value in values.items():
        if not NAME.match(name):
            errors.append(
                FieldError(
                    f"values.{name}",
                    "pattern",
                    "A name is ads_ followed by 1 to 40 of a-z, 0-9 and '_'.",
                )
            )
        if not 1 <= len(value) <= VALUE_MAX or not value.isprintable():
            errors.append(
                FieldError(
                    f"values.{name}",
                    "length",
                    "A secret is 1 to 4,096 printable characters.",
                    limit=VALUE_MAX,
                )
            )
    if errors:
        raise Invalid("These secrets cannot be kept.", errors=errors)
    row = _row(session, channel.id)
    before = row.names.split(",") if row and row.names else []
    names = sorted(values)
    if not names:
        if row is not None:
            session.delete(row)
    else:
        sealed = box.encrypt(json.dumps(dict(values), sort_keys=True).encode())
        if row is None:
            row = ChannelAdCredentials(
                workspace_id=channel.workspace_id, channel_id=channel.id, secrets_encrypted=sealed
            )
            session.add(row)
        row.secrets_encrypted = sealed
        row.names = ",".join(names)
    session.flush()
    record(
        session,
        actor,
        "channel.ad_secrets_set",
        "channel",
        channel.id,
        before={"names": before},
        after={"names": names},
    )
    return AdSecretNames(channel.id, names)


def read_secrets(session: Session, box: SecretBox, channel_id: uuid.UUID) -> dict[str, str]:
    row = _row(session, channel_id)
    if row is None:
        return {}
    found = json.loads(box.decrypt(row.secrets_encrypted))
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


class AdOpener:
    """The channel's connector with fresh credentials and its ad secrets (see module)."""

    def __init__(self, access: NetworkAccess) -> None:
        self._access = access

    def capabilities(self, network: str) -> frozenset[Capability]:
        return self._access.registry.get(network).capabilities

    def open(self, session: Session, channel: Channel) -> Installation:
        opening = channel_opening(session, self._access, channel)
        secrets = read_secrets(session, self._access.box, channel.id)
        if secrets:
            extra = {**opening.credentials.extra, **secrets}
            opening = replace(opening, credentials=replace(opening.credentials, extra=extra))
        return install(self._access, channel, opening)
