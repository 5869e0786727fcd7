"""In a real browser: the reports page lists a report, its PDF downloads from the page and
carries the workspace's figures, in the report's language."""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from orchestre.analytics import reports
from orchestre.channels import service as channels
from orchestre.kit.clock import utcnow
from orchestre.kit.crypto import SecretBox, new_key
from orchestre.kit.db import make_engine, make_session_factory, transaction
from orchestre.models.analytics import Report
from tests.analytics.kpi_support import Shop
from tests.e2e.conftest import LiveSite, Person, arranged_workspace, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def bakery(live_site: LiveSite, e2e_database: str) -> tuple[uuid.UUID, Person]:
    """A workspace with two posts of the last days (reach 1,200 + 300) and a French report."""
    person = Person("ines.moreau@example.com", "Inès Moreau")
    with arranged_workspace(e2e_database, "Bakery", person) as arranged:
        db, actor, user, workspace = arranged.db, arranged.actor, arranged.user, arranged.workspace
        channel = channels.connect_channel(
            db, actor, SecretBox([new_key()]), "mastodon", "@bakery", "@bakery", "Bakery"
        )
        shop = Shop(db, workspace, user, channel)
        now = utcnow()
        shop.post(now - timedelta(days=2), text="Croissants", reach=1200, likes=40)
        shop.post(now - timedelta(days=5), text="Baguette", reach=300, likes=9)
        reports.create_report(
            db,
            actor,
            reports.ReportInput(
                name="Bilan", language="fr", period="last_30_days",
                blocks=[{"kind": "kpis", "kpis": ["reach", "posts"]},
                        {"kind": "text", "text": "Un bon mois."}],
            ),
        )  # fmt: skip
        ids = workspace.id
    return ids, person


def test_the_pdf_downloads_from_the_page_with_the_figures(
    browser: Any, live_site: LiveSite, bakery: tuple[uuid.UUID, Person]
) -> None:
    workspace_id, person = bakery
    context = browser.new_context(locale="en-US", accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_site.url, person)
    page.goto(f"{live_site.url}/w/{workspace_id}/reports")
    row = page.get_by_test_id("report-row")
    assert "Bilan" in row.inner_text()
    with page.expect_download() as download_info:
        row.get_by_test_id("download-pdf").click()
    download = download_info.value
    assert download.suggested_filename == "Bilan.pdf"
    with open(download.path(), "rb") as handle:
        text = PdfReader(io.BytesIO(handle.read())).pages[0].extract_text()
    assert "Chiffres clés" in text
    assert "1 500" in text or "1\u202f500" in text  # reach 1,200 + 300, the French way
    assert "Un bon mois." in text
    context.close()


def test_a_report_is_built_from_blocks_without_writing_json(
    browser: Any, live_site: LiveSite, bakery: tuple[uuid.UUID, Person], e2e_database: str
) -> None:
    workspace_id, person = bakery
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    sign_in(page, live_site.url, person)
    page.goto(f"{live_site.url}/w/{workspace_id}/reports")
    form = page.get_by_test_id("report-form")
    blocks = form.get_by_test_id("report-block")
    # A new report starts from four blocks: key figures, reach over time, top posts, goals.
    blocks.nth(3).wait_for()
    assert blocks.count() == 4
    assert not form.locator("#r-blocks").is_visible()  # the JSON is folded away
    form.locator("#r-name").fill("Channels in brief")
    form.get_by_test_id("add-block").select_option(label="Chart")
    chart = blocks.nth(4)
    chart.get_by_label("Chart", exact=True).select_option(label="By channel")
    chart.get_by_label("KPI", exact=True).select_option(label="Impressions")
    chart.get_by_role("button", name="Move up — Chart").click()
    # Goals (now last) goes; the key figures lose "Posts published" and gain "Clicks".
    blocks.nth(4).get_by_role("button", name="Remove — Goals").click()
    figures = blocks.nth(0)
    figures.get_by_label("Posts published", exact=True).uncheck()
    figures.get_by_label("Clicks", exact=True).check()
    form.get_by_test_id("add-block").select_option(label="Written summary")
    blocks.nth(4).locator("textarea").fill("Instagram carries the month.")
    form.get_by_test_id("save-report").click()
    page.wait_for_url(re.compile(r"/reports\?done=saved"))
    engine = make_engine(e2e_database)
    with transaction(make_session_factory(engine)) as db:
        saved = db.scalar(select(Report).where(Report.name == "Channels in brief"))
        assert saved is not None
        assert [b["kind"] for b in saved.blocks] == ["kpis", "chart", "top_posts", "chart", "text"]
        assert saved.blocks[3] == {"kind": "chart", "chart": "by_channel", "kpi": "impressions"}
        assert "posts" not in saved.blocks[0]["kpis"]
        assert "clicks" in saved.blocks[0]["kpis"]
        assert saved.blocks[4]["markdown"] == "Instagram carries the month."
    engine.dispose()
    context.close()
