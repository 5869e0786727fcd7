"""The signed campaign results webhook: signature, clock tolerance, replays, rows recorded."""

from __future__ import annotations

import json
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.delivery.webhooks import signature
from orchestre.kit.clock import FrozenClock
from orchestre.models import AuditEntry, CampaignHookSecret, CampaignResult
from tests.analytics.kpi_support import Shop, make_shop
from tests.factories import bearer, make_token


def _secret(client: TestClient, db: Session, shop: Shop) -> str:
    token = make_token(db, shop.workspace, shop.owner)
    url = f"/api/v1/workspaces/{shop.workspace.id}/campaign-results/hook-secret"
    answer = client.post(url, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    assert answer.json()["url"].endswith(f"/api/v1/hooks/campaign-results/{shop.workspace.id}")
    secret: str = answer.json()["secret"]
    return secret


def _send(
    client: TestClient, shop: Shop, secret: str, body: bytes, at: int
) -> tuple[int, dict[str, object]]:
    answer = client.post(
        f"/api/v1/hooks/campaign-results/{shop.workspace.id}",
        content=body,
        headers={"Orchestre-Signature": signature(secret, at, body)},
    )
    return answer.status_code, answer.json()


def _revenue(db: Session) -> list[tuple[date, str, float | None, float | None]]:
    query = select(
        CampaignResult.day, CampaignResult.source, CampaignResult.revenue, CampaignResult.spend
    ).order_by(CampaignResult.day)
    return [(r[0], r[1], r[2], r[3]) for r in db.execute(query)]


def _currencies(db: Session) -> list[str]:
    query = select(CampaignResult.currency).order_by(CampaignResult.day)
    return list(db.scalars(query))


def test_signed_rows_are_recorded_once_and_replays_ignored(
    client: TestClient, db: Session, clock: FrozenClock
) -> None:
    shop = make_shop(db)
    spring = shop.campaign("Spring")
    spring.utm_campaign = "spring-2030"
    spring.currency = "USD"  # what a row that names no currency is counted in
    secret = _secret(client, db, shop)
    now = int(clock.now().timestamp())
    body = json.dumps(
        {
            "rows": [
                {"date": "2030-03-01", "campaign": "spring-2030", "revenue": 120.5},
                {"date": "2030-03-02", "campaign": str(spring.id), "conversions": 2},
            ]
        }
    ).encode()
    status, answer = _send(client, shop, secret, body, now)
    assert status == 200, answer
    assert answer == {
        "duplicate": False,
        "recorded": {"inserted": 2, "updated": 0, "unchanged": 0},
    }
    assert _send(client, shop, secret, body, now) == (
        200,
        {"duplicate": True, "recorded": {"inserted": 0, "updated": 0, "unchanged": 0}},
    )
    # The same day sent again later, with another figure, replaces the day's figures.
    later = json.dumps(
        {"rows": [{"date": "2030-03-01", "campaign": "spring-2030", "revenue": 99}]}
    ).encode()
    status, answer = _send(client, shop, secret, later, now + 60)
    assert answer["recorded"] == {"inserted": 0, "updated": 1, "unchanged": 0}
    assert _revenue(db) == [
        (date(2030, 3, 1), "webhook", 99.0, None),
        (date(2030, 3, 2), "webhook", None, None),
    ]
    assert _currencies(db) == ["USD", "USD"]


def test_bad_signatures_and_old_timestamps_are_refused(
    client: TestClient, db: Session, clock: FrozenClock
) -> None:
    shop, other = make_shop(db), make_shop(db)
    spring = shop.campaign("Spring")
    secret = _secret(client, db, shop)
    other_secret = _secret(client, db, other)
    now = int(clock.now().timestamp())
    body = json.dumps(
        {"rows": [{"date": "2030-03-01", "campaign": str(spring.id), "revenue": 1}]}
    ).encode()
    assert _send(client, shop, other_secret, body, now)[0] == 401
    assert _send(client, shop, secret, body, now - 301)[0] == 401
    tampered = client.post(
        f"/api/v1/hooks/campaign-results/{shop.workspace.id}",
        content=body.replace(b"1}", b"1000}"),
        headers={"Orchestre-Signature": signature(secret, now, body)},
    )
    assert tampered.status_code == 401
    unsigned = client.post(f"/api/v1/hooks/campaign-results/{shop.workspace.id}", content=body)
    assert unsigned.status_code == 401
    assert _revenue(db) == []
    # The secret is stored encrypted, never as given.
    stored = db.scalars(
        select(CampaignHookSecret).where(CampaignHookSecret.workspace_id == shop.workspace.id)
    ).one()
    assert secret.encode() not in stored.secret_encrypted
    assert db.scalars(
        select(AuditEntry.action).where(AuditEntry.workspace_id == shop.workspace.id)
    ).all() == ["campaign.results_hook_secret"]


def test_rows_of_another_workspace_or_bad_figures_are_refused_whole(
    client: TestClient, db: Session, clock: FrozenClock
) -> None:
    shop, other = make_shop(db), make_shop(db)
    spring, theirs = shop.campaign("Spring"), other.campaign("Theirs")
    secret = _secret(client, db, shop)
    now = int(clock.now().timestamp())
    body = json.dumps(
        {
            "rows": [
                {"date": "2030-03-01", "campaign": str(spring.id), "revenue": 5},
                {"date": "2030-03-01", "campaign": str(theirs.id), "revenue": 5},
                {"date": "2030-03-02", "campaign": str(spring.id), "revenue": -1},
                {"date": "03/03/2030", "campaign": str(spring.id), "revenue": "a lot"},
            ]
        }
    ).encode()
    status, answer = _send(client, shop, secret, body, now)
    assert status == 422
    errors = answer["errors"]
    assert isinstance(errors, list)
    assert {(e["field"], e["rule"]) for e in errors} == {
        ("rows[3].date", "date"),
        ("rows[3].revenue", "number"),
    }
    fixed = json.dumps({"rows": json.loads(body)["rows"][:3]}).encode()
    status, answer = _send(client, shop, secret, fixed, now)
    assert status == 422
    errors = answer["errors"]
    assert isinstance(errors, list)
    assert {(e["field"], e["rule"]) for e in errors} == {
        ("rows[1].campaign", "exists"),
        ("rows[2].revenue", "min"),
    }
    assert _send(client, shop, secret, b"not json", now)[0] == 422
    assert _revenue(db) == []
