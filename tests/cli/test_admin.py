"""The administration commands, as an operator types them."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from orchestre.app import create_app
from orchestre.config import Settings
from tests.cli.conftest import Cli

COMMANDS = [
    [],
    ["serve"],
    ["worker"],
    ["db"],
    ["db", "upgrade"],
    ["db", "downgrade"],
    ["db", "current"],
    ["user", "create"],
    ["workspace", "create"],
    ["token", "create"],
    ["rotate-key"],
    ["demo"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "orchestre")
def test_every_command_explains_itself(cli: Cli, command: list[str]) -> None:
    result = cli(*command, "--help", data_dir=False)
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    if command and command[0] not in ("db",):
        assert "--data-dir" in result.output or command == []


def _revisions() -> tuple[str, str]:
    """The head revision and the one before it."""
    from alembic.script import ScriptDirectory

    from orchestre.kit.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_revision("head")
    assert head is not None
    previous = head.down_revision
    assert isinstance(previous, str)
    return head.revision, previous


def test_db_upgrade_current_downgrade_and_back(cli: Cli) -> None:
    head, previous = _revisions()
    assert cli("db", "current").output.strip() == "none (empty database)"
    upgraded = cli("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert f"at revision {head}" in upgraded.output
    assert cli("db", "upgrade").exit_code == 0  # idempotent
    assert cli("db", "current").output.strip() == head
    refused = cli("db", "downgrade", input="n\n")
    assert refused.exit_code != 0
    assert cli("db", "current").output.strip() == head
    down = cli("db", "downgrade", "--yes")
    assert down.exit_code == 0, down.output
    assert f"at revision {previous}." in down.output
    to_base = cli("db", "downgrade", "--yes", "--revision", "base")
    assert to_base.exit_code == 0, to_base.output
    assert "none (empty)" in to_base.output
    assert "nothing to downgrade" in cli("db", "downgrade", "--yes").output
    bogus = cli("db", "upgrade", "--revision", "bogus")
    assert bogus.exit_code == 1
    assert "Migration refused: Can't locate revision" in bogus.output
    assert cli("db", "upgrade", "--revision", "head").exit_code == 0


def test_user_workspace_and_token_make_a_working_api_token(cli: Cli) -> None:
    made = cli(
        "user",
        "create",
        "--email",
        "Ana@Example.com",
        "--name",
        "Ana Roux",
        "--password-stdin",
        input="a long enough password\n",
    )
    assert made.exit_code == 0, made.output
    assert "Created the account ana@example.com" in made.output
    ws = cli(
        "workspace",
        "create",
        "--name",
        "Boulangerie Roux",
        "--owner-email",
        "ana@example.com",
        "--timezone",
        "Europe/Paris",
        "--locale",
        "fr",
    )
    assert ws.exit_code == 0, ws.output
    assert "slug boulangerie-roux" in ws.output
    token = cli(
        "token",
        "create",
        "--workspace",
        "boulangerie-roux",
        "--email",
        "ana@example.com",
        "--name",
        "export",
        "--expires-in-days",
        "30",
    )
    assert token.exit_code == 0, token.output
    raw = token.stdout.strip().splitlines()[-1]
    assert raw.startswith("orc_")

    settings = Settings(data_dir=cli.data_dir, database_url=cli.env["ORCHESTRE_DATABASE_URL"])
    with TestClient(create_app(settings)) as client:
        answer = client.get("/api/v1/workspaces", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status_code == 200, answer.text
    assert [w["slug"] for w in answer.json()["items"]] == ["boulangerie-roux"]


def test_the_password_prompt_is_hidden_and_confirmed(cli: Cli) -> None:
    result = cli(
        "user",
        "create",
        "--email",
        "b@example.com",
        "--name",
        "B",
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "a long enough password" not in result.output


def test_refusals_are_explained_and_exit_non_zero(cli: Cli) -> None:
    weak = cli(
        "user",
        "create",
        "--email",
        "c@example.com",
        "--name",
        "C",
        "--password-stdin",
        input="short\n",
    )
    assert weak.exit_code == 1
    assert "password" in weak.output
    assert "at least" in weak.output
    ok = cli(
        "user",
        "create",
        "--email",
        "c@example.com",
        "--name",
        "C",
        "--password-stdin",
        input="a long enough password\n",
    )
    assert ok.exit_code == 0
    twice = cli(
        "user",
        "create",
        "--email",
        "c@example.com",
        "--name",
        "C",
        "--password-stdin",
        input="a long enough password\n",
    )
    assert twice.exit_code == 1
    assert "already uses this email" in twice.output
    nobody = cli("workspace", "create", "--name", "X", "--owner-email", "nobody@example.com")
    assert nobody.exit_code == 1
    assert "No account uses nobody@example.com" in nobody.output
    stranger = cli(
        "token",
        "create",
        "--workspace",
        f"nowhere-{uuid.uuid4().hex[:6]}",
        "--email",
        "c@example.com",
        "--name",
        "t",
    )
    assert stranger.exit_code == 1
    assert "is not a member" in stranger.output


def test_worker_in_embedded_mode_says_where_jobs_run(cli: Cli) -> None:
    result = cli("worker")
    assert result.exit_code == 1
    assert "Jobs run inside `orchestre serve`" in result.output


def test_jobs_enqueued_by_a_command_run_before_it_exits(cli: Cli) -> None:
    from orchestre.cli import _database
    from orchestre.models import Workspace
    from orchestre.worker import enqueue
    from tests.worker.jobs import attempts

    settings = Settings(
        data_dir=cli.data_dir,
        database_url=cli.env["ORCHESTRE_DATABASE_URL"],
        job_backend="embedded",
    )
    slug = f"cli-job-{uuid.uuid4().hex[:8]}"
    with _database(settings) as factory, factory.begin() as session:
        enqueue(session, "testing.create_workspace", slug=slug)
    assert attempts[slug] == 1
    with _database(settings) as factory, factory() as session:
        assert session.query(Workspace).filter_by(slug=slug).count() == 1
