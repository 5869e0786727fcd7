"""Meta's webhooks for Facebook Pages, Instagram professional accounts and Threads.

Every delivery is signed: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body
with the app secret>`. The subscription check is a GET with `hub.mode=subscribe`,
`hub.verify_token` (ours) and `hub.challenge` (echoed back).

What is read (Meta's documented payloads):

- Facebook (`object: page`): `entry[].changes[]` of field `feed` with `item: comment`,
  `verb: add` (a comment, or a reply when `parent_id` is not the post), field `mention`
  (the Page mentioned in a post or comment), and `entry[].messaging[]` (Messenger);
- Instagram (`object: instagram`): fields `comments` and `live_comments` (the comment's
  id, text, author and media), `mentions` (ids only: the mentions stream is polled at
  once instead), and `entry[].messaging[]`;
- Threads (`topic`, `target_id`, `values: {field, value}`): fields `replies` (a reply
  with its `root_post` and `replied_to`) and `mentions`.

Edits, removals and other fields are counted as skipped; a malformed change is skipped
and logged, never failing the delivery.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from orchestre.connectors.base import Interaction, InteractionKind
from orchestre.connectors.meta.graph import parse_time
from orchestre.connectors.webhooks import (
    PayloadInvalid,
    SignatureInvalid,
    WebhookBatch,
    WebhookEvent,
    check_prefixed_signature,
)
from orchestre.kit.clock import utcnow

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
Json = Mapping[str, Any]
# What one change gives: an event, a (account, stream) to poll, or nothing (skipped).
Found = WebhookEvent | tuple[str, str] | None


class MetaWebhooks:
    """Signature and handshake are Meta's for all three networks; parsing is each one's."""

    network = ""
    default_secret: str | None = None

    def handshake(self, query: Mapping[str, str], verify_token: str) -> str:
        challenge = query.get("hub.challenge")
        if query.get("hub.mode") != "subscribe" or challenge is None:
            raise PayloadInvalid(
                "A Meta subscription check has hub.mode=subscribe and a challenge."
            )
        if query.get("hub.verify_token") != verify_token:
            raise SignatureInvalid("The hub.verify_token is not ours.")
        return challenge

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str) -> None:
        check_prefixed_signature(headers, SIGNATURE_HEADER, "sha256=", body, secret)

    def parse(self, body: bytes) -> WebhookBatch:
        payload = _json(body)
        events: list[WebhookEvent] = []
        hints: set[tuple[str, str]] = set()
        skipped = 0
        for found in self._changes(payload):
            if isinstance(found, WebhookEvent):
                events.append(found)
            elif found is None:
                skipped += 1
            else:
                hints.add(found)
        return WebhookBatch(events=events, poll_hints=frozenset(hints), skipped=skipped)

    def _changes(self, payload: Json) -> Iterator[Found]:
        raise NotImplementedError

    def _entries(self, payload: Json, expected: str) -> list[Json]:
        if payload.get("object") != expected or not isinstance(payload.get("entry"), list):
            raise PayloadInvalid(f"A {self.network} delivery has object={expected} and entries.")
        return [e for e in payload["entry"] if isinstance(e, Mapping)]


class FacebookWebhooks(MetaWebhooks):
    network = "facebook"

    def _changes(self, payload: Json) -> Iterator[Found]:
        for entry in self._entries(payload, "page"):
            page = str(entry.get("id") or "")
            for change in entry.get("changes") or ():
                yield _safely(self.network, self._change, page, change)
            for message in entry.get("messaging") or ():
                yield _safely(self.network, _messenger, page, message)

    def _change(self, page: str, change: Json) -> Found:
        value = change.get("value") or {}
        field = change.get("field")
        if field == "feed" and value.get("item") == "comment" and value.get("verb") == "add":
            post = str(value["post_id"])
            parent = str(value.get("parent_id") or post)
            author = value.get("from") or {}
            return WebhookEvent(
                page,
                Interaction(
                    kind=InteractionKind.COMMENT if parent == post else InteractionKind.REPLY,
                    external_id=str(value["comment_id"]),
                    author_id=str(author.get("id") or ""),
                    author_handle=str(author.get("name") or ""),
                    author_name=str(author.get("name") or ""),
                    text=str(value.get("message") or ""),
                    created_at=_when(value.get("created_time")),
                    post_external_id=post,
                    parent_external_id=None if parent == post else parent,
                    own=str(author.get("id") or "") == page,
                ),
            )
        if field == "mention" and value.get("verb") == "add":
            if not value.get("message"):
                return (page, "mentions")
            external_id = str(value.get("comment_id") or value["post_id"])
            return WebhookEvent(
                page,
                Interaction(
                    kind=InteractionKind.MENTION,
                    external_id=external_id,
                    author_id=str(value.get("sender_id") or ""),
                    author_handle=str(value.get("sender_name") or ""),
                    author_name=str(value.get("sender_name") or ""),
                    text=str(value["message"]),
                    created_at=_when(value.get("created_time")),
                    post_external_id=str(value["post_id"]),
                ),
            )
        return None


class InstagramWebhooks(MetaWebhooks):
    network = "instagram"

    def _changes(self, payload: Json) -> Iterator[Found]:
        for entry in self._entries(payload, "instagram"):
            account = str(entry.get("id") or "")
            when = entry.get("time")
            changes = list(entry.get("changes") or ())
            if "field" in entry and "value" in entry:  # Business Login puts one change inline
                changes.append({"field": entry["field"], "value": entry["value"]})
            for change in changes:
                yield _safely(self.network, self._change, account, when, change)
            for message in entry.get("messaging") or ():
                yield _safely(self.network, _messenger, account, message)

    def _change(self, account: str, when: Any, change: Json) -> Found:
        value = change.get("value") or {}
        field = change.get("field")
        if field in ("comments", "live_comments"):
            author = value.get("from") or {}
            parent = value.get("parent_id")
            media = value.get("media") or {}
            return WebhookEvent(
                account,
                Interaction(
                    kind=InteractionKind.REPLY if parent else InteractionKind.COMMENT,
                    external_id=str(value["id"]),
                    author_id=str(author.get("id") or author.get("username") or ""),
                    author_handle=str(author.get("username") or ""),
                    text=str(value.get("text") or ""),
                    created_at=_when(value.get("timestamp") or when),
                    post_external_id=str(media["id"]) if media.get("id") else None,
                    parent_external_id=str(parent) if parent else None,
                    own=str(author.get("id") or "") == account,
                ),
            )
        if field == "mentions":
            # Mentions come as ids only; the mentions stream reads their content.
            return (account, "mentions")
        return None


class ThreadsWebhooks(MetaWebhooks):
    network = "threads"

    def _changes(self, payload: Json) -> Iterator[Found]:
        values = payload.get("values")
        if "target_id" not in payload or not isinstance(values, Mapping | list):
            raise PayloadInvalid("A Threads delivery has a target_id and values.")
        target = str(payload["target_id"])
        for change in [values] if isinstance(values, Mapping) else values:
            yield _safely(self.network, self._change, target, change)

    def _change(self, target: str, change: Json) -> Found:
        value = change.get("value") or {}
        field = change.get("field")
        if field not in ("replies", "mentions"):
            return None
        username = str(value.get("username") or "")
        root = value.get("root_post") or {}
        replied_to = (value.get("replied_to") or {}).get("id")
        post = str(root.get("id")) if root.get("id") else None
        if field == "replies":
            account = str(root.get("owner_id") or target)
            parent = str(replied_to) if replied_to and str(replied_to) != post else None
            kind = InteractionKind.REPLY if parent else InteractionKind.COMMENT
            own = bool(username) and username == root.get("username")
        else:
            account, parent, kind, own = target, None, InteractionKind.MENTION, False
        return WebhookEvent(
            account,
            Interaction(
                kind=kind,
                external_id=str(value["id"]),
                # Threads names the author by username only.
                author_id=username,
                author_handle=username,
                text=str(value.get("text") or ""),
                created_at=_when(value.get("timestamp")),
                post_external_id=post if field == "replies" else None,
                parent_external_id=parent,
                url=value.get("permalink"),
                own=own,
            ),
        )


def _messenger(account: str, event: Json) -> Found:
    """A direct message to the account (Messenger or Instagram messaging). Our own
    messages come back as echoes naming no thread: the inbox has them already (sent from
    there) or reads them by polling, so they are skipped."""
    message = event.get("message")
    if not isinstance(message, Mapping) or "mid" not in message:
        return None  # reads, deliveries, reactions, postbacks
    sender = str((event.get("sender") or {}).get("id") or "")
    if message.get("is_echo") or sender == account:
        return None
    return WebhookEvent(
        account,
        Interaction(
            kind=InteractionKind.MESSAGE,
            external_id=str(message["mid"]),
            author_id=sender,
            author_handle=sender,
            text=str(message.get("text") or ""),
            created_at=_when_ms(event.get("timestamp")),
        ),
    )


def _safely(network: str, read: Callable[..., Found], *args: Any) -> Found:
    try:
        return read(*args)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        kind = type(exc).__name__
        log.warning("%s webhook: malformed change skipped (%s: %s)", network, kind, exc)
        return None


def _json(body: bytes) -> Json:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadInvalid(f"The body is not JSON: {exc}") from exc
    if not isinstance(payload, Mapping):
        raise PayloadInvalid("A Meta delivery is a JSON object.")
    return payload


def _when(value: Any) -> datetime:
    return parse_time(value) if value not in (None, "") else utcnow()


def _when_ms(value: Any) -> datetime:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, UTC)
    return _when(value)
