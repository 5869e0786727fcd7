"""Mastodon: any instance of the Mastodon API, over our own httpx client.

Why not Mastodon.py: it sends through `requests`, so it cannot take the `httpx`
transport that tests inject to replay documented answers, nor our shared timeouts and
error mapping. Every call here is a plain documented REST call
(https://docs.joinmastodon.org/methods/).

Connecting: an instance knows no app until one is registered on it, so
`MastodonConnector.register_app(base_url, redirect_uri)` (`POST /api/v1/apps`, scopes
"read write") returns the `AppCredentials` to keep per instance; then OAuth 2 with
`MastodonConnector.oauth2` (`{base_url}/oauth/authorize`, `{base_url}/oauth/token`, PKCE
S256). Mastodon's tokens do not expire and it issues no refresh token:
`refresh_credentials()` returns the same credentials without a call (a server that does
send a refresh token is refreshed as RFC 6749 says). `AccountRef.base_url` is the
instance's address; `AccountRef.external_id` the account id that `profile()` reports.

`DraftPost.options` keys read by `publish`:
- `visibility`: public | unlisted | private | direct (default: the account's own setting);
- `spoiler_text`: the content warning shown before the text (first status only);
- `language`: ISO 639 code of the text;
- `sensitive`: true to hide the media behind a warning.
`DraftPost.link` is added after the text when the text does not already hold it (Mastodon
builds its preview card from a link in the text). Media are local files (`file:` URIs or
paths), uploaded with their alt text.

Idempotency: every status is posted with an `Idempotency-Key` (the draft's client_ref,
`:part:N` and `:first-comment` added for the other statuses of a thread). Mastodon keeps
a key for one hour, and no endpoint finds a status by its key, so
`find_by_client_ref` returns None (it cannot know); publishing again with the same
client_ref within the hour is what is safe: it returns the statuses already made. A
thread part refused for good takes back the statuses already posted; a refused first
comment is left out and the post stands.

Not supported: hiding or deleting other people's replies (Mastodon has no such call for an
account: DELETE_COMMENT and HIDE_COMMENT are not declared), carousels.

Instance limits: `instance_limits(base_url)` reads `GET /api/v2/instance` (or v1) into
the settings the text and media rules read.
"""

from orchestre.connectors.mastodon.connector import (
    MASTODON_OAUTH2,
    MastodonConnector,
    instance_url,
)
from orchestre.connectors.mastodon.installation import MastodonInstallation
from orchestre.connectors.mastodon.instance import instance_limits, limits_from_instance
from orchestre.connectors.mastodon.media import MediaWait
from orchestre.connectors.mastodon.wire import html_to_text

__all__ = [
    "MASTODON_OAUTH2",
    "MastodonConnector",
    "MastodonInstallation",
    "MediaWait",
    "html_to_text",
    "instance_limits",
    "instance_url",
    "limits_from_instance",
]
