"""ASGI middleware: refuse oversize bodies and NUL characters in addresses before routing."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orchestre.config import Settings


class BodySizeLimit:
    """413 for a body over the limit: max_upload_bytes for uploads, max_json_bytes otherwise.

    The limits are read from the application's settings (`app.state.settings`) at each
    request, so the middleware holds no configuration of its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def _limit(self, scope: Scope) -> int:
        settings: Settings = scope["app"].state.settings
        headers = dict(scope.get("headers") or [])
        ctype = headers.get(b"content-type", b"").decode("latin-1")
        if ctype.startswith("multipart/form-data"):
            return settings.max_upload_bytes
        return settings.max_json_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _nul_in_url(scope):
            await _send_problem(
                scope,
                send,
                400,
                "nul_character",
                "The address contains the NUL character (%00); remove it.",
            )
            return
        limit = self._limit(scope)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(scope, send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await _too_large(scope, send, limit)


class _BodyTooLarge(Exception):
    pass


def _nul_in_url(scope: Scope) -> bool:
    # PostgreSQL cannot store or compare text holding U+0000, and no address needs it.
    query: bytes = scope.get("query_string", b"")
    return "\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    detail = f"The request body is larger than the limit of {limit} bytes."
    await _send_problem(scope, send, 413, "payload_too_large", detail, {"limit": limit})


async def _send_problem(
    scope: Scope,
    send: Send,
    status: int,
    code: str,
    detail: str,
    extra: dict[str, Any] | None = None,
) -> None:
    body: dict[str, Any] = {
        "type": f"/api/problems/{code}",
        "title": {400: "Bad request", 413: "Too large"}.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": scope.get("path", ""),
        "code": code,
        **(extra or {}),
    }
    raw = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(raw)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": raw})
