"""The Bluesky connector: the AT Protocol through the `atproto` SDK.

Accounts connect with a handle (or e-mail) and an app password (`login`), traded for a
session whose tokens are refreshed with `refresh_credentials`. Calls go to the account's
PDS (`AccountRef.base_url`, default https://bsky.social; a session names its own PDS).

DraftPost fields and options read:

- `text`, `thread` (a thread: each part replies to the previous one, all to the first;
  a part that fails for sure takes back the posts already made), `first_comment` (a
  reply to the first post; left out if it fails), `client_ref` (kept in the post record,
  so `find_by_client_ref` finds an ambiguous publish again);
- `media`: up to 4 images from local files, uploaded as blobs with their alt text and
  aspect ratio. Video is not supported by this connector (no PUBLISH_VIDEO);
- `link`: a link card (`app.bsky.embed.external`) when there are no images; the page is
  not fetched: the card's title is option `title` (default: the link) and its description
  option `description` (default: empty);
- option `langs`: the post's languages (BCP 47), a list or "fr,en" (at most 3).

Links, mentions (resolved to DIDs) and hashtags in texts become facets (see `facets`).
Metrics: likes, reposts, comments (replies) and `quotes`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx

from orchestre.connectors.base import AccountRef, AppCredentials, Capability, Credentials
from orchestre.connectors.bluesky import session
from orchestre.connectors.bluesky.installation import BlueskyInstallation
from orchestre.connectors.bluesky.xrpc import NETWORK
from orchestre.kit.clock import utcnow

CAPABILITIES = frozenset(
    {
        Capability.PUBLISH_TEXT,
        Capability.PUBLISH_IMAGE,
        Capability.PUBLISH_THREAD,
        Capability.FIRST_COMMENT,
        Capability.REPLY,
        Capability.DELETE_POST,
        Capability.LIKE,
        Capability.READ_COMMENTS,
        Capability.READ_MENTIONS,
        Capability.READ_METRICS,
        Capability.SEARCH_POSTS,
        Capability.READ_PUBLIC_ACCOUNTS,
    }
)


class BlueskyConnector:
    """Bluesky; satisfies `Connector` and `UsesAppPassword`. `clock` is injectable for tests."""

    network = NETWORK
    capabilities = CAPABILITIES

    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self._clock = clock

    def open(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> BlueskyInstallation:
        # No operator app on Bluesky: app passwords need none, so `app` is ignored.
        return BlueskyInstallation(account, transport=transport, clock=self._clock)

    def login(
        self,
        identifier: str,
        password: str,
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> Credentials:
        """A session for the account (see `session.login`)."""
        return session.login(
            identifier, password, base_url=base_url, transport=transport, clock=self._clock
        )
