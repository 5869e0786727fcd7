"""Campaign results from CSV: French and English headers, decimal commas, rejected lines."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.campaigns.results import RecordSummary
from orchestre.campaigns.results_import import header_column, import_results, parse_number
from orchestre.errors import Forbidden, Invalid
from orchestre.models import CampaignResult
from tests.analytics.kpi_support import make_shop


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("1 234,56", 1234.56),
        ("1\u202f234,56 €", 1234.56),
        ("1,234.56", 1234.56),
        ("1.234,5", 1234.5),
        ("12,5", 12.5),
        ("1,234,567", 1234567.0),
        ("42", 42.0),
        ("", None),
    ],
)
def test_numbers_in_either_notation(cell: str, value: float | None) -> None:
    assert parse_number(cell) == value


def test_headers_in_english_and_french() -> None:
    assert [
        header_column(h)
        for h in ("Date", "Campagne", "Dépenses (EUR)", "Chiffre d'affaires", "Clics", "Devise")
    ] == ["date", "campaign", "spend", "revenue", "clicks", "currency"]
    assert header_column("Notes") is None


def _rows(db: Session, campaign_id: object) -> list[tuple[date, str, float | None, str]]:
    query = (
        select(
            CampaignResult.day,
            CampaignResult.channel_key,
            CampaignResult.spend,
            CampaignResult.currency,
        )
        .where(CampaignResult.campaign_id == campaign_id)
        .order_by(CampaignResult.day, CampaignResult.channel_key)
    )
    return [(r[0], r[1], r[2], r[3]) for r in db.execute(query)]


def test_french_file_good_lines_recorded_bad_lines_reported(db: Session) -> None:
    shop = make_shop(db)
    spring = shop.campaign("Printemps")
    handle = shop.channel.handle
    data = (
        "Date;Campagne;Canal;Dépenses;Chiffre d'affaires;Conversions;Clics;Devise\n"
        "01/03/2030;printemps;;1 234,56;2 000;10;300;\n"
        f"02/03/2030;Printemps;{handle};12,5;;;;eur\n"
        "03/03/2030;Automne;;5;;;;\n"
        "31/02/2030;Printemps;;5;;;;\n"
        "04/03/2030;Printemps;;-3;;;;\n"
        "05/03/2030;Printemps;;abc;;;;EURO\n"
        "01/03/2030;Printemps;;9;;;;\n"
    ).encode()
    report = import_results(db, shop.actor(), data)
    assert report.rows == 7
    assert report.recorded == RecordSummary(inserted=2)
    assert [(e.row, e.column, e.rule) for e in report.rejected] == [
        (4, "campaign", "exists"),
        (5, "date", "date"),
        (6, "spend", "min"),
        (7, "spend", "number"),
        (8, "line", "unique"),
    ]
    assert report.rejected_rows == 5
    assert _rows(db, spring.id) == [
        (date(2030, 3, 1), "", 1234.56, "EUR"),
        (date(2030, 3, 2), str(shop.channel.id), 12.5, "EUR"),
    ]


def test_reimport_replaces_and_english_headers_work(db: Session) -> None:
    shop = make_shop(db)
    spring = shop.campaign("Spring")
    first = b"date,campaign,spend,impressions\n2030-03-01,Spring,10.5,1000\n"
    assert import_results(db, shop.actor(), first).recorded == RecordSummary(inserted=1)
    assert import_results(db, shop.actor(), first).recorded == RecordSummary(unchanged=1)
    by_id = f"date,campaign,spend\n2030-03-01,{spring.id},11\n".encode()
    assert import_results(db, shop.actor(), by_id).recorded == RecordSummary(updated=1)
    assert _rows(db, spring.id) == [(date(2030, 3, 1), "", 11.0, "EUR")]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "csv_empty"),
        (b"\xff\xfe\x00garbage", "csv_not_utf8"),
        (b"spend,clicks\n1,2\n", "csv_columns_missing"),
    ],
)
def test_an_unreadable_file_writes_nothing(db: Session, data: bytes, code: str) -> None:
    shop = make_shop(db)
    spring = shop.campaign("Spring")
    with pytest.raises(Invalid) as refused:
        import_results(db, shop.actor(), data)
    assert refused.value.code == code
    assert _rows(db, spring.id) == []


def test_only_campaign_managers_import(db: Session) -> None:
    shop = make_shop(db)
    with pytest.raises(Forbidden):
        import_results(db, shop.actor("analyst"), b"date,campaign\n")
