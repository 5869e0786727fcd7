"""The campaign pages: create a campaign with a budget, import spend, read its pacing, paid
cards with each source's window, budgets by channel, and the campaign report button."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.campaigns.results import ResultRow, record_results
from orchestre.delivery.webhooks import signature
from orchestre.kit.clock import FrozenClock
from orchestre.models import Campaign, Report, User, Workspace
from tests.factories import add_member, make_channel, make_member, make_user
from tests.web.conftest import csrf_of, open_session


def _create(signed_in: TestClient, workspace: Workspace, **more: str) -> str:
    page = signed_in.get(f"/w/{workspace.id}/campaigns")
    assert page.status_code == 200
    form = {
        "csrf_token": csrf_of(page.text),
        "name": "Spring sale",
        "objective": "sales",
        "starts_on": "2030-03-01",
        "ends_on": "2030-03-30",
        "budget": "3 000,00",
        "currency": "EUR",
        **more,
    }
    answer = signed_in.post(f"/w/{workspace.id}/campaigns", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"].partition("?")[0]


def test_create_import_and_see_pacing(
    signed_in: TestClient, db: Session, workspace: Workspace
) -> None:
    location = _create(signed_in, workspace)
    page = signed_in.get(location)
    assert page.status_code == 200
    assert 'data-pace="behind"' in page.text  # nothing spent yet, 14 days planned
    lines = "".join(f"{d:02d}/03/2030;Spring sale;150,00\n" for d in range(1, 15))
    data = ("date;campagne;dépenses\n" + lines + "15/03/2030;Nope;1\n").encode()
    answer = signed_in.post(
        location + "/import",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": ("spend.csv", data, "text/csv")},
    )
    assert answer.status_code == 200
    assert "15 lines read" in answer.text
    assert "14 new days recorded" in answer.text
    assert re.search(r'data-row="16".*No campaign of this name or id here', answer.text, re.S)
    # 100 a day planned over 30 days; 14 days passed (the clock says 15 March): 1,400
    # planned, 2,100 spent: 150 % of plan, ahead, heading for an overspend.
    assert 'data-pace="ahead"' in answer.text
    assert 'data-testid="pacing-planned">1,400.00<' in answer.text
    assert 'data-testid="pacing-actual">2,100.00<' in answer.text
    assert 'data-testid="pacing-pace">150 %<' in answer.text
    assert 'data-testid="pacing-alert"' in answer.text
    assert 'data-kpi="roas"' in answer.text
    assert "CSV import" in answer.text
    assert "Not stated by the source" in answer.text
    csv_file = signed_in.get(location + "/pacing.csv")
    assert csv_file.text.splitlines()[14] == "2030-03-14,1400.0,2100.0"
    listing = signed_in.get(f"/w/{workspace.id}/campaigns")
    assert "Spring sale" in listing.text
    assert 'data-pace="ahead"' in listing.text


def test_budgets_by_channel_and_the_report_button(
    signed_in: TestClient, db: Session, workspace: Workspace
) -> None:
    channel = make_channel(db, workspace, handle="@acme")
    location = _create(signed_in, workspace, budget="")
    campaign = db.scalars(select(Campaign).where(Campaign.workspace_id == workspace.id)).one()
    page = signed_in.get(location)
    assert 'data-pace="no_plan"' in page.text
    form = {
        "csrf_token": csrf_of(page.text),
        "objective": "traffic",
        "channel_id": [str(channel.id), ""],
        "amount": ["600", ""],
        "starts_on": ["2030-03-01", "2030-03-01"],
        "ends_on": ["2030-03-30", "2030-03-30"],
    }
    answer = signed_in.post(location + "/plan", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    record_results(
        db,
        workspace.id,
        [ResultRow(campaign.id, day=d, channel_id=channel.id, spend=20.0) for d in
         [campaign.starts_on.replace(day=n) for n in range(1, 15)]],  # type: ignore[union-attr]
        "meta",
    )  # fmt: skip
    page = signed_in.get(location)
    assert 'data-pace="on_track"' in page.text  # 20 a day as planned
    assert 'data-testid="objective">Traffic<' in page.text
    row = (
        r"Brand \d+</td>\s*<td>2030-03-01 – 2030-03-30</td>\s*<td>600.00</td>"
        r"\s*<td>280.00</td>\s*<td><span [^>]*data-pace=\"on_track\""
    )
    assert re.search(row, page.text)
    bad = {**form, "amount": ["-5", ""]}
    refused = signed_in.post(location + "/plan", data=bad)
    assert refused.status_code == 422
    answer = signed_in.post(
        location + "/report", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert answer.status_code == 303
    report = db.scalars(select(Report).where(Report.workspace_id == workspace.id)).one()
    assert report.filters == {"campaign_id": str(campaign.id)}
    kpis = report.blocks[0]["kpis"]
    assert isinstance(kpis, list)
    assert kpis[:3] == ["spend", "revenue", "conversions"]


def test_readers_see_pacing_but_no_forms(
    client: TestClient, db: Session, settings: object, workspace: Workspace, owner: User
) -> None:
    campaign = Campaign(workspace_id=workspace.id, name="Quiet", budget=100.0)
    db.add(campaign)
    db.flush()
    reader = make_member(db, workspace, "reviewer")
    client.headers.update({"Accept": "text/html"})
    open_session(client, db, settings, reader)  # type: ignore[arg-type]
    page = client.get(f"/w/{workspace.id}/campaigns/{campaign.id}")
    assert page.status_code == 200
    assert 'data-testid="plan-form"' not in page.text
    assert 'data-testid="results-import"' not in page.text
    listing = client.get(f"/w/{workspace.id}/campaigns")
    assert 'data-testid="campaign-form"' not in listing.text


def test_the_page_speaks_french(
    client: TestClient, db: Session, settings: object, workspace: Workspace
) -> None:
    campaign = Campaign(workspace_id=workspace.id, name="Soldes", objective="sales")
    db.add(campaign)
    db.flush()
    reader = make_user(db, locale="fr")
    add_member(db, workspace, reader, "owner")
    client.headers.update({"Accept": "text/html"})
    open_session(client, db, settings, reader)  # type: ignore[arg-type]
    page = client.get(f"/w/{workspace.id}/campaigns/{campaign.id}")
    assert "Rythme de dépense" in page.text
    assert 'data-testid="objective">Ventes<' in page.text
    assert "Pas de budget prévu" in page.text


def test_the_webhook_secret_is_shown_once_and_signs(
    signed_in: TestClient, db: Session, workspace: Workspace, clock: FrozenClock
) -> None:
    campaign = Campaign(workspace_id=workspace.id, name="Shop", utm_campaign="shop")
    db.add(campaign)
    db.flush()
    page = signed_in.get(f"/w/{workspace.id}/campaigns")
    assert f"/api/v1/hooks/campaign-results/{workspace.id}" in page.text
    made = signed_in.post(
        f"/w/{workspace.id}/campaigns/hook-secret", data={"csrf_token": csrf_of(page.text)}
    )
    found = re.search(r'data-testid="hook-secret">(whsec_[^<]+)<', made.text)
    assert found
    secret = found.group(1)
    again = signed_in.get(f"/w/{workspace.id}/campaigns")
    assert secret not in again.text
    assert f"The current secret starts with {secret[:10]}" in again.text
    body = b'{"rows": [{"date": "2030-03-01", "campaign": "shop", "revenue": 42}]}'
    at = int(clock.now().timestamp())
    sent = signed_in.post(
        f"/api/v1/hooks/campaign-results/{workspace.id}",
        content=body,
        headers={"Orchestre-Signature": signature(secret, at, body)},
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["recorded"]["inserted"] == 1
