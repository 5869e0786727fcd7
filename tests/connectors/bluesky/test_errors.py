"""How Bluesky's refusals and silences become the contract's typed errors."""

from __future__ import annotations

import httpx
import pytest

from orchestre.connectors.base import (
    AmbiguousError,
    CredentialError,
    DraftPost,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.bluesky import BlueskyInstallation

from .conftest import ACCESS, DID, NOW, POST_URI, REFRESH, FakeXrpc, answer, body

RESET_IN_30_S = str(int(NOW.timestamp()) + 30)


def test_a_rate_limit_is_retryable_after_the_reset_instant(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    headers = {
        "ratelimit-limit": "5000",
        "ratelimit-remaining": "0",
        "ratelimit-reset": RESET_IN_30_S,
        "ratelimit-policy": "5000;w=3600",
    }
    xrpc.on("com.atproto.repo.createRecord", answer("error_rate_limit", 429, headers))

    with pytest.raises(RetryableError) as caught:
        alice.publish(DraftPost(text="Hello"))

    assert caught.value.retry_after == 30.0
    assert "Rate Limit Exceeded" in caught.value.message


def test_an_expired_access_token_asks_for_a_refresh_not_a_reconnection(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on("app.bsky.feed.getPosts", answer("error_expired_token", 400))

    with pytest.raises(CredentialError) as caught:
        alice.read_metrics([POST_URI])

    assert not caught.value.definitive


@pytest.mark.parametrize(
    ("status", "name"),
    [(401, "error_invalid_token"), (400, "error_invalid_token"), (401, "error_auth_required")],
)
def test_an_invalid_token_is_a_definitive_credential_error(
    alice: BlueskyInstallation, xrpc: FakeXrpc, status: int, name: str
) -> None:
    xrpc.on("com.atproto.repo.createRecord", answer(name, status))

    with pytest.raises(CredentialError) as caught:
        alice.publish(DraftPost(text="Hello"))

    assert caught.value.definitive
    assert ACCESS not in str(caught.value)
    assert REFRESH not in str(caught.value)


def test_rejected_content_is_a_permanent_error_with_the_network_reason(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on("com.atproto.repo.createRecord", answer("error_invalid_record", 400))

    with pytest.raises(PermanentError) as caught:
        alice.publish(DraftPost(text="x" * 301))

    assert caught.value.reason == (
        "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes"
    )
    assert caught.value.code == "InvalidRequest"
    assert caught.value.network == "bluesky"


@pytest.mark.parametrize(
    ("status", "name"), [(500, "error_upstream"), (502, "error_upstream"), (503, "error_upstream")]
)
def test_a_server_error_is_retryable(
    alice: BlueskyInstallation, xrpc: FakeXrpc, status: int, name: str
) -> None:
    xrpc.on("com.atproto.repo.createRecord", answer(name, status, {"retry-after": "12"}))

    with pytest.raises(RetryableError) as caught:
        alice.publish(DraftPost(text="Hello"))

    assert caught.value.retry_after == 12.0


@pytest.mark.parametrize("failure", [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("cut")])
def test_a_post_that_got_no_answer_after_it_was_sent_is_ambiguous(
    alice: BlueskyInstallation, xrpc: FakeXrpc, failure: Exception
) -> None:
    xrpc.on("com.atproto.repo.createRecord", failure)

    with pytest.raises(AmbiguousError) as caught:
        alice.publish(DraftPost(text="Hello", client_ref="post-42"))

    assert caught.value.client_ref == "post-42"


def test_a_reply_that_got_no_answer_is_ambiguous_with_its_client_ref(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on("com.atproto.repo.getRecord", answer("get_record_post"))
    xrpc.on("com.atproto.repo.createRecord", httpx.ReadTimeout("slow"))

    with pytest.raises(AmbiguousError) as caught:
        alice.reply("at://did:plc:bob2026/app.bsky.feed.post/3lbqtbobpost2", "Hi", client_ref="r-9")

    assert caught.value.client_ref == "r-9"


def test_a_read_that_timed_out_is_retryable(alice: BlueskyInstallation, xrpc: FakeXrpc) -> None:
    xrpc.on("app.bsky.feed.getPosts", httpx.ReadTimeout("slow"))

    with pytest.raises(RetryableError):
        alice.read_metrics([POST_URI])


def test_a_delete_that_timed_out_is_retryable_because_deleting_again_is_harmless(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on("com.atproto.repo.deleteRecord", httpx.ReadTimeout("slow"))

    with pytest.raises(RetryableError):
        alice.delete_post(POST_URI)


@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow")])
def test_a_post_that_could_not_connect_is_retryable(
    alice: BlueskyInstallation, xrpc: FakeXrpc, failure: Exception
) -> None:
    xrpc.on("com.atproto.repo.createRecord", failure)

    with pytest.raises(RetryableError):
        alice.publish(DraftPost(text="Hello", client_ref="post-42"))


def test_a_thread_part_that_fails_leaves_the_client_ref_to_find_the_root(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on("com.atproto.repo.createRecord", answer("create_record"), httpx.ReadTimeout("slow"))

    with pytest.raises(AmbiguousError) as caught:
        alice.publish(DraftPost(text="1/2", thread=["2/2"], client_ref="t-7"))

    assert caught.value.client_ref == "t-7"


def test_a_refused_thread_part_takes_back_what_was_posted(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    root = f"at://{DID}/app.bsky.feed.post/3lbqtroot0001"
    second = f"at://{DID}/app.bsky.feed.post/3lbqtpart0002"
    xrpc.on(
        "com.atproto.repo.createRecord",
        httpx.Response(200, json={"uri": root, "cid": "c1"}),
        httpx.Response(200, json={"uri": second, "cid": "c2"}),
        answer("error_invalid_record", 400),
    )
    xrpc.on("com.atproto.repo.deleteRecord", httpx.Response(200, json={}))

    with pytest.raises(PermanentError) as caught:
        alice.publish(DraftPost(text="1/3", thread=["2/3", "x" * 301], client_ref="t-8"))

    assert caught.value.code == "InvalidRequest"
    deleted = [body(r)["rkey"] for r in xrpc.sent("com.atproto.repo.deleteRecord")]
    assert deleted == ["3lbqtpart0002", "3lbqtroot0001"]


def test_a_refused_first_comment_is_left_out_and_the_post_stands(
    alice: BlueskyInstallation, xrpc: FakeXrpc
) -> None:
    xrpc.on(
        "com.atproto.repo.createRecord",
        answer("create_record"),
        answer("error_invalid_record", 400),
    )

    ref = alice.publish(DraftPost(text="Hello", first_comment="x" * 301))

    assert ref.external_id == POST_URI
    assert ref.first_comment_id is None
    assert xrpc.sent("com.atproto.repo.deleteRecord") == []
