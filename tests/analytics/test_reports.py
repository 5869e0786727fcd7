"""Reports: block rules, figures rendered in French and English, PDF / CSV / XLSX contents,
the schedule across daylight saving, sending and retrying, share links."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy.orm import Session, sessionmaker

from orchestre.analytics import report_export, report_pdf, report_render, reports
from orchestre.analytics.report_schedule import RETRY_AFTER, next_run, send_due
from orchestre.errors import Forbidden, Invalid, NotFound
from orchestre.models.analytics import Report
from tests.analytics.kpi_support import Shop, at, make_shop

MARCH = {"period": "custom", "period_start": date(2030, 3, 1), "period_end": date(2030, 3, 31)}
BLOCKS: list[dict[str, object]] = [
    {"kind": "kpis", "kpis": ["reach", "impressions", "posts", "engagement_rate_reach"]},
    {"kind": "chart", "chart": "series", "kpi": "reach"},
    {"kind": "chart", "chart": "formats", "kpi": "reach"},
    {"kind": "chart", "chart": "heatmap", "kpi": "engagement_rate_reach"},
    {"kind": "chart", "chart": "by_channel", "kpi": "reach"},
    {"kind": "top_posts", "kpi": "reach", "order": "top", "limit": 3},
    {"kind": "comments", "limit": 5},
    {"kind": "text", "markdown": "Good month. <script>alert(1)</script>\n\nSecond idea."},
    {"kind": "goals"},
]


@pytest.fixture
def shop(db: Session) -> Shop:
    shop = make_shop(db)
    shop.post(
        at("2030-03-02 10:00"),
        likes=10,
        comments=5,
        reach=1500,
        impressions=3000,
        format="image",
        text="Spring is here",
    )
    shop.post(at("2030-03-09 10:00"), likes=1, reach=100, impressions=50, format="short_video")
    shop.post(at("2030-02-20 10:00"), likes=4, reach=100, format="image")
    angry = shop.message(at("2030-03-05 12:00"), "negative")
    angry.text = "Worst service ever"
    angry.sentiment_score = 0.97
    shop.message(at("2030-03-06 12:00"), "positive")
    db.flush()
    return shop


def _report(shop: Shop, language: str = "en", **more: object) -> Report:
    data = {"name": "March", "language": language, "blocks": BLOCKS, **MARCH, **more}
    return reports.create_report(shop.db, shop.actor(), reports.ReportInput(**data))  # type: ignore[arg-type]


# --- rules -----------------------------------------------------------------------------------


def test_blocks_are_normalised_and_every_broken_rule_is_named() -> None:
    assert reports.check_blocks([{"kind": "top_posts"}, {"kind": "comments"}]) == [
        {"kind": "top_posts", "kpi": "engagement_rate_reach", "order": "top", "limit": 5},
        {"kind": "comments", "limit": 5},
    ]
    with pytest.raises(Invalid) as caught:
        reports.check_blocks(
            [
                {"kind": "pie"},
                {"kind": "kpis", "kpis": ["reach", "nope"]},
                {"kind": "chart", "chart": "heatmap", "kpi": "reach"},
                {"kind": "top_posts", "kpi": "posts", "order": "middle", "limit": 500},
                {"kind": "text", "text": "   "},
                {"kind": "goals", "colour": "red"},
            ]
        )
    found = {(e.field, e.rule) for e in caught.value.errors}
    assert found == {
        ("blocks[0].kind", "enum"),
        ("blocks[1].kpis", "enum"),
        ("blocks[2].kpi", "enum"),
        ("blocks[3].kpi", "enum"),
        ("blocks[3].order", "enum"),
        ("blocks[3].limit", "range"),
        ("blocks[4].text", "required"),
        ("blocks[5]", "keys"),
    }


def test_report_settings_are_checked_and_nothing_is_saved_on_error(shop: Shop) -> None:
    with pytest.raises(Invalid) as caught:
        _report(
            shop,
            language="de",
            schedule="weekly",
            recipients=["not-an-address"],
            schedule_hour=25,
            filters={"format": "gif"},
        )
    fields = {e.field for e in caught.value.errors}
    assert {"language", "recipients", "schedule_hour", "format"} <= fields
    assert reports.list_reports(shop.db, shop.actor()) == []


def test_only_analytics_managers_create_and_share_viewers_read(shop: Shop) -> None:
    report = _report(shop)
    with pytest.raises(Forbidden):
        _report_as(shop, "reviewer")
    with pytest.raises(Forbidden):
        reports.share(shop.db, shop.actor("reviewer"), report.id)
    built = report_render.build(shop.db, shop.actor("reviewer"), report)
    assert len(built.blocks) == len(BLOCKS)


def _report_as(shop: Shop, role: str) -> Report:
    data = reports.ReportInput(name="x", blocks=[{"kind": "goals"}])
    return reports.create_report(shop.db, shop.actor(role), data)


def test_a_stale_edit_is_refused_and_a_fresh_one_bumps_the_version(shop: Shop) -> None:
    report = _report(shop)
    reports.update_report(shop.db, shop.actor(), report.id, {"name": "April"}, version=1)
    assert (report.name, report.version) == ("April", 2)
    with pytest.raises(Invalid) as caught:
        reports.update_report(shop.db, shop.actor(), report.id, {"name": "May"}, version=1)
    assert caught.value.errors[0].field == "version"
    assert report.name == "April"


# --- rendering -------------------------------------------------------------------------------


def test_html_in_english_and_french_shows_the_figures_by_locale(shop: Shop) -> None:
    english = report_render.html(report_render.build(shop.db, shop.actor(), _report(shop)))
    french = report_render.html(report_render.build(shop.db, shop.actor(), _report(shop, "fr")))
    # Reach 1,500 + 100 in March; engagement (15 + 1) / 1,600 = 1.0 %.
    assert "1,600" in english
    assert "Key figures" in english
    assert "1.0%" in english
    assert "1\u202f600" in french
    assert "Chiffres clés" in french
    assert "1,0\xa0%" in french
    assert "Worst service ever" in english
    assert "&lt;script&gt;" in english
    assert "<script>alert" not in english
    assert "<svg" in english
    assert "Spring is here" in english


def test_the_pdf_carries_the_figures_and_ten_pages_render_fast(shop: Shop) -> None:
    for day in range(40):
        shop.post(at(f"2030-03-{1 + day % 28:02d} 1{day % 10}:00"), likes=day, reach=100 + day)
    longest = {"kind": "top_posts", "kpi": "reach", "order": "top", "limit": 50}
    report = _report(shop, blocks=BLOCKS * 2 + [longest] * 8)
    # CPU time of this process: what rendering costs, not how busy the machine's other
    # processes keep the two cores (wall time is printed too).
    started, wall = time.process_time(), time.perf_counter()
    pdf = report_pdf.report_pdf(shop.db, shop.actor(), report)
    elapsed = time.process_time() - started
    print(f"report_pdf_s: {elapsed:.2f} s CPU, {time.perf_counter() - wall:.2f} s wall")
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "6,380" in text  # reach 1,600 plus the 40 posts' 4,780
    assert "3,050" in text
    assert "Worst service ever" in text
    assert len(reader.pages) >= 10
    # The target is 5 s (report_pdf_s); 3.2 to 3.9 s of CPU measured for 11 pages
    # (docs/reports.md). This bound catches a regression, not a busy machine.
    assert elapsed < 10.0, f"{len(reader.pages)} pages in {elapsed:.2f} s"


def test_a_chart_by_group_draws_the_highest_bars_and_the_exports_keep_every_group(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Five formats, two with posts in March (image: reach 1,500; short video: 100); one
    # bar allowed. The total is the row of group "".
    monkeypatch.setattr(report_render, "BAR_LIMIT", 1)
    blocks = [{"kind": "chart", "chart": "formats", "kpi": "reach"}]
    built = report_render.build(shop.db, shop.actor(), _report(shop, "fr", blocks=blocks))
    chart = built.blocks[0]
    assert chart.svg.count("<rect") == 1
    assert "1\u202f500" in chart.svg
    assert chart.text == "Les 1 plus élevés sur 5 ; les exports CSV et XLSX les contiennent tous."
    assert chart.text in report_render.html(built)
    header, rows = chart.table
    groups = {r[header.index("group")] for r in rows}
    assert groups == {"", "short_video", "video", "image", "carousel", "text"}
    monkeypatch.setattr(report_render, "BAR_LIMIT", 5)
    built = report_render.build(shop.db, shop.actor(), _report(shop, blocks=blocks))
    assert built.blocks[0].svg.count("<rect") == 2  # formats without posts: no bar
    assert built.blocks[0].text == ""


def test_csv_and_xlsx_hold_each_block_with_the_same_figures(shop: Shop) -> None:
    built = report_render.build(shop.db, shop.actor(), _report(shop))
    text = report_export.report_csv(built).decode("utf-8-sig")
    assert text.count("Key figures") == 1
    assert "Summary" in text
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[1]
    reach = next(r for r in rows[2:] if r[header.index("kpi")] == "reach")
    assert reach[header.index("value")] == "1600.0"
    book = load_workbook(io.BytesIO(report_export.report_xlsx(built)))
    assert len(book.sheetnames) == len(BLOCKS)
    sheet = book[book.sheetnames[0]]
    values = list(sheet.iter_rows(values_only=True))
    kpi, value = list(values[0]).index("kpi"), list(values[0]).index("value")
    assert next(r[value] for r in values[1:] if r[kpi] == "reach") == 1600.0
    comments = list(book[book.sheetnames[6]].iter_rows(values_only=True))
    assert comments[1][-1] == "Worst service ever"


# --- schedule --------------------------------------------------------------------------------


def _schedule(kind: str, **more: int) -> SimpleNamespace:
    return SimpleNamespace(
        schedule=kind,
        schedule_weekday=more.get("weekday", 0),
        schedule_day=more.get("day", 1),
        schedule_hour=more.get("hour", 8),
    )


def test_next_run_keeps_the_local_hour_across_daylight_saving() -> None:
    weekly = _schedule("weekly", weekday=0, hour=8)
    # Paris moves to summer time on Sunday 31 March 2030.
    before = next_run(weekly, "Europe/Paris", datetime(2030, 3, 20, tzinfo=UTC))
    after = next_run(weekly, "Europe/Paris", datetime(2030, 3, 27, tzinfo=UTC))
    assert before == datetime(2030, 3, 25, 7, tzinfo=UTC)  # 08:00 CET
    assert after == datetime(2030, 4, 1, 6, tzinfo=UTC)  # 08:00 CEST
    monthly = _schedule("monthly", day=1, hour=8)
    assert next_run(monthly, "Europe/Paris", datetime(2030, 10, 1, 6, tzinfo=UTC)) == datetime(
        2030, 11, 1, 7, tzinfo=UTC
    )
    assert next_run(_schedule("monthly", day=15), "UTC", datetime(2030, 12, 20, tzinfo=UTC)) == (
        datetime(2031, 1, 15, 8, tzinfo=UTC)
    )
    assert next_run(SimpleNamespace(schedule=None), "UTC", datetime(2030, 1, 1, tzinfo=UTC)) is None


def test_a_failed_send_is_recorded_and_retried_then_sent_with_the_pdf(
    shop: Shop, session_factory: sessionmaker[Session]
) -> None:
    report = _report(
        shop,
        "fr",
        schedule="weekly",
        schedule_weekday=0,
        recipients=["boss@example.org"],
        blocks=BLOCKS[:1],
    )
    due = report.next_run_at
    assert due is not None
    shop.db.commit()
    failed = send_due(session_factory, due, None, "orchestre@example.org")
    assert (failed.sent, failed.failed) == (0, 1)
    shop.db.refresh(report)
    assert report.last_error
    assert "SMTP" in report.last_error
    assert report.next_run_at == due + RETRY_AFTER
    assert send_due(session_factory, due + timedelta(minutes=1), None, "x@y.z").failed == 0

    outbox: list[EmailMessage] = []
    sent = send_due(session_factory, due + RETRY_AFTER, outbox.append, "orchestre@example.org")
    assert (sent.sent, sent.failed) == (1, 0)
    shop.db.refresh(report)
    assert report.last_error is None
    assert report.last_run_at == due + RETRY_AFTER
    assert report.next_run_at == due + timedelta(days=7)
    (message,) = outbox
    assert message["To"] == "boss@example.org"
    assert message["Subject"] == "Rapport : March"
    (attachment,) = list(message.iter_attachments())
    pdf = PdfReader(io.BytesIO(attachment.get_content()))
    assert "1\u202f600" in pdf.pages[0].extract_text() or "1 600" in pdf.pages[0].extract_text()


# --- share links -----------------------------------------------------------------------------


def test_a_share_link_works_until_it_expires_and_refuses_tampering(shop: Shop) -> None:
    report = _report(shop)
    now = datetime(2030, 3, 15, 9, tzinfo=UTC)
    made = reports.share(shop.db, shop.actor(), report.id, days=2, now=now)
    assert report.share_token_hash != made.token
    assert len(report.share_token_hash or "") == 64
    assert reports.shared_report(shop.db, made.token, now=now + timedelta(days=1)) is report
    for token, when in (
        (made.token, now + timedelta(days=2)),
        (made.token[:-1] + ("A" if made.token[-1] != "A" else "B"), now),
        ("short", now),
    ):
        with pytest.raises(NotFound):
            reports.shared_report(shop.db, token, now=when)
    reports.unshare(shop.db, shop.actor(), report.id)
    with pytest.raises(NotFound):
        reports.shared_report(shop.db, made.token, now=now)
