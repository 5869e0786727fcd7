"""The pages as a browser sees them: redirects, sign-in, first run, both languages, CSRF."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.models import User, Workspace
from orchestre.workspaces.notifications import notify
from tests.factories import PASSWORD, add_member, make_channel, make_user, make_workspace
from tests.web.conftest import HTML, csrf_of, sign_in

PAGES = [
    "posts",
    "posts/new",
    "approvals",
    "members",
    "settings",
    "settings/review",
    "settings/editorial",
    "settings/tokens",
    "calendar",
    "inbox",
    "analytics",
    "listening",
    "campaigns",
    "notifications",
]


def test_a_page_asks_to_sign_in_and_comes_back(
    client: TestClient, owner: User, workspace: Workspace
) -> None:
    response = client.get(
        f"/w/{workspace.id}/posts?status=draft", headers=HTML, follow_redirects=False
    )
    assert response.status_code == 303
    target = response.headers["location"]
    assert target.startswith("/login?next=")

    login = client.post(
        "/login",
        headers=HTML,
        follow_redirects=False,
        data={
            "email": owner.email,
            "password": PASSWORD,
            "next": f"/w/{workspace.id}/posts?status=draft",
        },
    )
    assert login.status_code == 303
    assert login.headers["location"] == f"/w/{workspace.id}/posts?status=draft"


def test_next_never_leads_off_the_site(
    client: TestClient, owner: User, workspace: Workspace
) -> None:
    login = client.post(
        "/login",
        headers=HTML,
        follow_redirects=False,
        data={
            "email": owner.email,
            "password": PASSWORD,
            "next": "//evil.example/phish",
        },
    )
    assert login.headers["location"] == "/"


def test_first_run_creates_the_owner_and_the_workspace(client: TestClient) -> None:
    landing = client.get("/", headers=HTML, follow_redirects=False)
    assert landing.headers["location"] == "/setup"
    form = client.get("/setup", headers=HTML)
    assert "Welcome to Orchestre" in form.text

    done = client.post(
        "/setup",
        headers=HTML,
        follow_redirects=False,
        data={
            "name": "Ana Owner",
            "email": "ana@example.com",
            "password": "a strong password",
            "workspace": "Acme Coffee",
            "timezone": "Europe/Paris",
        },
    )
    assert done.status_code == 303, done.text
    posts = client.get(done.headers["location"], headers=HTML)
    assert "Acme Coffee" in posts.text
    assert "Workspace created. Welcome!" in posts.text
    assert client.get("/setup", headers=HTML, follow_redirects=False).headers["location"] == (
        "/login"
    )


def test_first_run_lists_every_broken_rule(client: TestClient) -> None:
    response = client.post(
        "/setup",
        headers=HTML,
        data={
            "name": "",
            "email": "not-an-email",
            "password": "short",
            "workspace": "",
            "timezone": "Europe/Paris",
        },
    )
    assert response.status_code == 422
    assert "Enter an email address such as ana@example.com." in response.text
    assert "at least 10 characters" in response.text
    assert client.get("/", headers=HTML, follow_redirects=False).headers["location"] == "/setup"


def test_wrong_password_is_said_in_words_and_in_french(
    client: TestClient, owner: User, workspace: Workspace
) -> None:
    english = client.post("/login", headers=HTML, data={"email": owner.email, "password": "no"})
    assert english.status_code == 401
    assert "Wrong email or password. Check both and try again." in english.text
    french = client.post(
        "/login",
        headers={**HTML, "Accept-Language": "fr-FR,fr;q=0.9"},
        data={"email": owner.email, "password": "no"},
    )
    assert "E-mail ou mot de passe incorrect." in french.text


def test_too_many_failures_are_throttled_with_a_clear_message(
    client: TestClient, owner: User, workspace: Workspace
) -> None:
    for _ in range(5):
        client.post("/login", headers=HTML, data={"email": owner.email, "password": "wrong"})
    response = client.post(
        "/login", headers=HTML, data={"email": owner.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.text


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_english_and_french(
    signed_in: TestClient, db: Session, workspace: Workspace, owner: User, page: str
) -> None:
    make_channel(db, workspace, network="mastodon", handle="@acme@mastodon.social")
    english = signed_in.get(f"/w/{workspace.id}/{page}")
    assert english.status_code == 200, english.text
    assert '<html lang="en">' in english.text
    assert "Settings" in english.text

    owner.locale = "fr"
    db.flush()
    french = signed_in.get(f"/w/{workspace.id}/{page}")
    assert french.status_code == 200
    assert '<html lang="fr">' in french.text
    assert "Réglages" in french.text
    assert "@acme@mastodon.social" in french.text


OUTSIDE = re.compile(r"""(?:src|href|action)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)


