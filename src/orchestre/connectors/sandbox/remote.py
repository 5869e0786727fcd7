"""A sandbox account reached over HTTP (`orchestre sandbox serve`), through the shared client."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

import httpx

from orchestre.connectors.base import (
    AccountProfile,
    AccountRef,
    AdResult,
    BoostRef,
    BoostRequest,
    CredentialError,
    Credentials,
    DraftPost,
    InteractionPage,
    MetricSample,
    PermanentError,
    PostPage,
    PublicAccount,
    PublicAccountPost,
    PublishedRef,
)
from orchestre.connectors.http import make_client, send
from orchestre.connectors.sandbox import ads, public, wire
from orchestre.connectors.sandbox.refusals import NETWORK

UNKNOWN_ACCOUNT = "knows no account"
_lock = threading.Lock()
# Each thread has its own clients: one pool shared by dozens of sending threads spent
# more CPU finding a free connection (httpcore scans every connection and every waiting
# request under one lock, on each request and each response closed) than the requests.
_local = threading.local()
_shared: weakref.WeakSet[httpx.Client] = weakref.WeakSet()


def _shared_client(base_url: str, timeout: httpx.Timeout | None) -> httpx.Client:
    clients: dict[tuple[str, str], httpx.Client] | None = getattr(_local, "clients", None)
    if clients is None:
        clients = _local.clients = {}
    key = (base_url, repr(timeout))
    client = clients.get(key)
    if client is None:
        client = make_client(base_url=base_url, timeout=timeout)
        clients[key] = client
        with _lock:
            _shared.add(client)
    return client


def timeout_from(extra: Mapping[str, str]) -> httpx.Timeout | None:
    """A sandbox account may ask for a shorter read timeout (`extra["timeout"]`, seconds),
    so tests see an ambiguous answer without waiting the real 30 s."""
    raw = extra.get("timeout")
    if not raw:
        return None
    seconds = float(raw)
    return httpx.Timeout(connect=min(5.0, seconds), read=seconds, write=seconds, pool=seconds)


class RemoteSandboxInstallation:
    """The same calls as the in-process installation, as HTTP requests to a sandbox server."""

    def __init__(
        self,
        account: AccountRef,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | None = None,
    ) -> None:
        self._account = account
        self._path = f"/accounts/{quote(account.external_id, safe='')}"
        self._registration = {"handle": account.handle}
        # No registration up front: the account is registered when the server first says
        # it knows no such account (a new or restarted server), so opening an installation
        # for each publication costs no request. One client per server, timeout and thread,
        # unless a transport is given (tests).
        if transport is not None:
            self._client = make_client(base_url=base_url, transport=transport, timeout=timeout)
        else:
            self._client = _shared_client(base_url, timeout)

    @property
    def account(self) -> AccountRef:
        return self._account

    def close(self) -> None:
        if self._client not in _shared:
            self._client.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = send(self._client, method, self._path + path, network=NETWORK, **kwargs)
        except CredentialError as exc:
            # The server does not know the account yet (or forgot it on a restart): it
            # refused before doing anything, so register and ask again, once.
            if path == "" or UNKNOWN_ACCOUNT not in exc.message:
                raise
            send(self._client, "PUT", self._path, network=NETWORK, json=self._registration)
            response = send(self._client, method, self._path + path, network=NETWORK, **kwargs)
        return response.json() if response.content else None

    def profile(self) -> AccountProfile:
        return wire.profile_from_json(self._call("GET", "/profile"))

    def refresh_credentials(self) -> Credentials:
        return wire.credentials_from_json(self._call("POST", "/token", idempotent=True))

    def publish(self, draft: DraftPost) -> PublishedRef:
        body = self._call(
            "POST", "/posts", json=wire.draft_to_json(draft), client_ref=draft.client_ref
        )
        return wire.ref_from_json(body)

    def find_by_client_ref(self, client_ref: str) -> PublishedRef | None:
        try:
            body = self._call("GET", "/posts", params={"client_ref": client_ref})
        except PermanentError as exc:
            if exc.code == "404":
                return None
            raise
        return wire.ref_from_json(body)

    def find_by_fingerprint(self, draft: DraftPost, since: datetime) -> PublishedRef | None:
        # The server keeps client references (find_by_client_ref answers), so it is
        # never asked by content; the in-process sandbox tests that path.
        raise PermanentError(
            "The sandbox server lists no posts by content; it is asked by client reference.",
            network=NETWORK,
            code="unverifiable",
        )

    def delete_post(self, external_id: str) -> None:
        self._call("DELETE", f"/posts/{quote(external_id, safe='')}")

    def reply(
        self, parent_external_id: str, text: str, *, client_ref: str | None = None
    ) -> PublishedRef:
        body = {"parent_id": parent_external_id, "text": text, "client_ref": client_ref}
        return wire.ref_from_json(self._call("POST", "/replies", json=body, client_ref=client_ref))

    def hide_comment(self, external_id: str, hidden: bool = True) -> None:
        path = f"/comments/{quote(external_id, safe='')}/visibility"
        self._call("POST", path, json={"hidden": hidden}, idempotent=True)

    def delete_comment(self, external_id: str) -> None:
        self._call("DELETE", f"/comments/{quote(external_id, safe='')}")

    def like(self, external_id: str) -> None:
        self._call("POST", "/likes", json={"id": external_id}, idempotent=True)

    def _read(self, stream: str, **params: Any) -> InteractionPage:
        query = {k: v for k, v in params.items() if v is not None}
        return wire.page_from_json(self._call("GET", f"/{stream}", params=query))

    def read_comments(
        self, post_external_id: str | None = None, *, cursor: str | None = None, limit: int = 100
    ) -> InteractionPage:
        return self._read("comments", cursor=cursor, limit=limit, post_id=post_external_id)

    def read_mentions(self, *, cursor: str | None = None, limit: int = 100) -> InteractionPage:
        return self._read("mentions", cursor=cursor, limit=limit)

    def read_messages(self, *, cursor: str | None = None, limit: int = 100) -> InteractionPage:
        return self._read("messages", cursor=cursor, limit=limit)

    def read_metrics(self, external_ids: Sequence[str]) -> list[MetricSample]:
        if not external_ids:
            return []
        return wire.samples_from_json(
            self._call("GET", "/metrics", params={"ids": list(external_ids)})
        )

    def read_account_metrics(self) -> list[MetricSample]:
        return self.read_metrics([self._account.external_id])

    def read_ad_results(
        self, ad_account_id: str, since: date, until: date, campaign_ids: Sequence[str] = ()
    ) -> list[AdResult]:
        params: dict[str, Any] = {
            "ad_account_id": ad_account_id,
            "since": since.isoformat(),
            "until": until.isoformat(),
        }
        if campaign_ids:
            params["campaign_ids"] = list(campaign_ids)
        body = self._call("GET", "/ad-results", params=params)
        return [ads.result_from_json(row) for row in body["results"]]

    def boost_post(self, request: BoostRequest) -> BoostRef:
        body = self._call("POST", "/boosts", json=ads.boost_request_to_json(request))
        return ads.boost_ref_from_json(body)

    def search(self, query: str, *, cursor: str | None = None, limit: int = 50) -> PostPage:
        params = {"q": query, "limit": limit, **({"cursor": cursor} if cursor else {})}
        return wire.posts_from_json(self._call("GET", "/search", params=params))

    def lookup_account(self, handle: str) -> PublicAccount:
        try:
            body = self._call("GET", "/public/" + quote(public.normalise(handle), safe=""))
        except PermanentError as exc:  # the server's 404 names no account by that handle
            code = "not_found" if exc.code == "404" else exc.code
            raise PermanentError(exc.reason, network=NETWORK, code=code) from exc
        return public.account_from_json(body)

    def read_account_posts(
        self, account: PublicAccount, *, limit: int = 40
    ) -> list[PublicAccountPost]:
        path = "/public/" + quote(account.handle, safe="") + "/posts"
        return public.posts_from_json(self._call("GET", path, params={"limit": limit}))
