"""The write path of campaign results: upsert per source, validation, workspace scoping."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.analytics import repository
from orchestre.analytics.repository import Filters, Span
from orchestre.campaigns.results import RecordSummary, ResultRow, record_results
from orchestre.errors import Invalid
from orchestre.models import CampaignResult
from tests.analytics.kpi_support import make_shop

D1, D2 = date(2030, 3, 1), date(2030, 3, 2)


def _spend(db: Session, campaign_id: object) -> list[tuple[date, str, str, float | None]]:
    rows = db.execute(
        select(CampaignResult.day, CampaignResult.channel_key, CampaignResult.source,
               CampaignResult.spend)
        .where(CampaignResult.campaign_id == campaign_id)
        .order_by(CampaignResult.day, CampaignResult.source, CampaignResult.channel_key)
    )  # fmt: skip
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_reimport_replaces_the_days_figures_never_doubles_them(db: Session) -> None:
    shop = make_shop(db)
    spring = shop.campaign()
    ws = shop.workspace.id
    first = [
        ResultRow(spring.id, D1, spend=10.0, clicks=5),
        ResultRow(spring.id, D2, spend=20.0),
        ResultRow(spring.id, D2, channel_id=shop.channel.id, spend=12.5),
    ]
    assert record_results(db, ws, first, "csv") == RecordSummary(inserted=3)
    again = [first[0], ResultRow(spring.id, D2, spend=25.0), first[2]]
    assert record_results(db, ws, again, "csv") == RecordSummary(updated=1, unchanged=2)
    # Another source keeps its own row for the same day.
    assert record_results(db, ws, [ResultRow(spring.id, D1, spend=3.0)], "webhook").inserted == 1
    assert _spend(db, spring.id) == [
        (D1, "", "csv", 10.0),
        (D1, "", "webhook", 3.0),
        (D2, "", "csv", 25.0),
        (D2, str(shop.channel.id), "csv", 12.5),
    ]
    filters = Filters(campaign_id=spring.id)
    span = Span(datetime(2030, 3, 1, tzinfo=UTC), datetime(2030, 3, 3, tzinfo=UTC), D1, D2, "UTC")
    sums = repository.campaign_sums(db, ws, span, filters)
    assert sums[()].spend.total == pytest.approx(38.0)


def test_bad_rows_are_refused_with_row_and_rule_and_nothing_written(db: Session) -> None:
    shop, other = make_shop(db), make_shop(db)
    mine, theirs = shop.campaign(), other.campaign()
    rows = [
        ResultRow(mine.id, D1, spend=1.0),
        ResultRow(mine.id, D1, spend=-4.0, currency="eur"),
        ResultRow(theirs.id, D1, spend=1.0),
        ResultRow(mine.id, D2, channel_id=other.channel.id, revenue=float("inf")),
        ResultRow(mine.id, D1, spend=2.0),
    ]
    with pytest.raises(Invalid) as refused:
        record_results(db, shop.workspace.id, rows, "csv")
    assert {(e.field, e.rule) for e in refused.value.errors} == {
        ("rows[1].spend", "min"),
        ("rows[1].currency", "iso4217"),
        ("rows[1]", "unique"),
        ("rows[2].campaign", "exists"),
        ("rows[3].channel", "exists"),
        ("rows[3].revenue", "finite"),
        ("rows[4]", "unique"),
    }
    assert _spend(db, mine.id) == []
    with pytest.raises(Invalid) as bad_source:
        record_results(db, shop.workspace.id, [rows[0]], "Not a source!")
    assert [e.rule for e in bad_source.value.errors] == ["pattern"]


def test_empty_batch_records_nothing(db: Session) -> None:
    shop = make_shop(db)
    assert record_results(db, shop.workspace.id, [], "csv") == RecordSummary()


def test_each_source_states_its_attribution_window(db: Session) -> None:
    from orchestre.campaigns.budgets import Source, result_sources

    shop = make_shop(db)
    spring = shop.campaign()
    ws = shop.workspace.id
    record_results(db, ws, [ResultRow(spring.id, D1, spend=1.0, attribution="7d_click")], "meta")
    record_results(db, ws, [ResultRow(spring.id, D2, revenue=5.0)], "webhook")
    assert result_sources(db, shop.actor("analyst"), spring.id) == [
        Source("meta", "7d_click", D1, D1),
        Source("webhook", "", D2, D2),
    ]
    with pytest.raises(Invalid):
        record_results(db, ws, [ResultRow(spring.id, D1, attribution="x" * 65)], "meta")
