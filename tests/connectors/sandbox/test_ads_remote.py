"""The sandbox's ad platform over real HTTP: the same rows as in process, and boosts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from orchestre.connectors.base import (
    AccountRef,
    BoostRequest,
    BudgetKind,
    DraftPost,
    Installation,
    PermanentError,
    RetryableError,
    ad_reporting,
    boosting,
)
from orchestre.connectors.sandbox import SandboxConnector, SandboxNetwork
from orchestre.connectors.sandbox.remote import RemoteSandboxInstallation
from orchestre.kit.clock import FrozenClock
from tests.connectors.sandbox.conftest import START
from tests.connectors.sandbox.test_server import remote, server_url  # noqa: F401 (fixtures)

TODAY = START.date()


def test_results_over_http_are_the_in_process_ones(
    remote: Installation,  # noqa: F811
    sandbox: SandboxNetwork,
) -> None:
    assert isinstance(remote, RemoteSandboxInstallation)
    since = TODAY - timedelta(days=6)
    over_http = ad_reporting(remote).read_ad_results("ads-9", since, TODAY)
    account = AccountRef("sandbox", "acct-remote", "lumiere")
    in_process = SandboxConnector(sandbox).open(account)
    assert over_http == ad_reporting(in_process).read_ad_results("ads-9", since, TODAY)
    assert {r.external_campaign_id for r in over_http} == {"ads-9-1", "ads-9-2"}
    only = ad_reporting(remote).read_ad_results("ads-9", since, TODAY, ["ads-9-2"])
    assert only == [r for r in over_http if r.external_campaign_id == "ads-9-2"]


def test_a_boost_over_http_delivers_and_faults_come_back_typed(
    remote: Installation,  # noqa: F811
    sandbox: SandboxNetwork,
    sandbox_clock: FrozenClock,
) -> None:
    post = remote.publish(DraftPost(text="Galette des rois", client_ref="boost-1"))
    asked = BoostRequest(
        post.external_id, "ads-9", Decimal("12.30"), "EUR", 2, START, BudgetKind.DAILY, True
    )
    ref = boosting(remote).boost_post(asked)
    assert (ref.external_campaign_id, ref.active) == ("ads-9-boost-1", True)
    assert ref.ends_at == START + timedelta(days=2)
    sandbox_clock.advance(days=3)
    rows = ad_reporting(remote).read_ad_results(
        "ads-9", TODAY, TODAY + timedelta(days=3), [ref.external_campaign_id]
    )
    assert rows
    assert {r.day for r in rows} <= {TODAY + timedelta(days=n) for n in range(3)}
    with pytest.raises(PermanentError):
        boosting(remote).boost_post(BoostRequest("nope", "ads-9", Decimal(5), "EUR", 1, START))
    sandbox.fail_next(RetryableError("slow down", retry_after=30, network="sandbox"))
    with pytest.raises(RetryableError) as caught:
        ad_reporting(remote).read_ad_results("ads-9", TODAY, TODAY)
    assert caught.value.retry_after == 30
