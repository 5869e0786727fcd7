"""The webhook receiver's routes: networks push here, without a session or token; the
signature is the authentication (see inbox/webhooks.py for every answer)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from orchestre.apischema import problems
from orchestre.channels.apps import access_for
from orchestre.config import Settings
from orchestre.deps import get_session_factory, get_settings
from orchestre.inbox import webhooks
from orchestre.inbox.webhook_batching import WebhookBatcher
from orchestre.kit.db import transaction

router = APIRouter(tags=["webhooks"])
_BATCHER_LOCK = threading.Lock()
# Longer than any group takes to store; a network retries what we do not answer.
STORE_TIMEOUT = 60.0
# A new app secret takes effect within this many seconds.
SECRET_TTL = 30.0


def _receivers(request: Request) -> Mapping[str, Any] | None:
    # Tests and embedding applications may give their own receivers.
    found = getattr(request.app.state, "webhook_receivers", None)
    return found if isinstance(found, Mapping) else None


def _batcher(request: Request) -> WebhookBatcher:
    state = request.app.state
    with _BATCHER_LOCK:
        batcher = getattr(state, "webhook_batcher", None)
        if not isinstance(batcher, WebhookBatcher):
            batcher = WebhookBatcher(
                get_session_factory(request),
                classifier=getattr(state, "inbox_classifier", None),
            )
            state.webhook_batcher = batcher
    return batcher


def _secret(request: Request, settings: Settings, hook: Any) -> str:
    """The network app's secret, remembered for `SECRET_TTL`: checking a delivery then
    needs no database transaction (on SQLite, one would queue behind the writer)."""
    cache = getattr(request.app.state, "webhook_secrets", None)
    if not isinstance(cache, dict):
        cache = request.app.state.webhook_secrets = {}
    now = time.monotonic()
    found = cache.get(hook.network)
    if found is not None and found[1] > now:
        return str(found[0])
    with transaction(get_session_factory(request)) as session:
        secret = webhooks.secret_of(session, access_for(settings, request.app.state), hook)
    cache[hook.network] = (secret, now + SECRET_TTL)
    return secret


def _max_bytes(settings: Settings) -> int:
    return min(settings.inbox_webhook_max_bytes, settings.max_json_bytes)


class WebhookAccepted(BaseModel):
    """What became of a delivery: taken (or a replay ignored) and what it held."""

    status: Literal["accepted", "duplicate"]
    ingested: int
    channels: int
    unknown_accounts: int
    skipped: int


@router.get(
    "/webhooks/{network}",
    response_class=PlainTextResponse,
    summary="Answer a network's webhook subscription check",
    responses=problems(400, 403, 404, in_workspace=False),
)
def webhook_handshake(network: str, request: Request) -> str:
    """Echo the challenge when the verify token is ours (Meta: hub.mode=subscribe,
    hub.verify_token, hub.challenge)."""
    settings = get_settings(request)
    hook = webhooks.receiver(network, _receivers(request))
    with transaction(get_session_factory(request)) as session:
        return webhooks.handshake(
            session,
            access_for(settings, request.app.state),
            settings,
            hook,
            dict(request.query_params),
        )


@router.post(
    "/webhooks/{network}",
    summary="Receive a network's webhook delivery",
    response_model=WebhookAccepted,
    responses=problems(400, 401, 403, 404, 413, in_workspace=False),
)
async def webhook_receive(network: str, request: Request) -> WebhookAccepted:
    """Verified against the network app's secret, replays ignored (200, `duplicate`),
    then the interactions ingested for the channels they name."""
    settings = get_settings(request)
    hook = webhooks.receiver(network, _receivers(request))
    # The raw bytes: the signature covers them exactly as sent.
    body = await request.body()
    headers = {name.lower(): value for name, value in request.headers.items()}

    def check() -> webhooks.Delivery:
        secret = _secret(request, settings, hook)
        return webhooks.check_signed(hook, headers, body, secret, _max_bytes(settings))

    delivery = await run_in_threadpool(check)
    # Stored with the deliveries arriving meanwhile; answered once committed. The request
    # waits on the event loop, not in one of the server's threads: a thread held per
    # delivery capped the deliveries in flight (and so each group) at the pool's size,
    # and starved every other route of threads while groups committed.
    stored = asyncio.wrap_future(_batcher(request).submit(delivery))
    # Shielded: a timeout or a client gone leaves the group to finish without this one.
    outcome = await asyncio.wait_for(asyncio.shield(stored), STORE_TIMEOUT)
    return WebhookAccepted.model_validate(outcome.as_dict())
