"""The calendar page: its FullCalendar set-up, filters, feed address and CSV import (en, fr)."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.models import CalendarFeed, Post, User, Workspace
from tests.factories import add_member, make_channel, make_user
from tests.web.conftest import csrf_of


def _config(html: str) -> dict[str, object]:
    match = re.search(r"data-config='([^']+)'", html)
    assert match, "the calendar has no configuration"
    return json.loads(match.group(1).replace("&#34;", '"').replace("&amp;", "&"))


def test_the_page_sets_up_fullcalendar_in_the_workspace_zone(
    signed_in: TestClient, db: Session, workspace: Workspace
) -> None:
    make_channel(db, workspace, handle="@acme")
    page = signed_in.get(f"/w/{workspace.id}/calendar")
    assert page.status_code == 200
    html = page.text
    assert "vendor/fullcalendar/fullcalendar.global.js" in html
    assert "locale-fr.global.js" not in html
    assert "cdn" not in html.lower()
    config = _config(html)
    assert config["timeZone"] == "Europe/Paris"
    assert config["locale"] == "en"
    assert config["eventsUrl"] == f"/api/v1/workspaces/{workspace.id}/calendar"
    assert config["initialView"] == "dayGridMonth"
    # Filters, the best-times place, the legend, the feed and CSV sections.
    for marker in ('name="channel_id"', 'name="campaign_id"', 'name="pillar_id"', 'name="status"'):
        assert marker in html
    assert "@acme" in html
    assert 'id="calendar-best-times"' in html
    assert "Needs attention" in html
    assert 'data-testid="feed-issue"' in html
    assert 'data-testid="csv-import"' in html
    assert "Your publishing calendar will live here" not in html  # the placeholder is gone


def test_french_readers_get_the_french_calendar(
    client: TestClient, db: Session, workspace: Workspace, settings: object
) -> None:
    from tests.web.conftest import HTML, open_session

    reader = make_user(db, locale="fr")
    add_member(db, workspace, reader, "analyst")
    client.headers.update(HTML)
    open_session(client, db, settings, reader)  # type: ignore[arg-type]
    html = client.get(f"/w/{workspace.id}/calendar").text
    assert _config(html)["locale"] == "fr"
    assert "locale-fr.global.js" in html
    assert "Calendrier" in html
    assert "S’abonner dans votre agenda" in html
    # An analyst may not import.
    assert 'data-testid="csv-import"' not in html


def test_feed_address_is_shown_once_then_rotated_and_revoked(
    signed_in: TestClient, db: Session, workspace: Workspace, owner: User
) -> None:
    page = signed_in.get(f"/w/{workspace.id}/calendar")
    headers = {"X-CSRF-Token": csrf_of(page.text), "HX-Request": "true"}
    made = signed_in.post(f"/w/{workspace.id}/calendar/feed", headers=headers)
    assert made.status_code == 200
    url = re.search(r'value="(http[^"]+\.ics)"', made.text)
    assert url, made.text
    path = url.group(1).split("8000", 1)[1]
    assert signed_in.get(path).status_code == 200
    again = signed_in.get(f"/w/{workspace.id}/calendar").text
    assert path.rsplit("/", 1)[1] not in again  # never shown again
    assert "Rotate the address" in again
    revoked = signed_in.post(f"/w/{workspace.id}/calendar/feed/revoke", headers=headers)
    assert "Make my address" in revoked.text
    assert db.query(CalendarFeed).filter_by(user_id=owner.id).count() == 0
    assert signed_in.get(path).status_code == 404


def test_a_dry_run_import_reports_each_rejected_row(
    signed_in: TestClient, db: Session, workspace: Workspace
) -> None:
    make_channel(db, workspace, network="x", handle="@acme")
    page = signed_in.get(f"/w/{workspace.id}/calendar")
    data = (
        "network;handle;date;time;text\n"
        "x;@acme;2030-03-20;10:30;Fine\n"
        "x;@ghost;2030-03-20;10:30;Who?\n"
        "x;@acme;2030-03-31;02:30;Gap\n"
    ).encode("utf-8-sig")
    response = signed_in.post(
        f"/w/{workspace.id}/calendar/import",
        data={"csrf_token": csrf_of(page.text), "dry_run": "1"},
        files={"file": ("plan.csv", data, "text/csv")},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200, response.text
    html = response.text
    assert "Dry run: nothing was created." in html
    assert "3 rows read" in html
    assert '<tr data-row="3"><td>3</td><td><code>handle</code></td><td>Unknown channel</td>' in html
    assert "Time skipped by the clocks" in html
    assert "2030-03-31 02:30 does not exist in Europe/Paris" in html
    assert "No channel x @ghost in this workspace" in html
    assert db.query(Post).count() == 0


def test_the_import_report_speaks_french(
    client: TestClient, db: Session, workspace: Workspace, settings: object
) -> None:
    from tests.web.conftest import HTML, open_session

    make_channel(db, workspace, network="x", handle="@acme")
    planner = make_user(db, locale="fr")
    add_member(db, workspace, planner, "social_media_manager")
    client.headers.update(HTML)
    open_session(client, db, settings, planner)  # type: ignore[arg-type]
    page = client.get(f"/w/{workspace.id}/calendar")
    data = (
        "network,handle,date,time,text\n"
        "x,@acme,31/03/2030,02:30,Nuit\n"
        "x,@acme,2030-03-40,09:00,Jour\n"
    )
    response = client.post(
        f"/w/{workspace.id}/calendar/import",
        data={"csrf_token": csrf_of(page.text), "dry_run": "1"},
        files={"file": ("plan.csv", data.encode(), "text/csv")},
        headers={"HX-Request": "true"},
    )
    html = response.text
    assert "Essai à blanc : rien n’a été créé." in html
    assert "2 lignes lues" in html
    assert "Heure sautée par le changement d’heure" in html
    assert "2030-03-31 02:30 n’existe pas en Europe/Paris" in html
    assert "« 2030-03-40 » n’est pas une date" in html


def test_the_calendar_opens_on_a_given_day_and_view_and_ignores_nonsense(
    signed_in: TestClient, workspace: Workspace
) -> None:
    url = f"/w/{workspace.id}/calendar"
    config = _config(signed_in.get(url, params={"date": "2030-03-31", "view": "timeGridWeek"}).text)
    assert (config["initialDate"], config["initialView"]) == ("2030-03-31", "timeGridWeek")
    config = _config(signed_in.get(url, params={"date": "<script>", "view": "evil"}).text)
    assert (config["initialDate"], config["initialView"]) == (None, "dayGridMonth")
