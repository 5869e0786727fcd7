"""The sandbox's ad platform: seeded daily results, the same on every read, and boosts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from orchestre.connectors.base import (
    AccountRef,
    BoostRequest,
    CredentialError,
    DraftPost,
    Installation,
    PermanentError,
    RetryableError,
    ad_reporting,
    boosting,
)
from orchestre.connectors.sandbox import SandboxConnector, SandboxNetwork
from orchestre.kit.clock import FrozenClock
from tests.connectors.sandbox.conftest import START

TODAY = START.date()


def test_results_are_seeded_and_the_same_on_every_read(
    brand: Installation, sandbox: SandboxNetwork
) -> None:
    reader = ad_reporting(brand)
    rows = reader.read_ad_results("ads-1", TODAY - timedelta(days=13), TODAY)
    assert rows == reader.read_ad_results("ads-1", TODAY - timedelta(days=13), TODAY)
    campaigns = {r.external_campaign_id for r in rows}
    assert campaigns == {"ads-1-1", "ads-1-2"}
    # 28 campaign-days less the ones without delivery (about one in ten).
    assert 20 <= len(rows) < 28
    for row in rows:
        assert row.currency == "EUR"
        assert row.spend == row.spend.quantize(Decimal("0.01"))
        assert 0 < row.clicks < row.impressions
        assert row.revenue is not None
        assert (row.revenue > 0) == (row.conversions > 0)
    other = SandboxNetwork(seed=8, clock=FrozenClock(START))
    elsewhere = SandboxConnector(other).open(AccountRef("sandbox", "acct-lumiere", "lumiere"))
    assert ad_reporting(elsewhere).read_ad_results("ads-1", TODAY - timedelta(13), TODAY) != rows


def test_no_figures_after_today(brand: Installation) -> None:
    rows = ad_reporting(brand).read_ad_results(
        "ads-1", TODAY - timedelta(days=1), TODAY + timedelta(days=5), ["ads-1-1"]
    )
    assert {r.day for r in rows} <= {TODAY - timedelta(days=1), TODAY}
    assert {r.external_campaign_id for r in rows} <= {"ads-1-1"}


def test_a_boost_adds_a_campaign_that_delivers_from_its_start(
    brand: Installation, sandbox_clock: FrozenClock
) -> None:
    post = brand.publish(DraftPost(text="Nouvelle fournée ce matin"))
    ref = boosting(brand).boost_post(
        BoostRequest(post.external_id, "ads-1", Decimal(30), "eur", 3, START)
    )
    assert ref.external_campaign_id == "ads-1-boost-1"
    assert not ref.active
    assert ref.ends_at == START + timedelta(days=3)
    sandbox_clock.advance(days=10)
    rows = ad_reporting(brand).read_ad_results(
        "ads-1", TODAY - timedelta(days=5), TODAY + timedelta(days=10)
    )
    boosted = [r for r in rows if r.external_campaign_id == ref.external_campaign_id]
    assert boosted
    assert {r.day for r in boosted} <= {TODAY + timedelta(days=n) for n in range(4)}
    assert {r.currency for r in boosted} == {"EUR"}


def test_a_boost_of_an_unknown_post_or_without_budget_is_refused(brand: Installation) -> None:
    with pytest.raises(PermanentError):
        boosting(brand).boost_post(BoostRequest("nope", "ads-1", Decimal(30), "EUR", 3, START))
    post = brand.publish(DraftPost(text="Pain de seigle"))
    with pytest.raises(PermanentError, match="positive budget"):
        boosting(brand).boost_post(
            BoostRequest(post.external_id, "ads-1", Decimal(0), "EUR", 3, START)
        )


def test_faults_reach_the_reader(brand: Installation, sandbox: SandboxNetwork) -> None:
    sandbox.fail_next(RetryableError("slow down", retry_after=12, network="sandbox"))
    with pytest.raises(RetryableError):
        ad_reporting(brand).read_ad_results("ads-1", TODAY, TODAY)
    sandbox.revoke("acct-lumiere")
    with pytest.raises(CredentialError):
        ad_reporting(brand).read_ad_results("ads-1", TODAY, TODAY)


def test_day_results_do_not_depend_on_the_range_asked(brand: Installation) -> None:
    reader = ad_reporting(brand)
    wide = reader.read_ad_results("ads-1", date(2030, 3, 1), TODAY)
    narrow = reader.read_ad_results("ads-1", date(2030, 3, 10), date(2030, 3, 10))
    assert narrow == [r for r in wide if r.day == date(2030, 3, 10)]
