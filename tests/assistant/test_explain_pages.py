"""The pages: "Explain this period" on the analytics page (analytics.view and assistant.use)
and a report's preview with its explanation block."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.analytics import reports
from orchestre.config import Settings
from orchestre.models import User, Workspace
from tests.analytics.kpi_support import Shop, at
from tests.factories import make_member
from tests.web.conftest import HTML, _catalogs, open_session, owner, signed_in, workspace

__all__ = ["_catalogs", "owner", "signed_in", "workspace"]


def _posts(db: Session, workspace: Workspace, owner: User) -> None:
    from tests.factories import make_channel

    shop = Shop(db, workspace, owner, make_channel(db, workspace))
    for n in range(6):
        shop.post(at(f"2030-03-{3 + n:02d} 18:00"), format="video", likes=90, reach=1000)
    for n in range(6):
        shop.post(at(f"2030-03-{10 + n:02d} 09:00"), format="image", likes=30, reach=1000)


def test_explain_this_period(
    signed_in: TestClient, db: Session, workspace: Workspace, owner: User
) -> None:
    _posts(db, workspace, owner)
    page = signed_in.get(f"/w/{workspace.id}/analytics")
    assert 'data-testid="explain-period"' in page.text
    found = signed_in.get(
        f"/w/{workspace.id}/analytics/explain",
        params={"period": "custom", "start": "2030-03-01", "end": "2030-03-31", "basis": "reach"},
    )
    assert found.status_code == 200
    assert "AI draft, written by the offline assistant" in found.text
    assert "Video posts had 3.0× the engagement rate (by reach) of Image posts" in found.text


def test_a_reviewer_cannot_ask(
    client: TestClient, db: Session, settings: Settings, workspace: Workspace
) -> None:
    reviewer = make_member(db, workspace, "reviewer")
    client.headers.update(HTML)
    open_session(client, db, settings, reviewer)
    page = client.get(f"/w/{workspace.id}/analytics")
    assert page.status_code == 200
    assert 'data-testid="explain-period"' not in page.text
    assert client.get(f"/w/{workspace.id}/analytics/explain").status_code == 403


def test_a_report_preview_shows_the_explanation(
    signed_in: TestClient, db: Session, workspace: Workspace, owner: User
) -> None:
    _posts(db, workspace, owner)
    from orchestre.workspaces.permissions import Actor, Role

    actor = Actor(owner.id, workspace.id, frozenset({Role.OWNER}))
    report = reports.create_report(
        db,
        actor,
        reports.ReportInput(
            name="March",
            period="custom",
            period_start=date(2030, 3, 1),
            period_end=date(2030, 3, 31),
            blocks=[{"kind": "explanation"}],
        ),
    )
    listed = signed_in.get(f"/w/{workspace.id}/reports")
    assert f"/reports/{report.id}/preview" in listed.text
    preview = signed_in.get(f"/w/{workspace.id}/reports/{report.id}/preview")
    assert preview.status_code == 200
    assert 'data-testid="ai-draft"' in preview.text
    assert "3.0×" in preview.text
