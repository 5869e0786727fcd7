"""The digest's routes: settings (manage to change, refused with the broken rule), the
digests kept and one with every figure."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from orchestre.kit.clock import FrozenClock
from orchestre.listening import digest_runtime
from orchestre.workspaces.permissions import Role
from tests.factories import make_member, make_token
from tests.insights.conftest import build_world
from tests.listening.conftest import Listening
from tests.listening.test_digest_runtime import MONDAY_EIGHT_PARIS, seed


def test_settings_and_digests_over_http(
    client: TestClient,
    db: Session,
    clock: FrozenClock,
    listening: Listening,
    session_factory: sessionmaker[Session],
) -> None:
    world = listening.world
    auth = {"Authorization": f"Bearer {make_token(db, world.workspace, world.owner)}"}
    base = f"/api/v1/workspaces/{world.workspace.id}/listening"

    default = client.get(f"{base}/digest/settings", headers=auth).json()
    assert default == {
        "enabled": True,
        "weekday": 0,
        "hour": 8,
        "email": True,
        "timezone": "Europe/Paris",
        # The test clock is Friday 15 March 2030; the next Monday 08:00 in Paris (CET).
        "next_at": "2030-03-18T07:00:00Z",
    }
    bad = client.put(f"{base}/digest/settings", json={"weekday": 7, "hour": 24}, headers=auth)
    assert bad.status_code == 422
    assert [(e["field"], e["rule"]) for e in bad.json()["errors"]] == [
        ("weekday", "range"),
        ("hour", "range"),
    ]
    changed = client.put(
        f"{base}/digest/settings",
        json={"enabled": True, "weekday": 4, "hour": 9, "email": False},
        headers=auth,
    )
    assert changed.status_code == 200
    assert changed.json()["next_at"] == "2030-03-22T08:00:00Z"  # this Friday 09:00 passed

    analyst = make_member(db, world.workspace, Role.ANALYST.value)
    reader = {"Authorization": f"Bearer {make_token(db, world.workspace, analyst)}"}
    refused = client.put(f"{base}/digest/settings", json={"hour": 7}, headers=reader)
    assert refused.status_code == 403
    assert client.get(f"{base}/digest/settings", headers=reader).json()["hour"] == 9

    assert client.get(f"{base}/digests", headers=reader).json() == []
    client.put(f"{base}/digest/settings", json={"weekday": 0, "hour": 8}, headers=auth)
    seed(listening, MONDAY_EIGHT_PARIS)
    digest_runtime.make_due(session_factory, clock.now())
    [summary] = client.get(f"{base}/digests", headers=reader).json()
    assert summary["week_start"] == "2030-03-11"
    assert summary["period_end"] == "2030-03-11T07:00:00Z"
    one = client.get(f"{base}/digests/{summary['id']}", headers=reader).json()
    [hashtag] = [r for r in one["recommendations"] if r["kind"] == "hashtag"]
    assert hashtag["figures"]["ratio"] == 4.0
    assert "(12 contre 3)" in hashtag["fr"]
    assert one["facts"]["hashtags"][0]["tag"] == "#velotaf"
    foreign = build_world(db, clock)
    other = {"Authorization": f"Bearer {make_token(db, foreign.workspace, foreign.owner)}"}
    far = f"/api/v1/workspaces/{foreign.workspace.id}/listening/digests/{summary['id']}"
    assert client.get(far, headers=other).status_code == 404
