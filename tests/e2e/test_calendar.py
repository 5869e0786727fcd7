"""In a real browser: a scheduled post in the month view, dragged to another day."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from orchestre.approvals import service as approvals
from orchestre.channels import service as channels
from orchestre.kit.crypto import SecretBox, new_key
from orchestre.posts import scheduling
from orchestre.posts import service as posts
from orchestre.posts.schemas import PostCreate, ScheduleCreate
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, arranged_workspace

pytestmark = pytest.mark.e2e
PARIS = ZoneInfo("Europe/Paris")


def _next_spring_forward() -> date:
    """The next last Sunday of March, when Paris skips from 02:00 to 03:00."""
    today = datetime.now(PARIS).date()
    for year in (today.year, today.year + 1):
        day = date(year, 3, 31)
        day -= timedelta(days=(day.weekday() + 1) % 7)
        if day > today + timedelta(days=2):
            return day
    raise AssertionError("unreachable")


def _planned_day() -> date:
    """The 10th of next month: always ahead of the server's real clock, on a month grid."""
    today = datetime.now(PARIS).date()
    first_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first_next.replace(day=10)


@pytest.fixture(scope="module")
def cafe(live_site: LiveSite, e2e_database: str) -> tuple[uuid.UUID, uuid.UUID, Person]:
    """A workspace of its own, without review steps, with one post scheduled at 10:00 local."""
    person = Person("noe@example.com", "Noé Garnier")
    day = _planned_day()
    with arranged_workspace(e2e_database, "Calendar Café", person) as arranged:
        db, actor, workspace = arranged.db, arranged.actor, arranged.workspace
        channel = channels.connect_channel(
            db, actor, SecretBox([new_key()]), "mastodon", "@cafe@piaille.fr", "cafe", "Café"
        )
        data = PostCreate.model_validate(
            {"base_text": "Winter menu tasting night", "channel_ids": [channel.id]}
        )
        post_id = posts.create_post(db, actor, data).post.id
        approvals.submit(db, actor, post_id)  # no review step: approved at once
        local = f"{day:%Y-%m-%d}T10:00"
        scheduling.schedule(db, actor, post_id, ScheduleCreate(local_time=local))
        # The night after the clocks jump: moved a day earlier, 02:30 does not exist.
        data = PostCreate.model_validate(
            {"base_text": "Night owl special", "channel_ids": [channel.id]}
        )
        night = posts.create_post(db, actor, data).post.id
        approvals.submit(db, actor, night)
        after = _next_spring_forward() + timedelta(days=1)
        scheduling.schedule(db, actor, night, ScheduleCreate(local_time=f"{after:%Y-%m-%d}T02:30"))
        # And the night before it (French weeks start on Monday: Saturday and Sunday meet).
        data = PostCreate.model_validate({"base_text": "Late bar", "channel_ids": [channel.id]})
        eve_post = posts.create_post(db, actor, data).post.id
        approvals.submit(db, actor, eve_post)
        eve = _next_spring_forward() - timedelta(days=1)
        scheduling.schedule(db, actor, eve_post, ScheduleCreate(local_time=f"{eve:%Y-%m-%d}T02:30"))
        workspace_id = workspace.id
    return workspace_id, post_id, person


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _day_cell(page: Any, day: date) -> Any:
    return page.locator(f"#calendar [data-date='{day:%Y-%m-%d}']").first


