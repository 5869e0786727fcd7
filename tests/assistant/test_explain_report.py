"""The report's "explanation" block: written when the report is made, from that period's
figures, labelled as an AI draft with its source and prompt, in the report's language, in
the HTML, PDF and CSV alike; a share link's visitor gets the offline text."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session

from orchestre.analytics import report_export, report_pdf, report_render, reports
from orchestre.errors import Invalid
from orchestre.models.analytics import Report
from tests.analytics.kpi_support import Shop, at
from tests.assistant.conftest import LLMServer, switch_on_provider
from tests.assistant.test_explain import NOW, shop
from tests.web.conftest import _catalogs  # the .mo files, for the French report

__all__ = ["_catalogs", "shop"]
MARCH = {"period": "custom", "period_start": date(2030, 3, 1), "period_end": date(2030, 3, 31)}


def _report(shop: Shop, language: str = "en", **more: object) -> Report:
    data = reports.ReportInput(
        name="Monthly",
        language=language,
        blocks=[{"kind": "kpis", "kpis": ["reach"]}, {"kind": "explanation"}],
        **{**MARCH, **more},  # type: ignore[arg-type]
    )
    return reports.create_report(shop.db, shop.actor(), data, now=NOW)


def test_the_block_is_checked_like_the_others() -> None:
    assert reports.check_blocks([{"kind": "explanation"}]) == [{"kind": "explanation"}]
    with pytest.raises(Invalid) as refused:
        reports.check_blocks([{"kind": "explanation", "tone": "cheerful"}])
    assert refused.value.errors[0].field == "blocks[0]"


def test_the_block_explains_the_reports_period(shop: Shop) -> None:
    built = report_render.build(shop.db, shop.actor(), _report(shop), now=NOW)
    block = built.blocks[1]
    assert block.kind == "explanation"
    assert block.title == "Explanation"
    assert block.text.startswith("AI draft, written by the offline assistant")
    assert "explain.results/1" in block.text
    titles = [row["title"] for row in block.rows]
    assert titles == ["What worked", "What did not work", "What to try next"]
    page = report_render.html(built)
    assert 'data-testid="ai-draft"' in page
    assert "2.5×" in page
    assert "Video posts did best: engagement rate (by reach) of 10.0% over 6 posts." in page
    csv = report_export.report_csv(built).decode("utf-8-sig")
    assert "What to try next" in csv
    assert "AI draft, written by the offline assistant" in csv


def test_in_french(shop: Shop) -> None:
    built = report_render.build(shop.db, shop.actor(), _report(shop, "fr"), now=NOW)
    block = built.blocks[1]
    assert block.title == "Explication"
    assert block.text.startswith("Brouillon IA")
    assert "Ce qui a marché" in [row["title"] for row in block.rows]
    assert "2,5×" in report_render.html(built)


def test_the_pdf_holds_the_explanation(shop: Shop) -> None:
    report = _report(shop)
    pdf = report_pdf.report_pdf(shop.db, shop.actor(), report, now=NOW)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "AI draft" in text
    assert "What to try next" in text


def test_a_scheduled_report_explains_the_period_it_covers(shop: Shop) -> None:
    """'Last month', made on 2 April, explains March; made on 2 May, April (no posts)."""
    report = _report(shop, period="last_month", period_start=None, period_end=None)
    reader = report_render.reader(report)
    april = report_render.build(shop.db, reader, report, now=NOW).blocks[1]
    assert "Video posts did best" in " ".join(april.rows[0]["items"])
    may = report_render.build(shop.db, reader, report, now=at("2030-05-02 09:00")).blocks[1]
    assert may.rows[0]["items"] == [
        "No post was published in this period: there is nothing to explain yet."
    ]


def test_a_share_link_visitor_gets_the_offline_text_not_the_model(
    shop: Shop, db: Session, llm_server: LLMServer
) -> None:
    switch_on_provider(db, shop.workspace.id, llm_server.base_url, model="explainer")
    report = _report(shop)
    shared = report_render.build(db, report_render.reader(report), report, now=NOW)
    assert "the offline assistant" in shared.blocks[1].text
    assert llm_server.requests == []


def test_a_member_gets_the_workspace_model(shop: Shop, db: Session, llm_server: LLMServer) -> None:
    switch_on_provider(db, shop.workspace.id, llm_server.base_url, model="explainer")
    llm_server.reply(
        '{"worked": ["Reach rose by 180.0% to 14,000."], "did_not_work": [], "try_next": []}'
    )
    built = report_render.build(db, shop.actor(), _report(shop), now=NOW)
    block = built.blocks[1]
    assert block.text.startswith("AI draft, written by explainer (prompt explain.results/1)")
    assert block.rows == [{"title": "What worked", "items": ["Reach rose by 180.0% to 14,000."]}]
