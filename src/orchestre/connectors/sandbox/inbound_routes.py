"""The sandbox server's route for making its audience speak (see sandbox/inbound.py)."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Body

from orchestre.connectors.base import InteractionKind
from orchestre.connectors.sandbox import wire
from orchestre.connectors.sandbox.inbound import SANDBOX_WEBHOOK_SECRET, push, say
from orchestre.connectors.sandbox.network import SandboxNetwork

JsonBody = Annotated[dict[str, Any], Body()]


def inbound_router(
    network: SandboxNetwork,
    *,
    webhook_url: str | None = None,
    secret: str = SANDBOX_WEBHOOK_SECRET,
    transport: httpx.BaseTransport | None = None,
) -> APIRouter:
    """`POST /accounts/{account_id}/inbound` {text, kind?, post_id?, parent_id?, author?,
    language?}: the audience says it now; pushed to `webhook_url` when given (a failed
    push is logged: polling finds the message anyway)."""
    router = APIRouter()

    @router.post("/accounts/{account_id}/inbound", status_code=201)
    def inbound(account_id: str, body: JsonBody) -> dict[str, Any]:
        item = say(
            network,
            account_id,
            str(body.get("text", "")),
            kind=InteractionKind(str(body.get("kind", "comment"))),
            post_id=_opt(body.get("post_id")),
            parent_id=_opt(body.get("parent_id")),
            author=str(body.get("author") or "visitor"),
            language=_opt(body.get("language")),
        )
        pushed = False
        if webhook_url:
            pushed = push(webhook_url, account_id, [item], secret=secret, transport=transport)
        return {"interaction": wire.interaction_to_json(item), "pushed": pushed}

    return router


def _opt(value: object) -> str | None:
    return str(value) if value not in (None, "") else None