def test_drag_a_scheduled_post_to_another_day(
    browser: Any, live_site: LiveSite, cafe: tuple[uuid.UUID, uuid.UUID, Person]
) -> None:
    from playwright.sync_api import expect

    workspace_id, post_id, person = cafe
    day = _planned_day()
    target = day + timedelta(days=1)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_site.url}/login")
    page.fill("#email", person.email)
    page.fill("#password", person.password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/w/[0-9a-f-]+/"))

    calendar_url = f"{live_site.url}/w/{workspace_id}/calendar?date={day:%Y-%m-%d}"
    page.goto(calendar_url)
    event = _day_cell(page, day).locator("[data-variant]").first
    expect(event).to_be_visible()
    assert "Winter menu tasting night" in event.inner_text()
    source = _day_cell(page, day)
    assert source.locator("[data-variant]").count() == 1
    _shot(page, "calendar-01-month-en")

    # Drag with the mouse, in steps, as a person does (FullCalendar listens to pointer moves).
    box = event.bounding_box()
    cell = _day_cell(page, target).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 5, box["y"] + box["height"] / 2, steps=5)
    page.mouse.move(cell["x"] + cell["width"] / 2, cell["y"] + cell["height"] / 2, steps=20)
    page.mouse.up()
    expect(page.locator("#toasts .toast-success")).to_be_visible()
    _shot(page, "calendar-02-dropped-en")

    page.goto(calendar_url)
    expect(_day_cell(page, target).locator("[data-variant]")).to_have_count(1)
    assert _day_cell(page, day).locator("[data-variant]").count() == 0
    _shot(page, "calendar-03-after-reload-en")

    api = page.request.get(
        f"{live_site.url}/api/v1/workspaces/{workspace_id}/calendar",
        params={
            "from": f"{day:%Y-%m-%d}T00:00:00Z",
            "to": f"{target + timedelta(days=2):%Y-%m-%d}T00:00:00Z",
        },
    )
    (found,) = api.json()["events"]
    expected = datetime.combine(target, time(10, 0), tzinfo=PARIS).astimezone(UTC)
    assert found["post_id"] == str(post_id)
    assert found["start"] == expected.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert found["local_start"] == f"{target:%Y-%m-%d}T10:00"

    # Clicking the event opens its post.
    _day_cell(page, target).locator("[data-variant]").first.click()
    page.wait_for_url(re.compile(rf"/posts/{post_id}$"))
    context.close()


def _drag(page: Any, source: Any, x: float, y: float) -> None:
    box = source.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 5, box["y"] + box["height"] / 2 + 5, steps=5)
    page.mouse.move(x, y, steps=20)
    page.mouse.up()


