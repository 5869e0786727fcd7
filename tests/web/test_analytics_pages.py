"""The analytics dashboard: KPI cards with the previous period and coverage, "not available"
never shown as zero, the period switch, filters, the grouped table's links, CSV links that
answer with the same figures, goals (form for analytics.manage only), French, and 403 for a
role without analytics.view."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.kit.clock import utcnow
from orchestre.models import User, Workspace
from orchestre.models.analytics import KpiGoal
from orchestre.web.views import analytics as analytics_views
from orchestre.workspaces.permissions import MATRIX, Permission, Role
from tests.analytics.kpi_support import Shop
from tests.factories import add_member, make_channel, make_member, make_user
from tests.web.conftest import HTML, csrf_of, open_session


@pytest.fixture
def shop(db: Session, owner: User, workspace: Workspace) -> Shop:
    return Shop(db, workspace, owner, make_channel(db, workspace, handle="@acme"))


def _page(client: TestClient, workspace: Workspace, query: str = "", status: int = 200) -> str:
    response = client.get(f"/w/{workspace.id}/analytics{query}", headers=HTML)
    assert response.status_code == status, response.text[:2000]
    return response.text


def _card(html: str, kpi: str) -> str:
    match = re.search(rf'data-testid="kpi-{kpi}".*?</article>', html, re.S)
    assert match, f"no card for {kpi}"
    return match.group(0)


def _value(html: str, kpi: str) -> str:
    match = re.search(r'data-testid="kpi-value">([^<]*)<', _card(html, kpi))
    assert match
    return match.group(1).strip()


def _csv_link(html: str, name: str) -> str:
    match = re.search(rf'href="([^"]+)" download data-testid="csv-{name}"', html)
    assert match, f"no CSV link for {name}"
    return match.group(1).replace("&amp;", "&")


def test_the_cards_show_the_figures_with_the_previous_period_and_coverage(
    signed_in: TestClient, shop: Shop, workspace: Workspace
) -> None:
    now = utcnow()
    shop.post(now - timedelta(days=3), likes=40, comments=10, reach=1000, impressions=2000)
    shop.post(now - timedelta(days=4), likes=5, impressions=100)  # reports no reach
    # The previous 30 days: reach 500, so reach went up by 100 %.
    shop.post(now - timedelta(days=40), likes=10, reach=500, impressions=600)

    html = _page(signed_in, workspace)

    assert _value(html, "reach") == "1,000"
    assert _value(html, "engagement_rate_reach") == "5.0%"  # 50 / 1000
    assert _value(html, "posts") == "2"
    reach = _card(html, "reach")
    assert "+100.0%" in reach
    assert "analytics-good" in reach
    assert "↑" in reach
    assert "Previous period: 500" in reach
    assert "1 of 2 posts report reach" in reach
    assert "2 of 2 posts report impressions" in _card(html, "impressions")
    # The chart data the browser draws is embedded, with the series of each card's KPI.
    assert '"heatmap"' in html
    assert '"reach":[' in html
    assert "vendor/echarts/echarts.min.js" in html
    assert "lang-fr.js" not in html


def test_a_figure_nobody_reported_is_not_available_never_zero(
    signed_in: TestClient, shop: Shop, workspace: Workspace
) -> None:
    html = _page(signed_in, workspace)
    for kpi in ("engagement_rate_reach", "reach", "impressions", "ctr"):
        assert _value(html, kpi) == "Not available"
    assert _value(html, "posts") == "0"
    assert "No published post in this period" in html

    shop.post(utcnow() - timedelta(days=2), likes=3)  # a post that reports no reach
    html = _page(signed_in, workspace)
    assert _value(html, "engagement_rate_reach") == "Not available"
    assert _value(html, "reach") == "Not available"
    assert _value(html, "engagement") == "3"


def test_switching_the_period_and_the_basis_changes_the_figures(
    signed_in: TestClient, shop: Shop, workspace: Workspace
) -> None:
    now = utcnow()
    shop.post(now - timedelta(days=2), likes=10, reach=100, impressions=400)
    shop.post(now - timedelta(days=20), likes=10, reach=300, impressions=400)

    assert _value(_page(signed_in, workspace), "reach") == "400"
    assert _value(_page(signed_in, workspace, "?period=last_7_days"), "reach") == "100"
    html = _page(signed_in, workspace, "?period=last_7_days&basis=impressions")
    assert _value(html, "engagement_rate_impressions") == "2.5%"  # 10 / 400
    assert 'data-testid="kpi-engagement_rate_reach"' not in html

    # A custom period: the day of the older post only, in the workspace's zone.
    older = (now - timedelta(days=20)).astimezone(ZoneInfo(workspace.timezone)).date()
    html = _page(signed_in, workspace, f"?period=custom&start={older}&end={older}")
    assert _value(html, "reach") == "300"
    assert 'value="custom" selected' in html


def test_a_bad_custom_period_says_why_and_shows_the_last_30_days(
    signed_in: TestClient, shop: Shop, workspace: Workspace
) -> None:
    html = _page(signed_in, workspace, "?period=custom&start=2026-03-10&end=2026-03-01")
    assert 'data-testid="period-error"' in html
    shown = re.search(r'data-testid="period-text">([^<]*)', html)
    assert shown
    assert "Last 30 days" in shown.group(1)

    html = _page(signed_in, workspace, "?period=nonsense&channel_id=not-an-id&post_format=gif")
    assert 'data-testid="period-error"' in html


def test_filters_and_group_rows_open_the_page_for_one_channel(
    signed_in: TestClient, db: Session, shop: Shop, workspace: Workspace
) -> None:
    other = make_channel(db, workspace, handle="@other")
    now = utcnow()
    shop.post(now - timedelta(days=2), likes=10, reach=100)
    shop.post(now - timedelta(days=2), channel=other, likes=10, reach=900)

    html = _page(signed_in, workspace)
    assert _value(html, "reach") == "1,000"
    links = re.findall(r'data-testid="group-row">\s*<th scope="row"><a href="([^"]+)"', html)
    assert len(links) == 2
    first = links[0].replace("&amp;", "&")
    # Best first on the engagement rate: 10 / 100 before 10 / 900.
    assert parse_qs(urlparse(first).query)["channel_id"] == [str(shop.channel.id)]
    filtered = signed_in.get(first, headers=HTML).text
    assert _value(filtered, "reach") == "100"
    assert _value(_page(signed_in, workspace, f"?channel_id={other.id}"), "reach") == "900"

    by_format = _page(signed_in, workspace, "?group_by=format")
    assert "By format" in by_format
    assert "Text" in by_format


def test_the_grouped_table_shows_the_best_rows_and_says_how_many_there_are(
    signed_in: TestClient,
    db: Session,
    shop: Shop,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = make_channel(db, workspace, handle="@other")
    now = utcnow()
    shop.post(now - timedelta(days=2), likes=10, reach=100)
    shop.post(now - timedelta(days=2), channel=other, likes=10, reach=900)
    monkeypatch.setattr(analytics_views, "GROUP_ROWS", 1)
    html = _page(signed_in, workspace)
    links = re.findall(r'data-testid="group-row">\s*<th scope="row"><a href="([^"]+)"', html)
    assert len(links) == 1
    assert str(shop.channel.id) in links[0]  # the best engagement rate
    assert "The first 1 of 2; the CSV holds them all." in html
    assert _value(html, "reach") == "1,000"  # the cards count every channel
    monkeypatch.setattr(analytics_views, "GROUP_ROWS", 2)
    assert 'data-testid="hidden-groups"' not in _page(signed_in, workspace)


def test_paid_results_show_when_the_selection_has_campaign_results(
    signed_in: TestClient, shop: Shop, workspace: Workspace
) -> None:
    shop.post(utcnow() - timedelta(days=2), likes=10, reach=100)
    assert 'data-testid="paid-results"' not in _page(signed_in, workspace)
    spring = shop.campaign()
    today = utcnow().date()
    shop.result(spring, today - timedelta(days=3), spend=200, revenue=500, clicks=400)
    shop.result(spring, today - timedelta(days=4), spend=100, revenue=100, clicks=200)
    html = _page(signed_in, workspace)
    assert 'data-testid="paid-results"' in html
    assert _value(html, "spend") == "300.00"
    assert _value(html, "cpc") == "0.50"
    assert _value(html, "roas") == "200.0%"
    assert _value(html, "cpa") == "Not available"  # no conversions reported
    link = _csv_link(html, "paid")
    assert parse_qs(urlparse(link).query)["kpis"] == [
        "spend,revenue,conversions,cpc,cpm,cpa,roi,roas"
    ]
    # A cut paid results do not have (a format): no paid cards rather than wrong ones.
    assert 'data-testid="paid-results"' not in _page(signed_in, workspace, "?post_format=image")
    usa = shop.campaign("Launch USA")
    shop.result(usa, today - timedelta(days=3), spend=50, currency="USD")
    mixed = _page(signed_in, workspace)
    assert _value(mixed, "spend") == "Not available"
    assert "more than one currency" in _card(mixed, "spend")
    assert _value(_page(signed_in, workspace, f"?campaign_id={usa.id}"), "spend") == "50.00"


def test_each_csv_link_answers_the_same_figures_as_the_page(
    signed_in: TestClient, shop: Shop, workspace: Workspace
) -> None:
    now = utcnow()
    shop.post(now - timedelta(days=2), likes=10, reach=100)
    shop.post(now - timedelta(days=20), likes=10, reach=300)
    html = _page(signed_in, workspace, "?period=last_7_days")

    link = _csv_link(html, "kpis")
    assert parse_qs(urlparse(link).query)["period"] == ["last_7_days"]
    response = signed_in.get(link)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    reach = next(row for row in rows[1:] if "reach" in row)
    assert float(reach[header.index("value")]) == 100

    for name in ("series", "heatmap", "formats", "top", "bottom", "groups"):
        assert signed_in.get(_csv_link(html, name)).status_code == 200, name


def test_goals_are_added_shown_with_progress_and_deleted(
    signed_in: TestClient, db: Session, shop: Shop, workspace: Workspace
) -> None:
    shop.post(utcnow() - timedelta(days=1), likes=10, reach=100)
    html = _page(signed_in, workspace)
    assert 'data-testid="goal-form"' in html
    token = csrf_of(html)
    today = utcnow().date()
    form = {
        "csrf_token": token,
        "kpi": "reach",
        "scope": f"channel:{shop.channel.id}",
        "period_start": (today - timedelta(days=10)).isoformat(),
        "period_end": (today + timedelta(days=10)).isoformat(),
        "target": "1000",
    }

    refused = signed_in.post(f"/w/{workspace.id}/analytics/goals", data={**form, "target": "lots"})
    assert refused.status_code == 422
    assert "The target is a number." in refused.text
    assert db.scalars(select(KpiGoal)).all() == []

    added = signed_in.post(f"/w/{workspace.id}/analytics/goals", data=form, follow_redirects=False)
    assert added.status_code == 303
    html = _page(signed_in, workspace, "?done=goal_added")
    assert "Goal added." in html
    goal = re.search(r'data-testid="goal">.*?</div>\s*</div>', html, re.S)
    assert goal
    assert "Reach" in goal.group(0)
    assert (shop.channel.display_name or shop.channel.handle) in goal.group(0)
    assert "Target: 1,000" in goal.group(0)
    assert 'aria-valuenow="10"' in html  # 100 of 1000

    [saved] = db.scalars(select(KpiGoal)).all()
    assert saved.channel_id == shop.channel.id
    deleted = signed_in.post(
        f"/w/{workspace.id}/analytics/goals/{saved.id}/delete",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    assert db.scalars(select(KpiGoal)).all() == []


def test_the_goal_form_is_only_for_people_who_manage_analytics(
    client: TestClient, db: Session, settings: Settings, workspace: Workspace
) -> None:
    creator = make_member(db, workspace, "content_creator")
    open_session(client, db, settings, creator)
    html = _page(client, workspace)
    assert 'data-testid="goal-form"' not in html
    token = csrf_of(html)
    refused = client.post(
        f"/w/{workspace.id}/analytics/goals",
        data={
            "csrf_token": token,
            "kpi": "reach",
            "target": "1",
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
        },
        headers=HTML,
    )
    assert refused.status_code == 403
    assert db.scalars(select(KpiGoal)).all() == []


def test_a_role_without_analytics_view_gets_403(
    client: TestClient,
    db: Session,
    settings: Settings,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(MATRIX, Role.REVIEWER, MATRIX[Role.REVIEWER] - {Permission.ANALYTICS_VIEW})
    reviewer = make_member(db, workspace, "reviewer")
    open_session(client, db, settings, reviewer)
    html = _page(client, workspace, status=403)
    assert 'data-testid="analytics-not-allowed"' in html
    assert 'data-testid="kpi-reach"' not in html


def test_the_page_in_french(
    client: TestClient, db: Session, settings: Settings, workspace: Workspace
) -> None:
    french = make_user(db, name="Léa", locale="fr")
    add_member(db, workspace, french, "owner")
    shop = Shop(db, workspace, french, make_channel(db, workspace))
    shop.post(utcnow() - timedelta(days=2), likes=45, reach=1000, impressions=1500)
    open_session(client, db, settings, french)

    html = _page(client, workspace)
    assert _value(html, "engagement_rate_reach") == "4,5\xa0%"
    assert _value(html, "reach") == "1\u202f000"
    assert "Taux d’engagement (sur la portée)" in html
    assert "30 derniers jours" in html
    assert "vendor/echarts/lang-fr.js" in html
    assert '"locale":"fr"' in html
