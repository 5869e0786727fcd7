"""End to end against the real AT Protocol server software (`@atproto/dev-env`).

`scripts/atproto start` runs a local network (PLC, PDS, AppView) and `scripts/test`
exports its addresses; without them these tests skip, which fails CI on purpose
(ORCHESTRE_NO_SKIPS=1). Accounts are created on the PDS with unique handles, so two
pytest workers never meet. Everything is published through our connector and checked
through the network; the AppView indexes asynchronously, so checks poll until a deadline.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from PIL import Image

from orchestre.connectors.base import (
    AccountRef,
    CredentialError,
    Credentials,
    DraftPost,
    InteractionKind,
    MediaRef,
    PermanentError,
)
from orchestre.connectors.bluesky import BlueskyConnector, BlueskyInstallation

PDS = os.environ.get("ORCHESTRE_TEST_ATPROTO_PDS", "")
APPVIEW = os.environ.get("ORCHESTRE_TEST_ATPROTO_APPVIEW", "")
PASSWORD = "correct-horse-battery"
DEADLINE_S = 30.0

T = TypeVar("T")


@dataclass
class Member:
    handle: str
    did: str
    credentials: Credentials
    bsky: BlueskyInstallation


@pytest.fixture(scope="module")
def network() -> str:
    if not PDS or not APPVIEW:
        pytest.skip(
            "No local AT Protocol network: run `scripts/atproto start` and export "
            "`scripts/atproto env` (scripts/test does both)."
        )
    return PDS


def create_member(pds: str, name: str) -> Member:
    handle = f"{name}{uuid.uuid4().hex[:8]}.test"
    created = httpx.post(
        f"{pds}/xrpc/com.atproto.server.createAccount",
        json={"handle": handle, "email": f"{handle}@example.com", "password": PASSWORD},
        timeout=30,
    )
    assert created.status_code == 200, created.text
    connector = BlueskyConnector()
    credentials = connector.login(handle, PASSWORD, base_url=pds)
    assert credentials.extra["handle"] == handle
    account = AccountRef(
        network="bluesky",
        external_id=credentials.extra["did"],
        handle=handle,
        credentials=credentials,
        base_url=pds,
    )
    return Member(handle, credentials.extra["did"], credentials, connector.open(account))


@pytest.fixture(scope="module")
def alice(network: str) -> Member:
    return create_member(network, "alice")


@pytest.fixture(scope="module")
def bob(network: str) -> Member:
    return create_member(network, "bob")


def eventually(read: Callable[[], T], ok: Callable[[T], bool], what: str) -> T:
    """Poll `read` until `ok` (the AppView indexes the PDS's events asynchronously)."""
    end = time.monotonic() + DEADLINE_S
    last: Any = None
    while time.monotonic() < end:
        try:
            last = read()
        except (PermanentError, httpx.HTTPError) as exc:  # e.g. NotFound until indexed
            last = exc
        else:
            if ok(last):
                return last
        time.sleep(0.2)
    raise AssertionError(f"{what}: not seen within {DEADLINE_S} s; last: {last!r}")


def appview_get(path: str, **params: Any) -> dict[str, Any]:
    answer = httpx.get(f"{APPVIEW}/xrpc/{path}", params=params, timeout=10)
    answer.raise_for_status()
    data: dict[str, Any] = answer.json()
    return data


def pds_record(uri: str) -> dict[str, Any]:
    repo, collection, rkey = uri.removeprefix("at://").split("/")
    answer = httpx.get(
        f"{PDS}/xrpc/com.atproto.repo.getRecord",
        params={"repo": repo, "collection": collection, "rkey": rkey},
        timeout=10,
    )
    answer.raise_for_status()
    data: dict[str, Any] = answer.json()
    return data


def indexed_post(uri: str) -> dict[str, Any]:
    posts = eventually(
        lambda: appview_get("app.bsky.feed.getPosts", uris=[uri])["posts"],
        lambda found: len(found) == 1,
        f"{uri} in the AppView",
    )
    post: dict[str, Any] = posts[0]
    return post


def test_post_with_image_reply_like_notifications_counts_and_delete(
    alice: Member, bob: Member, tmp_path: Path
) -> None:
    image = tmp_path / "terrace.png"
    Image.new("RGB", (60, 40), (30, 120, 200)).save(image, format="PNG")
    text = f"Le café ouvre 🎉 avec @{bob.handle} #été https://example.com/menu"

    ref = alice.bsky.publish(
        DraftPost(
            text=text,
            media=[MediaRef(uri=image.as_uri(), content_type="image/png", alt_text="La terrasse")],
            options={"langs": ["fr"]},
        )
    )

    # What the PDS stored: our facets (bob's mention resolved to his DID) and the image.
    record = pds_record(ref.external_id)["value"]
    encoded = text.encode("utf-8")
    features = {
        encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(): f["features"][0]
        for f in record["facets"]
    }
    assert features[f"@{bob.handle}"]["did"] == bob.did
    assert features["#été"]["tag"] == "été"
    assert features["https://example.com/menu"]["uri"] == "https://example.com/menu"
    assert record["langs"] == ["fr"]
    assert record["embed"]["images"][0]["alt"] == "La terrasse"
    assert record["embed"]["images"][0]["aspectRatio"] == {"width": 60, "height": 40}
    assert ref.url == f"https://bsky.app/profile/{alice.handle}/post/{ref.external_id[-13:]}"
    # What the AppView shows once indexed.
    view = indexed_post(ref.external_id)
    assert view["embed"]["images"][0]["alt"] == "La terrasse"

    answer = bob.bsky.reply(ref.external_id, "Magnifique !")
    bob.bsky.like(ref.external_id)
    eventually(lambda: indexed_post(ref.external_id)["likeCount"], lambda n: n == 1, "the like")
    bob.bsky.like(ref.external_id)  # liking twice is success, and still one like

    comments = eventually(
        lambda: alice.bsky.read_comments(ref.external_id).items,
        lambda items: len(items) == 1,
        "bob's reply under the post",
    )
    assert comments[0].external_id == answer.external_id
    assert comments[0].kind is InteractionKind.COMMENT
    assert comments[0].author_handle == bob.handle
    assert comments[0].text == "Magnifique !"
    assert not comments[0].own

    metrics = eventually(
        lambda: {s.metric: s.value for s in alice.bsky.read_metrics([ref.external_id])},
        lambda found: found.get("comments") == 1,
        "the reply count",
    )
    assert metrics["likes"] == 1
    assert metrics["reposts"] == 0

    alice_inbox = eventually(
        lambda: alice.bsky.read_mentions().items,
        lambda items: any(i.external_id == answer.external_id for i in items),
        "the reply notification",
    )
    assert any(i.post_external_id == ref.external_id for i in alice_inbox)
    bob_inbox = eventually(
        lambda: bob.bsky.read_mentions().items,
        lambda items: any(i.external_id == ref.external_id for i in items),
        "the mention notification",
    )
    mention = next(i for i in bob_inbox if i.external_id == ref.external_id)
    assert mention.kind is InteractionKind.MENTION
    assert mention.author_handle == alice.handle

    alice.bsky.delete_post(ref.external_id)
    alice.bsky.delete_post(ref.external_id)  # already deleted is success
    eventually(
        lambda: alice.bsky.read_metrics([ref.external_id]),
        lambda samples: samples == [],
        "the deleted post leaving the AppView",
    )


def test_thread_first_comment_and_finding_a_post_by_client_ref(alice: Member) -> None:
    client_ref = uuid.uuid4().hex

    ref = alice.bsky.publish(
        DraftPost(
            text="Un fil 1/3",
            thread=["2/3", "3/3"],
            first_comment="Le menu est en ligne",
            client_ref=client_ref,
        )
    )

    indexed_post(ref.external_id)
    items = eventually(
        lambda: alice.bsky.read_comments(ref.external_id).items,
        lambda found: len(found) == 3,
        "the thread's parts and first comment",
    )
    by_text = {i.text: i for i in items}
    assert by_text["2/3"].kind is InteractionKind.COMMENT
    assert by_text["3/3"].kind is InteractionKind.REPLY
    assert by_text["3/3"].parent_external_id == ref.parts[0].external_id
    assert by_text["Le menu est en ligne"].external_id == ref.first_comment_id
    assert all(i.own for i in items)

    found = alice.bsky.find_by_client_ref(client_ref)
    assert found is not None
    assert found.external_id == ref.external_id
    assert alice.bsky.find_by_client_ref(uuid.uuid4().hex) is None


def test_link_card(alice: Member) -> None:
    ref = alice.bsky.publish(
        DraftPost(
            text="Notre carte",
            link="https://example.com/carte",
            options={"title": "La carte", "description": "Soupes et tartes"},
        )
    )

    external = indexed_post(ref.external_id)["embed"]["external"]
    assert external["uri"] == "https://example.com/carte"
    assert external["title"] == "La carte"
    assert external["description"] == "Soupes et tartes"


def test_search_finds_a_post_by_a_word_only_it_has(alice: Member, bob: Member) -> None:
    word = f"mot{uuid.uuid4().hex[:10]}"
    ref = alice.bsky.publish(DraftPost(text=f"Un {word} rare", options={"langs": "fr"}))

    page = eventually(
        lambda: bob.bsky.search(word),
        lambda found: len(found.items) == 1,
        "the post in search",
    )
    (post,) = page.items
    assert post.external_id == ref.external_id
    assert post.author_handle == alice.handle
    assert post.text == f"Un {word} rare"
    assert post.language == "fr"


def test_refresh_profile_and_refusals(alice: Member, network: str) -> None:
    fresh = alice.bsky.refresh_credentials()
    assert fresh.access_token != alice.credentials.access_token
    assert fresh.refresh_token != alice.credentials.refresh_token
    assert fresh.expires_at is not None
    account = AccountRef(
        network="bluesky", external_id=alice.did, handle=alice.handle, credentials=fresh
    )
    renewed = BlueskyConnector().open(account)

    profile = eventually(renewed.profile, lambda p: p.handle == alice.handle, "the profile")
    assert profile.external_id == alice.did
    assert profile.followers == 0

    with pytest.raises(PermanentError) as caught:  # the PDS checks the lexicon: 300 graphemes
        renewed.publish(DraftPost(text="é" * 301))
    assert "300" in caught.value.reason

    forged = AccountRef(
        network="bluesky",
        external_id=alice.did,
        credentials=Credentials(
            access_token="not-a-token", refresh_token="not-a-token", extra={"pds": network}
        ),
    )
    with pytest.raises(CredentialError):
        BlueskyConnector().open(forged).publish(DraftPost(text="Hello"))
    with pytest.raises(CredentialError) as refused:
        BlueskyConnector().open(forged).refresh_credentials()
    assert refused.value.definitive
    with pytest.raises(CredentialError) as wrong:
        BlueskyConnector().login(alice.handle, "wrong password", base_url=network)
    assert wrong.value.definitive
