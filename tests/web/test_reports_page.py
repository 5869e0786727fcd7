"""The reports page: create a report from the form (blocks as JSON, refused with the rule),
download links, a share link shown once that opens the public page."""

from __future__ import annotations

import json
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.analytics.reports_api import public_router, router
from orchestre.models import Workspace
from orchestre.models.analytics import Report
from orchestre.web.views import reports as reports_page
from tests.web.conftest import csrf_of


@pytest.fixture(autouse=True)
def mounted(app: FastAPI) -> None:
    """The page and the reports routes (mounted here until the app includes them)."""
    paths = {getattr(r, "path", "") for r in app.routes}
    if "/w/{workspace_id}/reports" not in paths:
        app.include_router(reports_page.router)
    if "/r/{token}" not in paths:
        app.include_router(router, prefix="/api/v1")
        app.include_router(public_router)


def _form(csrf: str, **more: str) -> dict[str, str]:
    blocks = [{"kind": "kpis", "kpis": ["reach"]}, {"kind": "text", "text": "Hello team"}]
    return {"csrf_token": csrf, "name": "Weekly", "language": "fr", "period": "last_30_days",
            "engagement_basis": "reach", "blocks": json.dumps(blocks), **more}  # fmt: skip


def test_create_refuse_share_and_open_the_shared_page(
    signed_in: TestClient, db: Session, workspace: Workspace
) -> None:
    base = f"/w/{workspace.id}/reports"
    page = signed_in.get(base)
    assert page.status_code == 200
    assert "No reports yet." in page.text
    csrf = csrf_of(page.text)

    refused = signed_in.post(base, data=_form(csrf, blocks="[{"))
    assert refused.status_code == 422
    assert "The blocks are not valid JSON." in refused.text
    refused = signed_in.post(base, data=_form(csrf, blocks='[{"kind": "pie"}]'))
    assert refused.status_code == 422
    assert "blocks[0].kind" in refused.text
    assert db.query(Report).count() == 0

    made = signed_in.post(base, data=_form(csrf), follow_redirects=True)
    assert made.status_code == 200
    assert "Report saved." in made.text
    report = db.query(Report).one()
    assert f"/api/v1/workspaces/{workspace.id}/analytics/reports/{report.id}.pdf" in made.text

    shared = signed_in.post(f"{base}/{report.id}/share", data={"csrf_token": csrf})
    url = re.search(r"<code>(http[^<]+)</code>", shared.text)
    assert url, shared.text
    path = "/r/" + url.group(1).rsplit("/r/", 1)[1]
    public = TestClient(signed_in.app).get(path)
    assert public.status_code == 200
    assert "Hello team" in public.text
    assert "Chiffres clés" in public.text
    assert path not in signed_in.get(base).text  # shown once
