"""Connecting a Mastodon account: app registration, OAuth 2, refresh, profile, instance limits."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from orchestre.connectors import oauth
from orchestre.connectors.base import (
    AccountRef,
    AppCredentials,
    Capability,
    Connector,
    CredentialError,
    Credentials,
    PermanentError,
    RetryableError,
    UnsupportedCapability,
)
from orchestre.connectors.mastodon import MastodonConnector, MastodonInstallation, instance_limits
from orchestre.connectors.rules.media_limits import mastodon_instance_limits
from orchestre.connectors.rules.text import check_text
from orchestre.kit.clock import FrozenClock
from tests.connectors.mastodon.conftest import (
    INSTANCE,
    OWN_ID,
    TOKEN,
    ReplayedInstance,
    form,
    payload,
)

REDIRECT = "https://orchestre.example/oauth/callback/mastodon"
APP = AppCredentials("TWhM-client", "ZEaF-secret", REDIRECT)


def test_the_connector_is_a_connector_that_registers_apps_and_uses_oauth2() -> None:
    connector = MastodonConnector()
    assert isinstance(connector, Connector)
    assert isinstance(connector, oauth.RegistersApps)
    assert isinstance(connector, oauth.UsesOAuth2)
    assert connector.network == "mastodon"
    # Mastodon has no call to hide or delete someone else's reply.
    assert Capability.DELETE_COMMENT not in connector.capabilities
    assert Capability.HIDE_COMMENT not in connector.capabilities
    assert Capability.PUBLISH_THREAD in connector.capabilities


def test_register_app_posts_our_name_scopes_redirect_and_website(
    instance: ReplayedInstance,
) -> None:
    instance.json("POST", "/api/v1/apps", payload("app.json"))
    app = MastodonConnector().register_app(
        "social.example/", REDIRECT, transport=instance.transport
    )
    assert app == AppCredentials(
        payload("app.json")["client_id"], payload("app.json")["client_secret"], REDIRECT
    )
    (sent,) = instance.sent("POST", "/api/v1/apps")
    assert str(sent.url) == f"{INSTANCE}/api/v1/apps"
    assert form(sent) == {
        "client_name": ["Orchestre"],
        "redirect_uris": [REDIRECT],
        "scopes": ["read write"],
        "website": ["https://orchestre.example"],
    }


def test_register_app_refused_by_the_instance_says_why(instance: ReplayedInstance) -> None:
    instance.json(
        "POST", "/api/v1/apps", {"error": "Validation failed: Redirect URI must be absolute"}, 422
    )
    with pytest.raises(PermanentError, match="Redirect URI must be absolute"):
        MastodonConnector().register_app(INSTANCE, "relative", transport=instance.transport)


def test_the_authorization_address_is_on_the_instance_with_pkce() -> None:
    spec = MastodonConnector().oauth2
    start = oauth.start_authorization(spec, APP, base_url=INSTANCE + "/", state="s1")
    address = urlsplit(start.url)
    query = parse_qs(address.query)
    assert f"{address.scheme}://{address.netloc}{address.path}" == f"{INSTANCE}/oauth/authorize"
    assert query["scope"] == ["read write"]
    assert query["redirect_uri"] == [REDIRECT]
    assert query["code_challenge_method"] == ["S256"]
    assert start.code_verifier


def test_the_code_is_traded_at_the_instance_token_endpoint(instance: ReplayedInstance) -> None:
    instance.json("POST", "/oauth/token", payload("token.json"))
    credentials = oauth.exchange_code(
        MastodonConnector().oauth2,
        APP,
        "the-code",
        network="mastodon",
        code_verifier="v" * 64,
        base_url=INSTANCE,
        transport=instance.transport,
    )
    assert credentials.access_token == TOKEN
    assert credentials.refresh_token is None
    assert credentials.expires_at is None
    sent = form(instance.sent("POST", "/oauth/token")[0])
    assert sent["grant_type"] == ["authorization_code"]
    assert sent["code_verifier"] == ["v" * 64]
    assert sent["client_id"] == [APP.client_id]


def test_a_mastodon_token_does_not_expire_so_refresh_keeps_it(
    instance: ReplayedInstance,
) -> None:
    credentials = Credentials(TOKEN)
    account = AccountRef("mastodon", OWN_ID, credentials=credentials, base_url=INSTANCE)
    installation = MastodonConnector().open(account, transport=instance.transport, app=APP)
    assert installation.refresh_credentials() is credentials
    assert instance.requests == []


def _with_refresh_token(instance: ReplayedInstance) -> MastodonInstallation:
    credentials = Credentials("pleroma-access-1", refresh_token="pleroma-refresh-1")
    account = AccountRef("mastodon", OWN_ID, credentials=credentials, base_url=INSTANCE)
    return MastodonConnector().open(account, transport=instance.transport, app=APP)


def test_a_server_that_issues_refresh_tokens_is_refreshed(
    instance: ReplayedInstance, clock: FrozenClock
) -> None:
    instance.json("POST", "/oauth/token", payload("token_refreshed.json"))
    fresh = _with_refresh_token(instance).refresh_credentials()
    assert fresh.access_token == "pleroma-access-2"
    assert fresh.refresh_token == "pleroma-refresh-2"
    assert fresh.expires_at is not None
    assert (fresh.expires_at - clock.now()).total_seconds() == 3600
    sent = form(instance.sent("POST", "/oauth/token")[0])
    assert sent["grant_type"] == ["refresh_token"]
    assert sent["refresh_token"] == ["pleroma-refresh-1"]


def test_a_refused_refresh_token_means_reconnect(instance: ReplayedInstance) -> None:
    instance.json("POST", "/oauth/token", payload("error_invalid_grant.json"), 400)
    with pytest.raises(CredentialError) as refused:
        _with_refresh_token(instance).refresh_credentials()
    assert refused.value.definitive


def test_a_refresh_the_server_could_not_answer_is_retryable(instance: ReplayedInstance) -> None:
    instance.json("POST", "/oauth/token", {"error": "Service Unavailable"}, 503)
    with pytest.raises(RetryableError) as failed:
        _with_refresh_token(instance).refresh_credentials()
    assert not isinstance(failed.value, CredentialError)


def test_profile_is_the_verified_account(instance: ReplayedInstance) -> None:
    instance.json("GET", "/api/v1/accounts/verify_credentials", payload("account.json"))
    account = AccountRef("mastodon", "", credentials=Credentials(TOKEN), base_url=INSTANCE)
    profile = MastodonConnector().open(account, transport=instance.transport).profile()
    assert profile.external_id == OWN_ID
    assert profile.handle == "lumiere@social.example"
    assert profile.display_name == "Atelier Lumière"
    assert profile.followers == 1284
    assert profile.url == "https://social.example/@lumiere"
    (sent,) = instance.requests
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"


def test_hiding_a_comment_is_not_something_mastodon_does(instance: ReplayedInstance) -> None:
    account = AccountRef("mastodon", OWN_ID, credentials=Credentials(TOKEN), base_url=INSTANCE)
    installation = MastodonConnector().open(account, transport=instance.transport)
    with pytest.raises(UnsupportedCapability):
        installation.hide_comment("1")
    with pytest.raises(UnsupportedCapability):
        installation.delete_comment("1")


def test_an_account_needs_its_instance() -> None:
    account = AccountRef("mastodon", OWN_ID, credentials=Credentials(TOKEN))
    with pytest.raises(PermanentError, match="instance"):
        MastodonConnector().open(account)


def test_instance_limits_feed_the_text_and_media_rules(instance: ReplayedInstance) -> None:
    instance.json("GET", "/api/v2/instance", payload("instance_v2.json"))
    limits = instance_limits(INSTANCE, instance.transport)
    assert limits["max_characters"] == 1000
    assert limits["characters_reserved_per_url"] == 23
    assert check_text("mastodon", "é" * 900, options=limits).violations == []
    too_long = check_text("mastodon", "é" * 1001, options=limits)
    assert too_long.limit == 1000
    assert too_long.violations
    media = mastodon_instance_limits(limits["configuration"])
    assert media.max_items == 6
    assert media.image_max_bytes == 16777216
    assert media.video_max_bytes == 103809024
    assert media.video_max_fps == 120
    assert media.types is not None
    assert "video/quicktime" in media.types
    assert [r.url.path for r in instance.requests] == ["/api/v2/instance"]


def test_instance_limits_fall_back_to_v1_on_an_older_server(instance: ReplayedInstance) -> None:
    instance.json("GET", "/api/v2/instance", payload("error_404.json"), 404)
    instance.json("GET", "/api/v1/instance", payload("instance_v1.json"))
    # The connector object answers too: domains reach it through the registry.
    limits = MastodonConnector().instance_limits("old.example", transport=instance.transport)
    assert limits["max_characters"] == 500
    assert limits["configuration"]["statuses"]["max_media_attachments"] == 4
    assert mastodon_instance_limits(limits["configuration"]).video_max_bytes == 41943040
    assert [str(r.url) for r in instance.requests] == [
        "https://old.example/api/v2/instance",
        "https://old.example/api/v1/instance",
    ]


def test_instance_limits_of_a_server_that_announces_only_a_length() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v2/instance":
            return httpx.Response(404, json={"error": "Not found"})
        return httpx.Response(200, json={"uri": "pleroma.example", "max_toot_chars": 5000})

    limits = instance_limits("https://pleroma.example", httpx.MockTransport(handler))
    assert limits["max_characters"] == 5000
    assert "characters_reserved_per_url" not in limits
    assert limits["configuration"]["media_attachments"] == {}


def test_instance_limits_of_an_unreachable_instance_are_retryable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(RetryableError):
        instance_limits(INSTANCE, httpx.MockTransport(handler))
