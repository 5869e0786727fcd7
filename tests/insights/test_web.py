"""The best-times partial that the calendar and the composer load, in English and French."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.config import Settings
from tests.factories import add_member, make_user
from tests.insights.conftest import World
from tests.web.conftest import compile_catalogs, open_session


@pytest.fixture(autouse=True)
def _catalogs() -> None:
    compile_catalogs()


def _partial(client: TestClient, world: World, **params: int) -> str:
    url = f"/w/{world.workspace.id}/channels/{world.channel.id}/best-times"
    response = client.get(url, params=params, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text
    return response.text


def test_the_partial_lists_the_slots_with_what_stands_behind_them(
    client: TestClient, world: World, settings: Settings, db: Session
) -> None:
    # Five measured posts, a week apart: enough history to learn from.
    for _ in range(5):
        world.publish_now(link="https://example.com")
        world.later(days=7)
    world.collect()
    world.later(days=2)
    world.collect()
    open_session(client, db, settings, world.owner)
    html = _partial(client, world, limit=3)
    assert "Best times to post" in html
    assert "Learnt from 5 posts measured a day after publication" in html
    assert len(re.findall(r"<li data-hour-of-week=", html)) == 3
    assert 'data-source="' in html
    assert re.search(r'class="chip"[^>]*>[+-]\d+', html)


def test_the_partial_speaks_french(
    client: TestClient, world: World, settings: Settings, db: Session
) -> None:
    person = make_user(db, locale="fr")
    add_member(db, world.workspace, person, "analyst")
    open_session(client, db, settings, person)
    html = _partial(client, world)
    assert "Meilleurs moments pour publier" in html
    assert "voici les heures habituelles du réseau" in html
    assert "habitudes du réseau" in html
    assert len(re.findall(r"<li data-hour-of-week=", html)) == 5


def test_another_workspace_s_channel_is_not_found(
    client: TestClient, world: World, settings: Settings, db: Session
) -> None:
    from tests.factories import make_channel, make_workspace

    other = make_channel(db, make_workspace(db))
    open_session(client, db, settings, world.owner)
    url = f"/w/{world.workspace.id}/channels/{other.id}/best-times"
    assert client.get(url, headers={"Accept": "text/html"}).status_code == 404


def test_compact_drops_the_card_and_slots_carry_their_instant(
    client: TestClient, world: World, settings: Settings, db: Session
) -> None:
    open_session(client, db, settings, world.owner)
    full = _partial(client, world)
    compact = _partial(client, world, compact=1)
    assert 'class="card best-times"' in full
    assert 'class="best-times"' in compact
    assert 'class="card-body"' not in compact
    instants = re.findall(r'data-starts-at="([^"]+)"', compact)
    assert len(instants) == 5
    assert all(i.endswith("+00:00") for i in instants)


def test_the_calendar_block_points_at_the_partial() -> None:
    from orchestre.web import i18n
    from orchestre.web.render import render_fragment

    i18n.begin(i18n.Language(locale="fr"))
    html = render_fragment(
        "insights/_calendar_best_times.html", {"base": "/w/abc", "static": lambda p: f"/s/{p}"}
    )
    assert 'data-url="/w/abc/channels/{channel_id}/best-times?compact=1"' in html
    assert "Choisissez un canal pour voir ses meilleurs moments pour publier." in html
    assert "js/best_times.js" in html


def test_the_calendar_page_carries_the_best_times_block(
    client: TestClient, world: World, settings: Settings, db: Session
) -> None:
    open_session(client, db, settings, world.owner)
    html = client.get(f"/w/{world.workspace.id}/calendar", headers={"Accept": "text/html"}).text
    assert 'id="calendar-best-times"' in html
    assert (
        f'data-url="/w/{world.workspace.id}/channels/{{channel_id}}/best-times?compact=1"' in html
    )
    assert "js/best_times.js" in html


def test_prior_only_lifts_say_what_they_compare_with(
    client: TestClient, world: World, settings: Settings, db: Session
) -> None:
    open_session(client, db, settings, world.owner)
    html = _partial(client, world)
    assert "compared with an average hour of the week" in html
    assert "average post" not in html


def test_the_composer_loads_each_channel_s_best_times(
    client: TestClient, world: World, settings: Settings, db: Session
) -> None:
    open_session(client, db, settings, world.owner)
    html = client.get(f"/w/{world.workspace.id}/posts/new", headers={"Accept": "text/html"}).text
    url = f"/w/{world.workspace.id}/channels/{world.channel.id}/best-times?compact=1&amp;limit=3"
    assert f'hx-get="{url}"' in html
