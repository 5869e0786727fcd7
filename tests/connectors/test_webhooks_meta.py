"""Meta's webhooks: X-Hub-Signature-256, the hub.challenge check, and the documented
payloads of Page feed comments, Instagram comments and mentions, and Threads replies."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from orchestre.connectors.base import InteractionKind
from orchestre.connectors.meta.webhooks import (
    FacebookWebhooks,
    InstagramWebhooks,
    ThreadsWebhooks,
)
from orchestre.connectors.webhooks import (
    PayloadInvalid,
    SignatureInvalid,
    SignatureMissing,
    WebhookEvent,
    receiver_for,
)

SECRET = "meta-app-secret"
PAGE = "101"
IG = "17841400000000001"


def _body(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def _signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"x-hub-signature-256": f"sha256={digest}"}


def _page_change(field: str, value: dict[str, Any]) -> bytes:
    return _body(
        {
            "object": "page",
            "entry": [
                {"id": PAGE, "time": 1900000000, "changes": [{"field": field, "value": value}]}
            ],
        }
    )


def _comment(**extra: Any) -> dict[str, Any]:
    value = {
        "from": {"id": "555", "name": "Ana Lima"},
        "post": {"status_type": "added_photos", "is_published": True},
        "message": "Is this available in Lyon?",
        "post_id": f"{PAGE}_900",
        "comment_id": "900_1",
        "created_time": 1900000000,
        "item": "comment",
        "parent_id": f"{PAGE}_900",
        "verb": "add",
    }
    value.update(extra)
    return value


def test_a_body_signed_with_the_app_secret_passes() -> None:
    body = _page_change("feed", _comment())
    FacebookWebhooks().verify(_signed(body), body, SECRET)


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ({}, SignatureMissing),
        ({"x-hub-signature-256": "sha1=abc"}, SignatureInvalid),
        ({"x-hub-signature-256": "sha256=" + "0" * 64}, SignatureInvalid),
    ],
)
def test_a_missing_or_wrong_signature_is_refused(headers: dict[str, str], error: type) -> None:
    body = _page_change("feed", _comment())
    with pytest.raises(error):
        FacebookWebhooks().verify(headers, body, SECRET)


def test_a_body_changed_after_signing_is_refused() -> None:
    body = _page_change("feed", _comment())
    with pytest.raises(SignatureInvalid):
        FacebookWebhooks().verify(_signed(body), body.replace(b"Lyon", b"Nice"), SECRET)


def test_another_apps_secret_is_refused() -> None:
    body = _page_change("feed", _comment())
    with pytest.raises(SignatureInvalid):
        InstagramWebhooks().verify(_signed(body, "someone-else"), body, SECRET)


def test_the_subscription_check_echoes_the_challenge_for_our_token_only() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1158201444"}
    assert ThreadsWebhooks().handshake(query, "tok") == "1158201444"
    with pytest.raises(SignatureInvalid):
        ThreadsWebhooks().handshake(query, "other")
    with pytest.raises(PayloadInvalid):
        ThreadsWebhooks().handshake({"hub.verify_token": "tok"}, "tok")


def test_a_page_comment_and_a_reply_become_interactions_of_the_page() -> None:
    hooks = FacebookWebhooks()
    (comment,) = hooks.parse(_page_change("feed", _comment())).events
    (reply,) = hooks.parse(
        _page_change("feed", _comment(comment_id="900_2", parent_id="900_1", message="+1"))
    ).events

    assert comment.account_external_id == PAGE
    item = comment.interaction
    assert (item.kind, item.external_id, item.post_external_id) == (
        InteractionKind.COMMENT,
        "900_1",
        f"{PAGE}_900",
    )
    assert (item.author_id, item.author_name, item.parent_external_id) == ("555", "Ana Lima", None)
    assert item.created_at.timestamp() == 1900000000
    assert (reply.interaction.kind, reply.interaction.parent_external_id) == (
        InteractionKind.REPLY,
        "900_1",
    )


def test_the_pages_own_comment_is_marked_own() -> None:
    batch = FacebookWebhooks().parse(
        _page_change("feed", _comment(**{"from": {"id": PAGE, "name": "Brand"}}))
    )
    assert batch.events[0].interaction.own is True


def test_edits_removals_and_likes_are_skipped_not_refused() -> None:
    hooks = FacebookWebhooks()
    assert hooks.parse(_page_change("feed", _comment(verb="edited"))).skipped == 1
    assert hooks.parse(_page_change("feed", {"item": "reaction", "verb": "add"})).skipped == 1
    assert hooks.parse(_page_change("ratings", {"verb": "add"})).events == []


def test_a_malformed_change_is_skipped_and_the_rest_is_read() -> None:
    body = _body(
        {
            "object": "page",
            "entry": [
                {
                    "id": PAGE,
                    "changes": [
                        {"field": "feed", "value": {"item": "comment", "verb": "add"}},
                        {"field": "feed", "value": _comment()},
                    ],
                }
            ],
        }
    )
    batch = FacebookWebhooks().parse(body)
    assert (len(batch.events), batch.skipped) == (1, 1)


def test_a_page_mention_with_its_text_is_read_and_one_without_is_polled() -> None:
    hooks = FacebookWebhooks()
    with_text = {
        "item": "post",
        "verb": "add",
        "post_id": "777_1",
        "sender_id": "777",
        "sender_name": "Bo",
        "message": "Thanks @Brand!",
        "created_time": 1900000100,
    }
    (event,) = hooks.parse(_page_change("mention", with_text)).events
    assert (event.interaction.kind, event.interaction.text) == (
        InteractionKind.MENTION,
        "Thanks @Brand!",
    )
    batch = hooks.parse(
        _page_change("mention", {"item": "post", "verb": "add", "post_id": "777_2"})
    )
    assert batch.poll_hints == frozenset({(PAGE, "mentions")})


def test_messenger_messages_are_read_and_our_echoes_skipped() -> None:
    body = _body(
        {
            "object": "page",
            "entry": [
                {
                    "id": PAGE,
                    "time": 1900000000,
                    "messaging": [
                        {
                            "sender": {"id": "PSID1"},
                            "recipient": {"id": PAGE},
                            "timestamp": 1900000000123,
                            "message": {"mid": "m_1", "text": "Bonjour, commande 42 ?"},
                        },
                        {
                            "sender": {"id": PAGE},
                            "recipient": {"id": "PSID1"},
                            "timestamp": 1900000001000,
                            "message": {"mid": "m_2", "text": "Oui", "is_echo": True},
                        },
                        {"sender": {"id": "PSID1"}, "read": {"watermark": 1}},
                    ],
                }
            ],
        }
    )
    batch = FacebookWebhooks().parse(body)
    (event,) = batch.events
    assert (event.interaction.kind, event.interaction.author_id) == (
        InteractionKind.MESSAGE,
        "PSID1",
    )
    assert batch.skipped == 2


def test_instagram_comments_in_both_documented_shapes() -> None:
    value = {
        "id": "17865799348089039",
        "from": {"id": "1234", "username": "ana.lima"},
        "text": "Trop beau 😍",
        "media": {"id": "17887498072083520", "media_product_type": "FEED"},
    }
    changes = _body(
        {
            "object": "instagram",
            "entry": [
                {"id": IG, "time": 1900000000, "changes": [{"field": "comments", "value": value}]}
            ],
        }
    )
    inline = _body(
        {
            "object": "instagram",
            "entry": [
                {
                    "id": IG,
                    "time": 1900000000,
                    "field": "comments",
                    "value": {**value, "parent_id": "178"},
                }
            ],
        }
    )

    (comment,) = InstagramWebhooks().parse(changes).events
    (reply,) = InstagramWebhooks().parse(inline).events

    assert comment == WebhookEvent(IG, comment.interaction)
    assert (comment.interaction.author_handle, comment.interaction.post_external_id) == (
        "ana.lima",
        "17887498072083520",
    )
    assert comment.interaction.created_at.timestamp() == 1900000000
    assert (reply.interaction.kind, reply.interaction.parent_external_id) == (
        InteractionKind.REPLY,
        "178",
    )


def test_instagram_mentions_give_ids_only_so_the_mentions_stream_is_polled() -> None:
    body = _body(
        {
            "object": "instagram",
            "entry": [
                {
                    "id": IG,
                    "time": 1900000000,
                    "changes": [
                        {"field": "mentions", "value": {"media_id": "1789", "comment_id": "1790"}}
                    ],
                }
            ],
        }
    )
    batch = InstagramWebhooks().parse(body)
    assert batch.events == []
    assert batch.poll_hints == frozenset({(IG, "mentions")})


def test_a_threads_reply_from_the_documented_example() -> None:
    body = _body(
        {
            "app_id": "123456",
            "topic": "moderate",
            "target_id": "78901",
            "time": 1723226877,
            "subscription_id": "234567",
            "has_uid_field": False,
            "values": {
                "value": {
                    "id": "8901234",
                    "username": "test_username",
                    "text": "Reply",
                    "media_type": "TEXT_POST",
                    "permalink": "https://www.threads.net/@test_username/post/Pp",
                    "replied_to": {"id": "567890"},
                    "root_post": {
                        "id": "123456",
                        "owner_id": "123456",
                        "username": "test_username_2",
                    },
                    "shortcode": "Pp",
                    "timestamp": "2024-08-07T10:33:16+0000",
                },
                "field": "replies",
            },
        }
    )
    (event,) = ThreadsWebhooks().parse(body).events
    item = event.interaction
    assert event.account_external_id == "123456"
    assert (item.kind, item.post_external_id, item.parent_external_id) == (
        InteractionKind.REPLY,
        "123456",
        "567890",
    )
    assert (item.author_handle, item.text, item.own) == ("test_username", "Reply", False)
    assert item.created_at.isoformat() == "2024-08-07T10:33:16+00:00"


@pytest.mark.parametrize(
    ("hooks", "body"),
    [
        (FacebookWebhooks(), b"not json"),
        (FacebookWebhooks(), b"[1, 2]"),
        (FacebookWebhooks(), _body({"object": "instagram", "entry": []})),
        (ThreadsWebhooks(), _body({"values": []})),
    ],
)
def test_a_body_not_in_the_networks_format_is_invalid(hooks: Any, body: bytes) -> None:
    with pytest.raises(PayloadInvalid):
        hooks.parse(body)


def test_receivers_are_found_by_network_name() -> None:
    assert isinstance(receiver_for("facebook"), FacebookWebhooks)
    assert isinstance(receiver_for("threads"), ThreadsWebhooks)
    assert receiver_for("nowhere") is None
