"""A real Orchestre server in a subprocess, on its own database, for the browser tests."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from orchestre.approvals import service as approvals
from orchestre.channels import service as channels
from orchestre.channels.credentials import to_stored
from orchestre.connectors.base import Credentials
from orchestre.kit import migrate
from orchestre.kit.crypto import SecretBox, new_key
from orchestre.kit.db import make_engine, make_session_factory, transaction
from orchestre.models import Channel, User, Workspace
from orchestre.workspaces import auth
from orchestre.workspaces import service as workspaces
from orchestre.workspaces.permissions import Actor
from tests.web.conftest import compile_catalogs

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
PG_URL = os.environ.get("ORCHESTRE_TEST_DATABASE_URL", "")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "a long e2e password"


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    password: str = PASSWORD


def sign_in(page: Any, site_url: str, person: Person) -> None:
    """Sign `person` in through the login page and wait for their workspace."""
    page.goto(f"{site_url}/login")
    page.fill("#email", person.email)
    page.fill("#password", person.password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/w/[0-9a-f-]+/"))


@dataclass(frozen=True)
class LiveSite:
    url: str
    workspace_id: uuid.UUID
    author: Person
    reviewer: Person
    # The server's key, for a test that connects a channel by sealing its credentials.
    encryption_key: str = ""


@dataclass(frozen=True)
class Arranged:
    """A workspace a test arranged through the services, inside one open transaction."""

    db: Session
    actor: Actor
    user: User
    workspace: Workspace
    owner: Person
    key: str  # the server's key, which seals the channels' credentials

    @property
    def workspace_id(self) -> uuid.UUID:
        return self.workspace.id

    def sandbox_channel(self, account: str, handle: str, name: str, network_url: str) -> Channel:
        """A channel on a sandbox network served over HTTP at `network_url`."""
        return channels.connect_channel(
            self.db,
            self.actor,
            SecretBox([self.key]),
            "sandbox",
            account,
            handle,
            name,
            credentials=to_stored(Credentials(), network_url),
        )


@contextmanager
def arranged_workspace(
    url: str,
    workspace_name: str,
    owner: Person,
    *,
    key: str = "",
    locale: str = "en",
    timezone: str = "Europe/Paris",
    workspace_timezone: str | None = None,
) -> Iterator[Arranged]:
    """`owner`, a new person, owns a new workspace; what the block adds is committed when
    it ends, so the live server sees it."""
    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as db:
            user = workspaces.create_user(
                db, owner.email, owner.name, owner.password, locale=locale, timezone=timezone
            )
            workspace = workspaces.create_workspace(
                db, user, workspace_name, timezone=workspace_timezone or timezone
            )
            actor = auth.actor_for(db, user.id, workspace.id)
            yield Arranged(db, actor, user, workspace, owner, key or new_key())
    finally:
        engine.dispose()


def new_workspace(
    url: str,
    workspace_name: str,
    owner: Person,
    *,
    locale: str = "en",
    timezone: str = "Europe/Paris",
    workspace_timezone: str | None = None,
) -> uuid.UUID:
    """Only a workspace and its owner, committed."""
    with arranged_workspace(
        url,
        workspace_name,
        owner,
        locale=locale,
        timezone=timezone,
        workspace_timezone=workspace_timezone,
    ) as arranged:
        return arranged.workspace_id


def someone(first: str, name: str) -> Person:
    """A person with an address of their own, so tests sharing the server never collide."""
    return Person(f"{first}.{uuid.uuid4().hex[:6]}@example.com", name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def e2e_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of its own: the server commits for real, unlike the rolled-back tests."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'orchestre.sqlite3'}"
        return
    name = f"orchestre_e2e_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{PG_URL.rpartition('/')[0]}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _arrange(url: str) -> tuple[uuid.UUID, Person, Person]:
    """Two people, one workspace with a review step and two channels, through the services."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    author = Person("camille@example.com", "Camille Martin")
    reviewer = Person("rhea@example.com", "Rhéa Dubois")
    with transaction(make_session_factory(engine)) as db:
        owner = workspaces.create_user(
            db, author.email, author.name, author.password, locale="en", timezone="Europe/Paris"
        )
        workspace = workspaces.create_workspace(db, owner, "Acme Coffee", timezone="Europe/Paris")
        actor = auth.actor_for(db, owner.id, workspace.id)
        workspaces.add_member(
            db, actor, reviewer.email, ["reviewer"], name=reviewer.name, password=reviewer.password
        )
        box = SecretBox([new_key()])
        for network, handle, name in (
            ("mastodon", "@acme@mastodon.social", "Acme Coffee"),
            ("bluesky", "@acme.bsky.social", "Acme Coffee"),
        ):
            channels.connect_channel(db, actor, box, network, handle, handle, name)
        approvals.replace_steps(db, actor, [approvals.StepSpec("Brand approval", "reviewer")])
        workspace_id = workspace.id
    engine.dispose()
    return workspace_id, author, reviewer


@pytest.fixture(scope="session")
def live_site(e2e_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    compile_catalogs()
    workspace_id, author, reviewer = _arrange(e2e_database)
    data_dir = tmp_path_factory.mktemp("e2e-data")
    port = _free_port()
    key = new_key()
    env = {
        **os.environ,
        "ORCHESTRE_DATA_DIR": str(data_dir),
        "ORCHESTRE_DATABASE_URL": e2e_database,
        "ORCHESTRE_ENCRYPTION_KEYS": key,
        "ORCHESTRE_LOGIN_MAX_FAILURES": "50",
    }
    log = (data_dir / "server.log").open("w")
    server = subprocess.Popen(
        # The server as people run it: `orchestre serve`, with its job pool and the
        # publishing ticker, so what the pages schedule really goes out (or is held).
        [str(Path(sys.executable).parent / "orchestre"), "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=str(data_dir),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, server, data_dir / "server.log")
        yield LiveSite(url, workspace_id, author, reviewer, key)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180  # a loaded machine (2 cores, busy) took over 100 s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not start in time:\n{log.read_text()}")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
