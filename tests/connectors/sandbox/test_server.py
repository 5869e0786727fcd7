"""The sandbox over real HTTP on 127.0.0.1: the connector speaks to it through the shared client."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from orchestre.connectors.base import (
    AccountRef,
    AmbiguousError,
    CredentialError,
    DraftPost,
    Installation,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.sandbox import SandboxConnector, SandboxNetwork
from orchestre.connectors.sandbox.remote import RemoteSandboxInstallation
from orchestre.connectors.sandbox.server import create_sandbox_app
from orchestre.kit.clock import FrozenClock

HOLD_SECONDS = 1.0


@pytest.fixture
def server_url(sandbox: SandboxNetwork) -> Iterator[str]:
    app = create_sandbox_app(sandbox, hold_seconds=HOLD_SECONDS)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the sandbox server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def remote(server_url: str) -> Installation:
    account = AccountRef("sandbox", "acct-remote", handle="lumiere", base_url=server_url)
    return SandboxConnector().open(account)


def test_publish_read_and_answer_over_http(
    sandbox_clock: FrozenClock, remote: Installation
) -> None:
    assert isinstance(remote, RemoteSandboxInstallation)
    ref = remote.publish(
        DraftPost(text="Bonjour", thread=["Suite"], first_comment="Lien", client_ref="v-1")
    )
    assert len(ref.parts) == 1
    assert remote.find_by_client_ref("v-1") == ref
    assert remote.find_by_client_ref("v-none") is None
    sandbox_clock.advance(days=1)
    page = remote.read_comments(ref.external_id, limit=500)
    others = [i for i in page.items if not i.own]
    assert others
    answer = remote.reply(others[0].external_id, "Merci !")
    remote.hide_comment(others[-1].external_id)
    remote.like(others[0].external_id)
    after = {i.external_id: i for i in remote.read_comments(ref.external_id, limit=500).items}
    assert after[answer.external_id].own
    assert after[others[-1].external_id].hidden
    remote.delete_comment(others[0].external_id)
    metrics = {s.metric: s.value for s in remote.read_metrics([ref.external_id])}
    assert metrics["impressions"] > 0
    assert remote.read_mentions().items
    assert remote.read_messages().items
    assert [p.external_id for p in remote.search("bonjour").items] == [ref.external_id]
    assert remote.profile().handle == "lumiere"
    assert remote.refresh_credentials().access_token
    remote.delete_post(ref.external_id)
    assert remote.find_by_client_ref("v-1") is None


def test_refusals_come_back_as_the_same_typed_errors(
    sandbox: SandboxNetwork, remote: Installation
) -> None:
    with pytest.raises(PermanentError, match="the sandbox allows 500"):
        remote.publish(DraftPost(text="a" * 501))
    with pytest.raises(PermanentError, match="no comment"):
        remote.hide_comment("sbx-unknown")
    sandbox.fail_next(RetryableError("busy", retry_after=12.5))
    with pytest.raises(RetryableError) as caught:
        remote.publish(DraftPost(text="x"))
    assert caught.value.retry_after == 13
    sandbox.revoke("acct-remote")
    with pytest.raises(CredentialError):
        remote.publish(DraftPost(text="x"))


def test_an_ambiguous_timeout_over_http_is_reconciled(
    sandbox: SandboxNetwork, server_url: str
) -> None:
    account = AccountRef("sandbox", "acct-slow", handle="slow")
    remote = RemoteSandboxInstallation(
        account, server_url, timeout=httpx.Timeout(5.0, read=HOLD_SECONDS / 4)
    )
    sandbox.time_out_next()
    with pytest.raises(AmbiguousError) as caught:
        remote.publish(DraftPost(text="Peut-être", client_ref="v-amb"))
    assert caught.value.client_ref == "v-amb"
    assert remote.find_by_client_ref("v-amb") is not None
    remote.close()


def test_an_account_the_server_does_not_know_is_registered_on_first_use(
    sandbox: SandboxNetwork, server_url: str
) -> None:
    """Opening an installation asks nothing; the server's first "no such account" (a new
    or restarted server) registers it and the call is made again, once, and only once."""
    account = AccountRef("sandbox", "acct-new", handle="nouveau", base_url=server_url)
    installation = SandboxConnector().open(account)
    with pytest.raises(CredentialError, match="knows no account"):
        sandbox.profile("acct-new")
    ref = installation.publish(DraftPost(text="Premier", client_ref="v-first"))
    assert sandbox.profile("acct-new").handle == "nouveau"
    assert installation.find_by_client_ref("v-first") == ref
    assert [p.external_id for p in installation.search("premier").items] == [ref.external_id]
