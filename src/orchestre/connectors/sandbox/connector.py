"""The `sandbox` connector: every capability, on the in-process simulated network."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

import httpx

from orchestre.connectors.base import (
    AccountProfile,
    AccountRef,
    AppCredentials,
    Capability,
    Credentials,
    DraftPost,
    Installation,
    InteractionPage,
    MetricSample,
    PostPage,
    PublicAccount,
    PublicAccountPost,
    PublishedRef,
)
from orchestre.connectors.fingerprint import CLOCK_SKEW, reconcile
from orchestre.connectors.sandbox import public
from orchestre.connectors.sandbox.ads import SandboxAds
from orchestre.connectors.sandbox.network import SandboxNetwork
from orchestre.connectors.sandbox.refusals import NETWORK
from orchestre.connectors.sandbox.remote import RemoteSandboxInstallation, timeout_from

_shared: SandboxNetwork | None = None
_shared_lock = threading.Lock()


def shared_network() -> SandboxNetwork:
    """The process's sandbox (seed 0, the product clock): what the demo and the app use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SandboxNetwork(seed=0)
        return _shared


def use_network(network: SandboxNetwork | None) -> SandboxNetwork | None:
    """Replace the process's sandbox (tests); returns the previous one to restore."""
    global _shared
    with _shared_lock:
        previous, _shared = _shared, network
    return previous


class SandboxConnector:
    """Stateless: which network and what it can do; `open` binds an account to a network."""

    network = NETWORK
    capabilities = frozenset(Capability)

    def __init__(self, sandbox: SandboxNetwork | None = None) -> None:
        self._sandbox = sandbox

    def open(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> Installation:
        """In process, unless the account names a sandbox server (`base_url`) to reach over
        HTTP, or a transport stands in for one."""
        if account.base_url or transport is not None:
            base_url = account.base_url or "http://sandbox.invalid"
            timeout = timeout_from(account.credentials.extra)
            return RemoteSandboxInstallation(
                account, base_url, transport=transport, timeout=timeout
            )
        sandbox = self._sandbox or shared_network()
        sandbox.account(account.external_id, account.handle)
        return SandboxInstallation(account, sandbox)


class SandboxInstallation(SandboxAds):
    """One sandbox account; each method is the network call of the same name."""

    def __init__(self, account: AccountRef, sandbox: SandboxNetwork) -> None:
        self._account = account
        self._sandbox = sandbox
        self._id = account.external_id

    @property
    def account(self) -> AccountRef:
        return self._account

    def profile(self) -> AccountProfile:
        return self._sandbox.profile(self._id)

    def refresh_credentials(self) -> Credentials:
        return self._sandbox.refresh(self._id)

    def publish(self, draft: DraftPost) -> PublishedRef:
        return self._sandbox.publish(self._id, draft)

    def find_by_client_ref(self, client_ref: str) -> PublishedRef | None:
        return self._sandbox.find_by_client_ref(self._id, client_ref)

    def find_by_fingerprint(self, draft: DraftPost, since: datetime) -> PublishedRef | None:
        listing = self._sandbox.list_posts(self._id, since - CLOCK_SKEW)
        settle = timedelta(seconds=self._sandbox.faults.listing_delay_seconds)
        now = self._sandbox.now()
        return reconcile(draft, since, listing, network=NETWORK, now=now, settle=settle)

    def delete_post(self, external_id: str) -> None:
        self._sandbox.delete_post(self._id, external_id)

    def reply(
        self, parent_external_id: str, text: str, *, client_ref: str | None = None
    ) -> PublishedRef:
        return self._sandbox.reply(self._id, parent_external_id, text, client_ref)

    def hide_comment(self, external_id: str, hidden: bool = True) -> None:
        self._sandbox.hide_comment(self._id, external_id, hidden)

    def delete_comment(self, external_id: str) -> None:
        self._sandbox.delete_comment(self._id, external_id)

    def like(self, external_id: str) -> None:
        self._sandbox.like(self._id, external_id)

    def read_comments(
        self, post_external_id: str | None = None, *, cursor: str | None = None, limit: int = 100
    ) -> InteractionPage:
        return self._sandbox.read(
            self._id, "comments", cursor=cursor, limit=limit, post_id=post_external_id
        )

    def read_mentions(self, *, cursor: str | None = None, limit: int = 100) -> InteractionPage:
        return self._sandbox.read(self._id, "mentions", cursor=cursor, limit=limit)

    def read_messages(self, *, cursor: str | None = None, limit: int = 100) -> InteractionPage:
        return self._sandbox.read(self._id, "messages", cursor=cursor, limit=limit)

    def read_metrics(self, external_ids: Sequence[str]) -> list[MetricSample]:
        return self._sandbox.metrics(self._id, external_ids)

    def read_account_metrics(self) -> list[MetricSample]:
        return self._sandbox.metrics(self._id, [self._id])

    def lookup_account(self, handle: str) -> PublicAccount:
        now = self._sandbox.enter(self._id, write=False)
        return public.lookup(self._sandbox.seed, handle, now)

    def read_account_posts(
        self, account: PublicAccount, *, limit: int = 40
    ) -> list[PublicAccountPost]:
        now = self._sandbox.enter(self._id, write=False)
        return public.posts(self._sandbox.seed, account, now, limit)

    def search(self, query: str, *, cursor: str | None = None, limit: int = 50) -> PostPage:
        return self._sandbox.search(self._id, query, cursor=cursor, limit=limit)
