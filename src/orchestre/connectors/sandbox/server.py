"""The sandbox network as a local HTTP server, so publishing is exercised over real HTTP.

Failures come back the way real networks send them: 429 with `Retry-After`, 401 for a
revoked account, 404/422 with `{"error": reason}`, and an ambiguous timeout is an answer
held longer than the client waits (the work is already done by then).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response

from orchestre.connectors.base import (
    AccountRef,
    AmbiguousError,
    ConnectorError,
    CredentialError,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.sandbox import ads, public, wire
from orchestre.connectors.sandbox.connector import SandboxInstallation
from orchestre.connectors.sandbox.inbound_routes import inbound_router
from orchestre.connectors.sandbox.network import SandboxNetwork, SandboxUnavailable
from orchestre.connectors.sandbox.refusals import NETWORK

T = TypeVar("T")
JsonBody = Annotated[dict[str, Any], Body()]
STREAMS = {"comments", "mentions", "messages"}
# Longer than the shared client's read timeout (30 s), so the caller times out first.
DEFAULT_HOLD_SECONDS = 35.0


def create_sandbox_app(
    network: SandboxNetwork,
    *,
    hold_seconds: float = DEFAULT_HOLD_SECONDS,
    webhook_url: str | None = None,
) -> FastAPI:
    """An HTTP face for `network`; accounts are created on first use, no credentials.
    With `webhook_url`, what the audience says through `/inbound` is also pushed there,
    signed."""
    app = FastAPI(title="Orchestre sandbox network", docs_url=None, redoc_url=None)

    @app.exception_handler(ConnectorError)
    def refused(_request: Request, exc: Exception) -> Response:
        return _problem(exc)

    @app.get("/stats/client-refs")
    def client_refs() -> dict[str, int]:
        """Posts per client reference (duplicates show as counts above 1)."""
        return network.client_ref_counts()

    app.include_router(_account_routes(network))
    app.include_router(_writing_routes(network, hold_seconds))
    app.include_router(_ads_routes(network))
    app.include_router(_reading_routes(network))
    app.include_router(inbound_router(network, webhook_url=webhook_url))
    return app


def _account_routes(network: SandboxNetwork) -> APIRouter:
    router = APIRouter()

    @router.put("/accounts/{account_id}")
    def register(account_id: str, body: JsonBody) -> dict[str, Any]:
        network.account(account_id, str(body.get("handle", "")))
        return wire.profile_to_json(network.profile(account_id))

    @router.get("/accounts/{account_id}/profile")
    def profile(account_id: str) -> dict[str, Any]:
        return wire.profile_to_json(network.profile(account_id))

    @router.post("/accounts/{account_id}/token")
    def refresh(account_id: str) -> dict[str, Any]:
        return wire.credentials_to_json(network.refresh(account_id))

    return router


def _writing_routes(network: SandboxNetwork, hold_seconds: float) -> APIRouter:
    router = APIRouter()

    def answer(work: Callable[[], T]) -> T:
        try:
            return work()
        except AmbiguousError:
            time.sleep(hold_seconds)
            raise

    @router.post("/accounts/{account_id}/posts", status_code=201)
    def publish(account_id: str, body: JsonBody) -> dict[str, Any]:
        draft = wire.draft_from_json(body)
        return wire.ref_to_json(answer(lambda: network.publish(account_id, draft)))

    @router.get("/accounts/{account_id}/posts")
    def find(account_id: str, client_ref: str) -> Response:
        found = network.find_by_client_ref(account_id, client_ref)
        if found is None:
            return JSONResponse({"error": "No post has this client reference."}, 404)
        return JSONResponse(wire.ref_to_json(found))

    @router.delete("/accounts/{account_id}/posts/{post_id}", status_code=204)
    def delete_post(account_id: str, post_id: str) -> None:
        network.delete_post(account_id, post_id)

    @router.post("/accounts/{account_id}/replies", status_code=201)
    def reply(account_id: str, body: JsonBody) -> dict[str, Any]:
        parent, text = str(body.get("parent_id", "")), str(body.get("text", ""))
        ref = body.get("client_ref")
        return wire.ref_to_json(answer(lambda: network.reply(account_id, parent, text, ref)))

    @router.post("/accounts/{account_id}/comments/{comment_id}/visibility", status_code=204)
    def hide(account_id: str, comment_id: str, body: JsonBody) -> None:
        network.hide_comment(account_id, comment_id, bool(body.get("hidden", True)))

    @router.delete("/accounts/{account_id}/comments/{comment_id}", status_code=204)
    def delete_comment(account_id: str, comment_id: str) -> None:
        network.delete_comment(account_id, comment_id)

    @router.post("/accounts/{account_id}/likes", status_code=204)
    def like(account_id: str, body: JsonBody) -> None:
        network.like(account_id, str(body.get("id", "")))

    return router


def _ads_routes(network: SandboxNetwork) -> APIRouter:
    """The sandbox's ad platform (`ads.py`): daily results and boosts."""
    router = APIRouter()

    def installation(account_id: str) -> SandboxInstallation:
        return SandboxInstallation(AccountRef(NETWORK, account_id), network)

    @router.get("/accounts/{account_id}/ad-results")
    def ad_results(
        account_id: str,
        ad_account_id: str,
        since: date,
        until: date,
        campaign_ids: Annotated[list[str] | None, Query()] = None,
    ) -> dict[str, Any]:
        rows = installation(account_id).read_ad_results(
            ad_account_id, since, until, campaign_ids or ()
        )
        return {"results": [ads.result_to_json(r) for r in rows]}

    @router.post("/accounts/{account_id}/boosts", status_code=201)
    def boost(account_id: str, body: JsonBody) -> dict[str, Any]:
        ref = installation(account_id).boost_post(ads.boost_request_from_json(body))
        return ads.boost_ref_to_json(ref)

    return router


