"""The campaigns API end to end: set a plan, import spend as CSV, read the pacing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.analytics.kpi_support import make_shop
from tests.factories import bearer, make_token


def test_plan_import_and_pacing(client: TestClient, db: Session) -> None:
    shop = make_shop(db, timezone="UTC")  # the clock says 2030-03-15 09:00 UTC
    spring = shop.campaign("Spring")
    auth = bearer(make_token(db, shop.workspace, shop.owner))
    base = f"/api/v1/workspaces/{shop.workspace.id}"
    plan = {
        "objective": "traffic",
        "budgets": [
            {"amount": 300, "starts_on": "2030-03-01", "ends_on": "2030-03-30"},
            {
                "amount": 100,
                "starts_on": "2030-03-01",
                "ends_on": "2030-03-30",
                "channel_id": str(shop.channel.id),
            },
        ],
    }
    answer = client.put(f"{base}/campaigns/{spring.id}/plan", json=plan, headers=auth)
    assert answer.status_code == 200, answer.text
    assert answer.json()["objective"] == "traffic"
    assert [b["amount"] for b in answer.json()["budgets"]] == [300, 100]
    csv = "date;campagne;dépenses\n" + "".join(
        f"{day:02d}/03/2030;Spring;20,00\n" for day in range(1, 15)
    )
    files = {"file": ("spend.csv", csv.encode(), "text/csv")}
    answer = client.post(f"{base}/campaign-results/import", files=files, headers=auth)
    assert answer.status_code == 200, answer.text
    assert answer.json()["recorded"] == {"inserted": 14, "updated": 0, "unchanged": 0}
    answer = client.get(f"{base}/campaigns/{spring.id}/pacing", headers=auth)
    pacing = answer.json()
    # Whole-campaign flight: 10 a day; 14 days passed: planned 140, spent 280.
    assert (pacing["as_of"], pacing["planned"], pacing["actual"]) == ("2030-03-14", 140, 280)
    assert (pacing["status"], pacing["pace"], pacing["alert"]) == ("ahead", 2, "over")
    assert pacing["projected"] == 280 + 20 * 16
    assert pacing["series"][13] == {"day": "2030-03-14", "planned": 140, "actual": 280}
    assert pacing["series"][14]["actual"] is None
    bad = {"objective": "fame", "budgets": []}
    refused = client.put(f"{base}/campaigns/{spring.id}/plan", json=bad, headers=auth)
    assert refused.status_code == 422
