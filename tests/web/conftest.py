"""Fixtures for the page tests: compiled catalogs, and a browser-like signed-in client."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.deps import SESSION_COOKIE
from orchestre.models import User, Workspace
from orchestre.workspaces import auth
from tests.factories import PASSWORD, add_member, make_user, make_workspace

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "src" / "orchestre" / "web" / "translations"


def compile_catalogs() -> None:
    """The .mo files are build output (git-ignored): make them when a checkout lacks them."""
    for lang in ("en", "fr"):
        po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=lang)
            # Written aside then renamed: a parallel test process never reads half a file.
            partial = mo.with_suffix(f".{os.getpid()}.part")
            with partial.open("wb") as handle:
                write_mo(handle, catalog)
            os.replace(partial, mo)


@pytest.fixture(scope="session", autouse=True)
def _catalogs() -> None:
    compile_catalogs()


HTML = {"Accept": "text/html"}


def sign_in(client: TestClient, user: User) -> str:
    """Sign in through the login form; returns the CSRF token of the session."""
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = client.get("/", headers=HTML)
    return csrf_of(page.text)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


@pytest.fixture
def owner(db: Session) -> User:
    return make_user(db, name="Ana Owner", email="ana@example.com")


@pytest.fixture
def workspace(db: Session, owner: User) -> Workspace:
    ws = make_workspace(db, name="Acme Coffee")
    add_member(db, ws, owner, "owner")
    return ws


def open_session(client: TestClient, db: Session, settings: Settings, user: User) -> None:
    """A web session without the login form: argon2 makes each real sign-in cost a second."""
    raw, _web_session = auth.open_session(db, settings, user)
    client.cookies.set(SESSION_COOKIE, raw)


@pytest.fixture
def signed_in(
    client: TestClient, db: Session, settings: Settings, owner: User, workspace: Workspace
) -> TestClient:
    client.headers.update(HTML)
    open_session(client, db, settings, owner)
    return client
