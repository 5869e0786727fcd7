"""Reports over HTTP: CRUD with its rules, downloads, permissions, share links (public page
and PDF, refused once expired or altered), and a scheduled report sent through a real local
SMTP server (aiosmtpd)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy.orm import Session, sessionmaker

from orchestre.analytics.report_schedule import send_due, smtp_sender
from orchestre.analytics.reports_api import public_router, router
from orchestre.config import Settings
from orchestre.kit.clock import FrozenClock
from orchestre.models.analytics import Report
from tests.analytics.kpi_support import Shop, at, make_shop
from tests.delivery.smtp_server import smtp_server
from tests.factories import bearer, make_member, make_token

BODY = {
    "name": "Monthly review",
    "period": "custom",
    "period_start": "2030-03-01",
    "period_end": "2030-03-31",
    "blocks": [
        {"kind": "kpis", "kpis": ["reach", "posts"]},
        {"kind": "chart", "chart": "series", "kpi": "reach"},
        {"kind": "text", "text": "Reach doubled."},
    ],
}


@pytest.fixture
def web(app: FastAPI) -> Iterator[TestClient]:
    """The app with the reports routes (mounted here until routes.py includes them)."""
    paths = {getattr(r, "path", "") for r in app.routes}
    if "/api/v1/workspaces/{workspace_id}/analytics/reports" not in paths:
        app.include_router(router, prefix="/api/v1")
        app.include_router(public_router)
    with TestClient(app, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def shop(db: Session) -> Shop:
    shop = make_shop(db)
    shop.post(at("2030-03-02 10:00"), likes=10, reach=1200, impressions=3000, format="image")
    shop.post(at("2030-03-09 10:00"), likes=1, reach=300, format="text")
    return shop


def _url(shop: Shop, tail: str = "") -> str:
    return f"/api/v1/workspaces/{shop.workspace.id}/analytics/reports{tail}"


def _as(shop: Shop, role: str) -> dict[str, str]:
    return bearer(make_token(shop.db, shop.workspace, make_member(shop.db, shop.workspace, role)))


def test_crud_downloads_and_permissions(web: TestClient, shop: Shop) -> None:
    manager, reviewer = _as(shop, "analyst"), _as(shop, "reviewer")
    assert web.post(_url(shop), json=BODY, headers=reviewer).status_code == 403
    bad = web.post(_url(shop), json={**BODY, "blocks": [{"kind": "pie"}]}, headers=manager)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "blocks[0].kind"
    made = web.post(_url(shop), json=BODY, headers=manager)
    assert made.status_code == 201, made.text
    report_id = made.json()["id"]
    listed = web.get(_url(shop), headers=reviewer).json()
    assert [r["name"] for r in listed] == ["Monthly review"]

    pdf = web.get(_url(shop, f"/{report_id}.pdf"), headers=reviewer)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert "1,500" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    csv_text = web.get(_url(shop, f"/{report_id}.csv"), headers=reviewer).content.decode(
        "utf-8-sig"
    )
    assert "Reach doubled." in csv_text
    xlsx = web.get(_url(shop, f"/{report_id}.xlsx"), headers=reviewer)
    assert len(load_workbook(io.BytesIO(xlsx.content)).sheetnames) == 3

    changed = web.patch(
        _url(shop, f"/{report_id}"), json={"name": "March", "version": 1}, headers=manager
    )
    assert changed.json()["version"] == 2
    stale = web.patch(
        _url(shop, f"/{report_id}"), json={"name": "x", "version": 1}, headers=manager
    )
    assert stale.status_code == 422
    assert web.delete(_url(shop, f"/{report_id}"), headers=reviewer).status_code == 403
    assert web.delete(_url(shop, f"/{report_id}"), headers=manager).status_code == 204
    assert web.get(_url(shop, f"/{report_id}"), headers=manager).status_code == 404


def test_share_link_is_public_read_only_and_refused_once_expired_or_altered(
    web: TestClient, shop: Shop, clock: FrozenClock
) -> None:
    manager = _as(shop, "analyst")
    report_id = web.post(_url(shop), json=BODY, headers=manager).json()["id"]
    assert (
        web.post(
            _url(shop, f"/{report_id}/share"), json={}, headers=_as(shop, "reviewer")
        ).status_code
        == 403
    )
    shared = web.post(_url(shop, f"/{report_id}/share"), json={"days": 7}, headers=manager).json()
    token = shared["token"]
    assert web.get(_url(shop, f"/{report_id}"), headers=manager).json()["shared"] is True
    page = web.get(f"/r/{token}")
    assert page.status_code == 200
    assert "1,500" in page.text
    assert "Reach doubled." in page.text
    assert page.headers["cache-control"] == "private, no-store"
    assert web.get(f"/r/{token}.pdf").headers["content-type"] == "application/pdf"
    altered = token[:-2] + ("xx" if not token.endswith("xx") else "yy")
    assert web.get(f"/r/{altered}").status_code == 404
    clock.advance(days=7, seconds=1)
    gone = web.get(f"/r/{token}")
    assert gone.status_code == 404
    assert "expired" not in gone.text.lower()


def test_a_scheduled_report_goes_through_smtp_with_its_pdf(
    shop: Shop, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    from orchestre.analytics import reports

    report = reports.create_report(
        shop.db,
        shop.actor(),
        reports.ReportInput(
            name="Weekly",
            language="en",
            schedule="weekly",
            recipients=["team@example.org"],
            blocks=[{"kind": "kpis", "kpis": ["reach"]}],
            period="custom",
            period_start=at("2030-03-01 00:00").date(),
            period_end=at("2030-03-31 00:00").date(),
        ),
    )
    shop.db.commit()
    due = report.next_run_at
    assert due is not None
    with smtp_server() as (port, inbox):
        smtp = settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False}
        )
        result = send_due(session_factory, due, smtp_sender(smtp), "reports@example.org")
    assert (result.sent, result.failed) == (1, 0)
    (message,) = inbox.messages
    assert message["Subject"] == "Report: Weekly"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "Weekly.pdf"
    assert "1,500" in PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text()
    shop.db.refresh(report)
    assert report.last_error is None
    assert report.next_run_at == due + timedelta(days=7)
    assert isinstance(report, Report)


def test_a_name_in_any_script_downloads_under_an_ascii_file_name(
    web: TestClient, shop: Shop
) -> None:
    manager = _as(shop, "analyst")
    made = web.post(_url(shop), json={**BODY, "name": "Été 報告 2030"}, headers=manager)
    found = web.get(_url(shop, f"/{made.json()['id']}.csv"), headers=manager)
    assert found.status_code == 200
    assert found.headers["content-disposition"] == 'attachment; filename="t-2030.csv"'