def _reading_routes(network: SandboxNetwork) -> APIRouter:
    router = APIRouter()

    @router.get("/accounts/{account_id}/metrics")
    def metrics(account_id: str, ids: Annotated[list[str], Query()]) -> dict[str, Any]:
        return wire.samples_to_json(network.metrics(account_id, ids))

    @router.get("/accounts/{account_id}/search")
    def search(
        account_id: str, q: str, cursor: str | None = None, limit: int = 50
    ) -> dict[str, Any]:
        return wire.posts_to_json(network.search(account_id, q, cursor=cursor, limit=limit))

    @router.get("/accounts/{account_id}/public/{handle}")
    def public_account(account_id: str, handle: str) -> dict[str, Any]:
        now = network.enter(account_id, write=False)
        return public.account_to_json(public.lookup(network.seed, handle, now))

    @router.get("/accounts/{account_id}/public/{handle}/posts")
    def public_posts(account_id: str, handle: str, limit: int = 40) -> dict[str, Any]:
        now = network.enter(account_id, write=False)
        found = public.lookup(network.seed, handle, now)
        return public.posts_to_json(public.posts(network.seed, found, now, limit))

    @router.get("/accounts/{account_id}/{stream}")
    def read(
        account_id: str,
        stream: str,
        cursor: str | None = None,
        limit: int = 100,
        post_id: str | None = None,
    ) -> Response:
        if stream not in STREAMS:
            return JSONResponse({"error": f"Unknown stream {stream!r}."}, 404)
        page = network.read(account_id, stream, cursor=cursor, limit=limit, post_id=post_id)
        return JSONResponse(wire.page_to_json(page))

    return router


def _problem(exc: Exception) -> Response:
    if isinstance(exc, SandboxUnavailable):
        return JSONResponse({"error": exc.message}, 503)
    if isinstance(exc, RetryableError):
        headers = {}
        if exc.retry_after is not None:
            headers["Retry-After"] = str(math.ceil(exc.retry_after))
        return JSONResponse({"error": exc.message}, 429, headers=headers)
    if isinstance(exc, CredentialError):
        return JSONResponse({"error": exc.message}, 401)
    if isinstance(exc, AmbiguousError):
        return JSONResponse({"error": exc.message}, 504)
    if isinstance(exc, PermanentError):
        status = 404 if exc.code == "not_found" else 422
        return JSONResponse({"error": exc.reason, "code": exc.code}, status)
    return JSONResponse({"error": str(exc)}, 500)


def serve(
    network: SandboxNetwork,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    hold_seconds: float = DEFAULT_HOLD_SECONDS,
    access_log: bool = True,
    webhook_url: str | None = None,
) -> None:
    """Run the sandbox server until interrupted (the `orchestre sandbox serve` command)."""
    import uvicorn

    app = create_sandbox_app(network, hold_seconds=hold_seconds, webhook_url=webhook_url)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=access_log)
