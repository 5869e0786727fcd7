"""LinkedIn accounts: profile, OAuth renewal, comments, likes, page statistics, and each
way LinkedIn refuses as a typed error."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from orchestre.connectors.base import (
    AmbiguousError,
    CredentialError,
    DraftPost,
    InteractionKind,
    Metric,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.linkedin import LinkedInConnector, LinkedInInstallation
from orchestre.connectors.oauth import UsesOAuth2, start_authorization
from orchestre.kit.clock import FrozenClock
from tests.connectors.linkedin.conftest import (
    APP,
    ORG,
    POST,
    REFRESH_TOKEN,
    Replay,
    answer,
    payload,
)

TOKEN_PATH = "/oauth/v2/accessToken"


def test_member_profile_from_openid_userinfo(member: LinkedInInstallation, replay: Replay) -> None:
    replay.on("GET", "/v2/userinfo", answer(200, "userinfo.json"))
    profile = member.profile()
    assert str(replay.requests[0].url) == "https://api.linkedin.com/v2/userinfo"
    assert profile.external_id == "urn:li:person:782bbtaQ"
    assert profile.display_name == "Claire Martin"


def test_page_profile_from_the_organization(page: LinkedInInstallation, replay: Replay) -> None:
    replay.on("GET", "/rest/organizations/2414183", answer(200, "organization.json"))
    replay.on("GET", f"/rest/networkSizes/{ORG}", answer(200, "network_size.json"))
    profile = page.profile()
    sizes = replay.requests[1]
    assert "/rest/networkSizes/urn%3Ali%3Aorganization%3A2414183" in str(sizes.url)
    assert sizes.url.params["edgeType"] == "COMPANY_FOLLOWED_BY_MEMBER"
    assert profile.followers == 3187
    assert profile.external_id == ORG
    assert profile.handle == "atelier-lumiere"
    assert profile.display_name == "Atelier Lumière"
    assert profile.url == "https://www.linkedin.com/company/atelier-lumiere/"


def test_authorization_sends_the_scopes_without_pkce() -> None:
    connector = LinkedInConnector()
    assert isinstance(connector, UsesOAuth2)
    start = start_authorization(connector.oauth2, APP, state="s-1")
    url = urlparse(start.url)
    query = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}{url.path}" == (
        "https://www.linkedin.com/oauth/v2/authorization"
    )
    assert "code_challenge" not in query
    assert start.code_verifier is None
    assert query["scope"][0].split(" ") == [
        "openid",
        "profile",
        "w_member_social",
        "w_organization_social",
        "r_organization_social",
        "rw_organization_admin",
    ]


def test_refresh_sends_the_secret_in_the_body(
    page: LinkedInInstallation, replay: Replay, clock: FrozenClock
) -> None:
    replay.on("POST", TOKEN_PATH, answer(200, "token_refreshed.json"))
    fresh = page.refresh_credentials()
    sent = replay.requests[0]
    assert str(sent.url) == "https://www.linkedin.com/oauth/v2/accessToken"
    assert "authorization" not in sent.headers
    assert parse_qs(sent.content.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": [REFRESH_TOKEN],
        "client_id": ["orchestre-linkedin-client"],
        "client_secret": ["orchestre-linkedin-secret"],
    }
    expected = payload("token_refreshed.json")
    assert fresh.access_token == expected["access_token"]
    assert fresh.refresh_token == expected["refresh_token"]
    assert fresh.expires_at is not None
    assert (fresh.expires_at - clock.now()).days == 60


@pytest.mark.parametrize("name", ["token_invalid_grant.json", "token_invalid_request.json"])
def test_a_refused_refresh_means_reconnect(
    page: LinkedInInstallation, replay: Replay, name: str
) -> None:
    replay.on("POST", TOKEN_PATH, answer(400, name))
    with pytest.raises(CredentialError) as caught:
        page.refresh_credentials()
    assert caught.value.definitive is True
    assert REFRESH_TOKEN not in str(caught.value)


def test_a_token_endpoint_outage_is_retryable(page: LinkedInInstallation, replay: Replay) -> None:
    replay.on("POST", TOKEN_PATH, answer(500, "error_server.json"))
    with pytest.raises(RetryableError) as caught:
        page.refresh_credentials()
    assert not isinstance(caught.value, CredentialError)


def test_comments_oldest_first_with_the_offset_as_cursor(
    page: LinkedInInstallation, replay: Replay
) -> None:
    replay.on("GET", f"/rest/socialActions/{POST}/comments", answer(200, "comments.json"))
    result = page.read_comments(POST, cursor="0", limit=2)
    assert dict(replay.requests[0].url.params) == {"start": "0", "count": "2"}
    question, answer_ = result.items
    assert question.kind == InteractionKind.COMMENT
    assert question.author_id == "urn:li:person:aB3dE5fG"
    assert question.text == "Disponible à Bruxelles ?"
    assert question.created_at == datetime.fromtimestamp(1899882000, UTC)
    assert question.post_external_id == POST
    assert question.own is False
    assert answer_.kind == InteractionKind.REPLY
    assert answer_.parent_external_id == question.external_id
    assert answer_.own is True
    assert result.next_cursor == "2"
    assert result.has_more is True


def test_comments_need_a_post(page: LinkedInInstallation) -> None:
    with pytest.raises(PermanentError, match="one post at a time"):
        page.read_comments()


def test_like_reacts_as_the_account_and_twice_is_fine(
    page: LinkedInInstallation, replay: Replay
) -> None:
    conflict = {"status": 409, "message": "The reaction already exists."}
    replay.on("POST", "/rest/reactions", answer(201), answer(409, json=conflict))
    page.like(POST)
    page.like(POST)
    first = replay.requests[0]
    assert "actor=urn%3Ali%3Aorganization%3A2414183" in str(first.url)
    assert replay.body(first) == {"root": POST, "reactionType": "LIKE"}


def test_page_statistics_map_to_our_metrics(
    page: LinkedInInstallation, replay: Replay, clock: FrozenClock
) -> None:
    replay.on(
        "GET", "/rest/organizationalEntityShareStatistics", answer(200, "share_statistics.json")
    )
    ugc = "urn:li:ugcPost:7134000000000000000"
    samples = page.read_metrics([POST, ugc])
    query = replay.requests[0].url.query.decode()
    assert query == (
        "q=organizationalEntity&organizationalEntity=urn%3Ali%3Aorganization%3A2414183"
        "&shares=List(urn%3Ali%3Ashare%3A7134853264311816192)"
        "&ugcPosts=List(urn%3Ali%3AugcPost%3A7134000000000000000)"
    )
    values = {s.metric: s.value for s in samples if s.external_id == POST}
    assert values == {
        Metric.IMPRESSIONS: 2310,
        Metric.REACH: 1450,
        Metric.CLICKS: 58,
        Metric.LIKES: 96,
        Metric.COMMENTS: 12,
        Metric.REPOSTS: 7,
    }
    assert {s.external_id for s in samples} == {POST, ugc}
    assert {s.at for s in samples} == {clock.now()}


def test_member_statistics_are_refused_plainly(
    member: LinkedInInstallation, replay: Replay
) -> None:
    with pytest.raises(PermanentError, match="organization pages only"):
        member.read_metrics([POST])
    assert replay.requests == []


def test_a_rate_limit_waits_for_retry_after_or_midnight_utc(
    page: LinkedInInstallation, replay: Replay, clock: FrozenClock
) -> None:
    replay.on(
        "POST",
        "/rest/posts",
        answer(429, "error_rate_limit.json", headers={"Retry-After": "120"}),
        answer(429, "error_rate_limit.json"),
    )
    with pytest.raises(RetryableError) as caught:
        page.publish(DraftPost(text="Bonjour"))
    assert caught.value.retry_after == 120
    with pytest.raises(RetryableError, match="APPLICATION DAY limit") as caught:
        page.publish(DraftPost(text="Bonjour"))
    assert clock.now().hour == 9
    assert caught.value.retry_after == 15 * 3600


def test_an_invalid_token_is_a_credential_error(page: LinkedInInstallation, replay: Replay) -> None:
    replay.on("POST", "/rest/posts", answer(401, "error_unauthorized.json"))
    with pytest.raises(CredentialError, match="Invalid access token"):
        page.publish(DraftPost(text="Bonjour"))


def test_duplicate_content_is_permanent_with_linkedin_reason(
    page: LinkedInInstallation, replay: Replay
) -> None:
    replay.on("POST", "/rest/posts", answer(422, "error_duplicate.json"))
    with pytest.raises(PermanentError) as caught:
        page.publish(DraftPost(text="Bonjour"))
    assert caught.value.reason == "Content is a duplicate of urn:li:share:7134853264311816192"
    assert caught.value.code == "duplicate"


def test_missing_permissions_keep_the_service_error_code(
    page: LinkedInInstallation, replay: Replay
) -> None:
    replay.on("POST", "/rest/posts", answer(403, "error_forbidden.json"))
    with pytest.raises(PermanentError) as caught:
        page.publish(DraftPost(text="Bonjour"))
    assert caught.value.code == "403/100"
    assert "Not enough permissions" in caught.value.reason


def test_a_server_error_is_retryable(page: LinkedInInstallation, replay: Replay) -> None:
    replay.on("POST", "/rest/posts", answer(500, "error_server.json"))
    with pytest.raises(RetryableError):
        page.publish(DraftPost(text="Bonjour"))


def test_a_timeout_after_sending_a_post_is_ambiguous(
    page: LinkedInInstallation, replay: Replay
) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    replay.on("POST", "/rest/posts", timeout)
    with pytest.raises(AmbiguousError) as caught:
        page.publish(DraftPost(text="Bonjour", client_ref="v-3"))
    assert caught.value.client_ref == "v-3"


def test_a_connect_error_is_retryable(page: LinkedInInstallation, replay: Replay) -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    replay.on("POST", "/rest/posts", refused)
    with pytest.raises(RetryableError) as caught:
        page.publish(DraftPost(text="Bonjour"))
    assert not isinstance(caught.value, AmbiguousError)
