"""The sandbox audience speaking on demand, and the sandbox's signed webhooks.

`say` makes someone comment, reply, mention the account or write to it now, with the
words a test or a demo chooses (the simulated audience speaks on its own schedule
otherwise). What was said is read back by polling like anything else, and can be pushed
to Orchestre as a webhook:

    POST <orchestre>/api/v1/webhooks/sandbox
    X-Sandbox-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>
    {"delivery_id": "...", "events": [{"account": "<account id>", "interaction": {...}}]}

(`interaction` in the sandbox wire format). The secret is the operator's sandbox app
secret when one is set (ORCHESTRE_SANDBOX_CLIENT_SECRET), else `SANDBOX_WEBHOOK_SECRET`:
the sandbox is a local network for demos and tests. The handshake is
`GET ...?verify_token=<token>&challenge=<text>`, answered with the text.

`inbound_routes.inbound_router` gives the sandbox server `POST /accounts/{account_id}/inbound`,
which says something and, when the server knows Orchestre's webhook address, pushes it
there. It lives apart so that this module needs no web framework (the demo and workers
import it).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

import httpx

from orchestre.connectors.base import Interaction, InteractionKind, PermanentError
from orchestre.connectors.sandbox import wire
from orchestre.connectors.sandbox.network import SandboxNetwork
from orchestre.connectors.sandbox.refusals import BASE_URL
from orchestre.connectors.webhooks import (
    PayloadInvalid,
    SignatureInvalid,
    WebhookBatch,
    WebhookEvent,
    check_prefixed_signature,
    hmac_sha256_hex,
)

log = logging.getLogger(__name__)

NETWORK = "sandbox"
SIGNATURE_HEADER = "X-Sandbox-Signature"
SANDBOX_WEBHOOK_SECRET = "sandbox-webhook-secret"  # noqa: S105 - a local test network's
STREAM_OF = {
    InteractionKind.COMMENT: "comments",
    InteractionKind.REPLY: "comments",
    InteractionKind.MENTION: "mentions",
    InteractionKind.MESSAGE: "messages",
}


def say(
    network: SandboxNetwork,
    account_id: str,
    text: str,
    *,
    kind: InteractionKind = InteractionKind.COMMENT,
    post_id: str | None = None,
    parent_id: str | None = None,
    author: str = "visitor",
    author_name: str = "",
    language: str | None = None,
    at: datetime | None = None,
) -> Interaction:
    """Someone says `text` to the account now (a comment on `post_id`, a reply to
    `parent_id`, a mention or a direct message); returns it as the network reports it."""
    with network._lock:
        acc = network._accounts.get(account_id)
        if acc is None:
            raise PermanentError(f"The sandbox knows no account {account_id!r}.", network=NETWORK)
        if parent_id is not None and kind in (InteractionKind.COMMENT, InteractionKind.REPLY):
            kind = InteractionKind.REPLY
            post_id = post_id or _post_of(network, account_id, parent_id)
        external_id = f"sbx-{next(network._serial):07d}"
        item = Interaction(
            kind=kind,
            external_id=external_id,
            author_id=f"sbx-user-{author}",
            author_handle=author,
            author_name=author_name or author,
            text=text,
            created_at=at or network.now(),
            language=language,
            post_external_id=post_id,
            parent_external_id=parent_id,
            url=f"{BASE_URL}/@{author}/{external_id}",
        )
        network._add(acc, STREAM_OF[kind], item)
        if post_id is not None and post_id in network._posts:
            network._heard_on.setdefault(post_id, []).append(external_id)
        return item


def _post_of(network: SandboxNetwork, account_id: str, parent_id: str) -> str | None:
    if parent_id in network._posts:
        return parent_id
    for item in network._accounts[account_id].streams["comments"]:
        if item.external_id == parent_id:
            return item.post_external_id
    return None


def push_body(
    account_id: str, items: Sequence[Interaction], *, delivery_id: str | None = None
) -> bytes:
    """A webhook delivery of `items` for one account, as the sandbox sends it."""
    payload = {
        "delivery_id": delivery_id or uuid.uuid4().hex,
        "events": [
            {"account": account_id, "interaction": wire.interaction_to_json(i)} for i in items
        ],
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def signed_headers(body: bytes, secret: str = SANDBOX_WEBHOOK_SECRET) -> dict[str, str]:
    return {
        SIGNATURE_HEADER: "sha256=" + hmac_sha256_hex(secret, body),
        "Content-Type": "application/json",
    }


class SandboxWebhooks:
    """The receiving side of the sandbox's webhooks (see the module docstring)."""

    network = NETWORK
    default_secret: str | None = SANDBOX_WEBHOOK_SECRET

    def handshake(self, query: Mapping[str, str], verify_token: str) -> str:
        challenge = query.get("challenge")
        if challenge is None:
            raise PayloadInvalid("A subscription check carries a challenge.")
        if query.get("verify_token") != verify_token:
            raise SignatureInvalid("The verify token is not ours.")
        return challenge

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str) -> None:
        check_prefixed_signature(headers, SIGNATURE_HEADER, "sha256=", body, secret)

    def parse(self, body: bytes) -> WebhookBatch:
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PayloadInvalid(f"The body is not JSON: {exc}") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
            raise PayloadInvalid("A sandbox delivery is an object with a list of events.")
        events, skipped = [], 0
        for entry in payload["events"]:
            try:
                account = entry["account"]
                if not isinstance(account, str) or not account:
                    raise TypeError("no account")
                events.append(
                    WebhookEvent(account, wire.interaction_from_json(entry["interaction"]))
                )
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("sandbox webhook: malformed event skipped (%s)", exc)
                skipped += 1
        delivery = payload.get("delivery_id")
        return WebhookBatch(
            events=events,
            delivery_id=str(delivery) if isinstance(delivery, str | int) else None,
            skipped=skipped,
        )


def push(
    url: str,
    account_id: str,
    items: Sequence[Interaction],
    *,
    secret: str = SANDBOX_WEBHOOK_SECRET,
    transport: httpx.BaseTransport | None = None,
) -> bool:
    """Send one signed delivery; True when Orchestre took it (2xx)."""
    body = push_body(account_id, items)
    try:
        with httpx.Client(transport=transport, timeout=10.0) as client:
            response = client.post(url, content=body, headers=signed_headers(body, secret))
    except httpx.HTTPError as exc:
        log.warning("sandbox webhook to %s failed: %s", url, exc)
        return False
    if response.status_code >= 300:
        log.warning("sandbox webhook to %s answered %s", url, response.status_code)
    return response.status_code < 300