@pytest.mark.parametrize("page", PAGES)
def test_nothing_loads_from_another_host(
    signed_in: TestClient, db: Session, workspace: Workspace, page: str
) -> None:
    make_channel(db, workspace)
    html = signed_in.get(f"/w/{workspace.id}/{page}").text
    assert not OUTSIDE.findall(html)
    assert "/static/vendor/htmx.min.js" in html
    assert "/static/vendor/alpine.min.js" in html


def test_sign_in_and_setup_pages_load_nothing_from_another_host(
    client: TestClient, owner: User, workspace: Workspace
) -> None:
    assert not OUTSIDE.findall(client.get("/login", headers=HTML).text)


def test_a_form_without_its_csrf_token_is_refused(
    signed_in: TestClient, db: Session, workspace: Workspace
) -> None:
    channel = make_channel(db, workspace)
    response = signed_in.post(
        f"/w/{workspace.id}/posts/new",
        data={
            "base_text": "Hello",
            "channel_ids": str(channel.id),
            "action": "save",
        },
    )
    assert response.status_code == 403
    assert "The form has expired or did not come from Orchestre" in response.text
    listing = signed_in.get(f"/w/{workspace.id}/posts")
    assert "No posts yet" in listing.text


def test_another_workspace_is_not_found(signed_in: TestClient, db: Session) -> None:
    foreign = make_workspace(db, name="Rival Tea")
    add_member(db, foreign, make_user(db))
    response = signed_in.get(f"/w/{foreign.id}/posts")
    assert response.status_code == 404
    assert "Rival Tea" not in response.text
    assert "Page not found" in response.text


def test_the_language_switch_saves_the_preference(
    signed_in: TestClient, db: Session, workspace: Workspace, owner: User
) -> None:
    csrf = csrf_of(signed_in.get(f"/w/{workspace.id}/posts").text)
    response = signed_in.post(
        "/language",
        data={
            "locale": "fr",
            "next": f"/w/{workspace.id}/posts",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 200
    assert "Publications" in response.text
    db.refresh(owner)
    assert owner.locale == "fr"


def test_signed_out_language_choice_is_remembered(client: TestClient, owner: User) -> None:
    client.post("/language", headers=HTML, data={"locale": "fr", "next": "/login"})
    assert "Connexion à Orchestre" in client.get("/login", headers=HTML).text


def test_sign_out_ends_the_session(signed_in: TestClient, workspace: Workspace) -> None:
    csrf = csrf_of(signed_in.get(f"/w/{workspace.id}/posts").text)
    out = signed_in.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.headers["location"] == "/login?signed_out=1"
    again = signed_in.get(f"/w/{workspace.id}/posts", follow_redirects=False)
    assert again.status_code == 303


def test_an_unknown_page_is_a_page_not_json(signed_in: TestClient) -> None:
    response = signed_in.get("/nowhere")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]


def test_switching_workspace_goes_to_its_posts(
    signed_in: TestClient, db: Session, workspace: Workspace, owner: User
) -> None:
    other = make_workspace(db, name="Beta Bakery")
    add_member(db, other, owner, "social_media_manager")
    csrf = csrf_of(signed_in.get(f"/w/{workspace.id}/posts").text)
    response = signed_in.post(
        "/workspaces/switch",
        data={
            "workspace_id": str(other.id),
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 200
    assert "Beta Bakery" in response.text
    assert signed_in.get("/", follow_redirects=False).headers["location"] == (
        f"/w/{other.id}/posts"
    )


def test_crisis_mode_shows_a_red_band(
    signed_in: TestClient, db: Session, workspace: Workspace
) -> None:
    workspace.crisis_mode = True
    db.flush()
    assert "Crisis mode is on" in signed_in.get(f"/w/{workspace.id}/calendar").text


def test_login_page_signs_in(client: TestClient, owner: User, workspace: Workspace) -> None:
    csrf = sign_in(client, owner)
    assert csrf


def test_a_campaign_pacing_alert_reads_as_a_sentence_with_a_link(
    signed_in: TestClient, db: Session, workspace: Workspace, owner: User
) -> None:
    payload = {"campaign_id": "c-1", "title": "Soldes", "budget": 1000, "currency": "EUR"}
    notify(db, workspace.id, [owner.id], "campaign_pacing", {**payload, "direction": "over",
           "projected": 1234.5})  # fmt: skip
    notify(db, workspace.id, [owner.id], "campaign_pacing", {**payload, "direction": "under",
           "projected": 400})  # fmt: skip
    db.flush()
    html = signed_in.get(f"/w/{workspace.id}/notifications").text
    assert (
        "The campaign Soldes is heading for an overspend: 1234.50 EUR projected for a budget "
        "of 1000.00 EUR."
    ) in html
    assert "is heading for an underspend: 400.00 EUR projected" in html
    assert f'href="/w/{workspace.id}/campaigns/c-1"' in html
    owner.locale = "fr"
    db.flush()
    french = signed_in.get(f"/w/{workspace.id}/notifications").text
    assert "La campagne Soldes va dépasser son budget" in french
