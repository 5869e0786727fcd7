"""The connector against mastodon-mock: a stateful Mastodon API (FastAPI on SQLite) in process.

The mock's app runs through FastAPI's test client, which our connector reaches through an
injected httpx transport; its database and media files live in the test's tmp_path.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from mastodon_mock.app import create_app
from mastodon_mock.config import DatabaseConfig, MastodonMockConfig, StreamingConfig
from mastodon_mock.testing.seed import DEFAULT_TEST_SEED

from orchestre.connectors import oauth
from orchestre.connectors.base import (
    AccountRef,
    CredentialError,
    Credentials,
    DraftPost,
    InteractionKind,
    MediaRef,
    PermanentError,
)
from orchestre.connectors.mastodon import (
    MastodonConnector,
    MastodonInstallation,
    MediaWait,
    instance_limits,
)

INSTANCE = "https://mock.local"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNk+A8AAQUBAScY42YAAAAASUVORK5CYII="
)


class ThroughTestClient(httpx.BaseTransport):
    """Our client's requests, answered by the mock's app through FastAPI's test client.

    The test client is built on another HTTP library (httpx2 in this environment), so each
    request is copied across rather than handed over."""

    def __init__(self, client: TestClient) -> None:
        self._client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self._client.request(
            request.method,
            str(request.url),
            headers=list(request.headers.multi_items()),
            content=request.read(),
        )
        headers = [(k, v) for k, v in answer.headers.multi_items() if k != "content-encoding"]
        return httpx.Response(answer.status_code, headers=headers, content=answer.content)


@pytest.fixture
def transport(tmp_path: Path) -> Iterator[httpx.BaseTransport]:
    config = MastodonMockConfig(
        domain="mock.local",
        url_scheme="https",
        database=DatabaseConfig(path=str(tmp_path / "mastodon-mock.sqlite3")),
        media_storage_path=str(tmp_path / "media"),
        seed=DEFAULT_TEST_SEED,
        streaming=StreamingConfig(enabled=False),
    )
    with TestClient(create_app(config), base_url=INSTANCE) as client:
        yield ThroughTestClient(client)


def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"the mock processes media at once; nothing should wait {seconds} s")


def _connect(
    transport: httpx.BaseTransport, username: str
) -> tuple[MastodonConnector, MastodonInstallation]:
    """The whole connect path: register the app, trade a code, open, read the profile."""
    connector = MastodonConnector(media_wait=MediaWait(sleep=_no_sleep))
    app = connector.register_app(
        INSTANCE, "https://orchestre.example/oauth/callback/mastodon", transport=transport
    )
    credentials = oauth.exchange_code(
        connector.oauth2,
        app,
        f"mockcode_{username}",
        network="mastodon",
        base_url=INSTANCE,
        transport=transport,
    )
    probe = connector.open(
        AccountRef("mastodon", "", credentials=credentials, base_url=INSTANCE),
        transport=transport,
    )
    me = probe.profile()
    account = AccountRef(
        "mastodon", me.external_id, me.handle, credentials=credentials, base_url=INSTANCE
    )
    return connector, connector.open(account, transport=transport, app=app)


def test_connect_registers_the_app_and_reads_the_profile(
    transport: httpx.BaseTransport,
) -> None:
    _, alice = _connect(transport, "alice")
    profile = alice.profile()
    assert profile.handle == "alice@mock.local"
    assert profile.display_name == "Alice"
    # Mastodon's tokens come without a refresh token: they stay as they are.
    assert alice.refresh_credentials() == alice.account.credentials


def test_instance_limits_from_the_mock(transport: httpx.BaseTransport) -> None:
    limits = instance_limits(INSTANCE, transport)
    assert isinstance(limits["max_characters"], int)
    assert limits["max_characters"] > 0
    assert limits["configuration"]["statuses"]["max_characters"] == limits["max_characters"]


def test_publish_answer_like_read_and_delete(
    transport: httpx.BaseTransport, tmp_path: Path
) -> None:
    _, alice = _connect(transport, "alice")
    _, bob = _connect(transport, "bob")
    image = tmp_path / "phare.png"
    image.write_bytes(PNG)

    post = alice.publish(
        DraftPost(
            text="Le phare au lever du jour",
            media=[MediaRef(image.as_uri(), "image/png", alt_text="Un phare blanc")],
            thread=["Deuxième partie", "Troisième partie"],
            first_comment="Photo : Alice",
            client_ref="pub-1",
        )
    )
    assert post.url
    assert len(post.parts) == 2
    assert post.first_comment_id

    # The same client_ref again: the instance answers the statuses it already made.
    again = alice.publish(
        DraftPost(
            text="Le phare au lever du jour",
            thread=["Deuxième partie", "Troisième partie"],
            first_comment="Photo : Alice",
            client_ref="pub-1",
        )
    )
    assert again.external_id == post.external_id
    assert [p.external_id for p in again.parts] == [p.external_id for p in post.parts]

    answer = bob.reply(post.external_id, "Magnifique !", client_ref="bob-1")
    bob.publish(DraftPost(text="Allez voir le compte de @alice", client_ref="bob-2"))
    bob.publish(
        DraftPost(
            text="@alice on se parle en privé ?",
            options={"visibility": "direct"},
            client_ref="bob-3",
        )
    )

    comments = alice.read_comments(post.external_id)
    by_id = {c.external_id: c for c in comments.items}
    assert by_id[answer.external_id].kind is InteractionKind.COMMENT
    assert by_id[answer.external_id].author_handle == "bob@mock.local"
    assert by_id[answer.external_id].text.endswith("Magnifique !")
    assert by_id[post.first_comment_id].own
    parts = [p.external_id for p in post.parts]
    assert by_id[parts[1]].parent_external_id == parts[0]

    inbox = alice.read_comments()
    assert [c.external_id for c in inbox.items] == [answer.external_id]
    mentions = alice.read_mentions()
    assert [m.text for m in mentions.items] == ["Allez voir le compte de @alice"]
    messages = alice.read_messages()
    assert [m.text for m in messages.items] == ["@alice on se parle en privé ?"]
    assert messages.items[0].kind is InteractionKind.MESSAGE
    # Nothing new since the last cursor.
    assert alice.read_mentions(cursor=mentions.next_cursor).items == []

    alice.like(answer.external_id)
    alice.like(answer.external_id)
    assert {(s.metric, s.value) for s in bob.read_metrics([answer.external_id])} >= {("likes", 1.0)}
    metrics = {s.metric: s.value for s in alice.read_metrics([post.external_id])}
    assert metrics["comments"] >= 2

    alice.delete_post(post.external_id)
    alice.delete_post(post.external_id)
    assert alice.read_metrics([post.external_id]) == []
    with pytest.raises(PermanentError):
        alice.read_comments(post.external_id)


def test_an_unknown_token_is_refused(transport: httpx.BaseTransport) -> None:
    connector = MastodonConnector()
    stranger = connector.open(
        AccountRef("mastodon", "1", credentials=Credentials("nope"), base_url=INSTANCE),
        transport=transport,
    )
    with pytest.raises(CredentialError):
        stranger.profile()