def test_a_drop_into_the_daylight_saving_gap_is_refused_and_reverted(
    browser: Any, live_site: LiveSite, cafe: tuple[uuid.UUID, uuid.UUID, Person]
) -> None:
    from playwright.sync_api import expect

    workspace_id, _post_id, person = cafe
    sunday = _next_spring_forward()
    monday = sunday + timedelta(days=1)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_site.url}/login")
    page.fill("#email", person.email)
    page.fill("#password", person.password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/w/[0-9a-f-]+/"))
    page.goto(f"{live_site.url}/w/{workspace_id}/calendar?view=timeGridWeek&date={monday:%Y-%m-%d}")
    event = page.locator(f"#calendar [data-local-start='{monday:%Y-%m-%d}T02:30']").first
    expect(event).to_be_visible()
    assert event.get_attribute("data-local-start") == f"{monday:%Y-%m-%d}T02:30"
    # One column to the left, at the same height: the same wall time on the Sunday.
    monday_col = page.locator(f"#calendar [data-date='{monday:%Y-%m-%d}']").first.bounding_box()
    sunday_col = page.locator(f"#calendar [data-date='{sunday:%Y-%m-%d}']").first.bounding_box()
    box = event.bounding_box()
    shift = sunday_col["x"] - monday_col["x"]
    _drag(page, event, box["x"] + box["width"] / 2 + shift, box["y"] + box["height"] / 2)
    toast = page.locator("#toasts .toast-error")
    expect(toast).to_be_visible()
    assert f"{sunday:%Y-%m-%d} 02:30 does not exist in Europe/Paris" in toast.inner_text()
    _shot(page, "calendar-04-dst-gap-refused-en")
    page.reload()
    moved_back = page.locator("#calendar [data-variant]").first
    expect(moved_back).to_be_visible()
    assert moved_back.get_attribute("data-local-start") == f"{monday:%Y-%m-%d}T02:30"

    # In French: FullCalendar's own words and the page's, the week starting on Monday.
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("language-fr").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Calendrier").is_visible()
    expect(page.locator("#calendar").get_by_text("Mois", exact=True)).to_be_visible()
    expect(page.locator("#calendar").get_by_text("Semaine", exact=True)).to_be_visible()
    # The same refusal, worded in French: Saturday's post dropped on the Sunday.
    saturday = sunday - timedelta(days=1)
    page.goto(
        f"{live_site.url}/w/{workspace_id}/calendar?view=timeGridWeek&date={saturday:%Y-%m-%d}"
    )
    event = page.locator(f"#calendar [data-local-start='{saturday:%Y-%m-%d}T02:30']").first
    expect(event).to_be_visible()
    saturday_col = page.locator(f"#calendar [data-date='{saturday:%Y-%m-%d}']").first.bounding_box()
    sunday_col = page.locator(f"#calendar [data-date='{sunday:%Y-%m-%d}']").first.bounding_box()
    box = event.bounding_box()
    shift = sunday_col["x"] - saturday_col["x"]
    _drag(page, event, box["x"] + box["width"] / 2 + shift, box["y"] + box["height"] / 2)
    french = page.locator("#toasts .toast-error").last
    expect(french).to_contain_text(f"{sunday:%Y-%m-%d} 02:30 n’existe pas en Europe/Paris")
    _shot(page, "calendar-05-week-fr")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_site.url}/w/{workspace_id}/calendar?view=listMonth&date={monday:%Y-%m-%d}")
    expect(page.locator("#calendar [data-variant]").first).to_be_visible()
    _shot(page, "calendar-06-list-phone-fr")
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("language-en").click()  # back to English for the next test
    page.wait_for_load_state()
    context.close()


def test_import_a_csv_and_see_its_report_and_its_post(
    browser: Any, live_site: LiveSite, cafe: tuple[uuid.UUID, uuid.UUID, Person]
) -> None:
    from playwright.sync_api import expect

    workspace_id, _post_id, person = cafe
    day = _planned_day() + timedelta(days=5)
    sunday = _next_spring_forward()
    rows = (
        "network;handle;date;time;text;tags\r\n"
        f'mastodon;@cafe;{day:%d/%m/%Y};18:45;"Jazz night, live\non stage";music\r\n'
        f"mastodon;@cafe;{sunday:%Y-%m-%d};02:15;Too early;\r\n"
        f"mastodon;@nobody;{day:%Y-%m-%d};12:00;Who?;\r\n"
    )
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_site.url}/login")
    page.fill("#email", person.email)
    page.fill("#password", person.password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/w/[0-9a-f-]+/"))
    page.goto(f"{live_site.url}/w/{workspace_id}/calendar?date={day:%Y-%m-%d}")
    files = [{"name": "plan.csv", "mimeType": "text/csv", "buffer": rows.encode("utf-8-sig")}]
    page.set_input_files("#csv-file", files=files)
    page.get_by_test_id("csv-import").locator("input[name=dry_run]").uncheck()
    page.get_by_test_id("csv-import").locator("button[type=submit]").click()
    report = page.get_by_test_id("import-report")
    expect(report).to_contain_text("3 rows read, 1 accepted, 2 rejected")
    expect(report.locator("tr[data-row='3']")).to_contain_text("Time skipped by the clocks")
    expect(report.locator("tr[data-row='4']")).to_contain_text("Unknown channel")
    expect(report.locator("tr[data-row='2']")).to_contain_text("Scheduled")
    # The calendar fetched its posts again: the imported one is on its day.
    imported = page.locator(f"#calendar [data-local-start='{day:%Y-%m-%d}T18:45']")
    expect(imported).to_have_count(1)
    report.scroll_into_view_if_needed()
    _shot(page, "calendar-07-import-report-en")
    context.close()
