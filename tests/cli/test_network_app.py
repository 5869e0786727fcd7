"""`orchestre network-app set|list|remove`: the operator's apps, secrets never shown."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from orchestre.config import Settings
from orchestre.kit import keys
from orchestre.kit.crypto import SecretBox
from orchestre.kit.db import make_engine, make_session_factory, transaction
from orchestre.models import NetworkApp
from tests.cli.conftest import Cli

SECRET = "li-client-5ecret-never-printed"


def _settings(cli: Cli) -> Settings:
    return Settings(data_dir=cli.data_dir, database_url=cli.env["ORCHESTRE_DATABASE_URL"] or None)


def _stored(cli: Cli) -> list[tuple[str, str | None, str, bytes]]:
    engine = make_engine(_settings(cli).resolved_database_url())
    try:
        with transaction(make_session_factory(engine)) as session:
            return [
                (a.network, a.base_url, a.client_id, a.client_secret_encrypted)
                for a in session.scalars(select(NetworkApp).order_by(NetworkApp.network))
            ]
    finally:
        engine.dispose()


def test_set_from_a_file_list_and_remove(cli: Cli, tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")

    saved = cli(
        "network-app",
        "set",
        "linkedin",
        "--client-id",
        "86abc",
        "--client-secret-file",
        str(secret_file),
    )

    assert saved.exit_code == 0, saved.output
    assert "/oauth/callback/linkedin" in saved.output
    [(network, base_url, client_id, sealed)] = _stored(cli)
    assert (network, base_url, client_id) == ("linkedin", None, "86abc")
    assert SECRET.encode() not in sealed
    box = SecretBox(keys.load_keys(_settings(cli)))
    assert box.decrypt(sealed).decode() == SECRET

    listed = cli("network-app", "list")
    assert listed.exit_code == 0
    assert "linkedin" in listed.output
    assert "86abc" in listed.output
    for output in (saved.output, listed.output):
        assert SECRET not in output

    removed = cli("network-app", "remove", "linkedin")
    assert removed.exit_code == 0, removed.output
    assert _stored(cli) == []
    again = cli("network-app", "remove", "linkedin")
    assert again.exit_code == 1


def test_set_from_standard_input_replaces_the_app_per_server(cli: Cli) -> None:
    first = cli(
        "network-app",
        "set",
        "mastodon",
        "--client-id",
        "a",
        "--client-secret-stdin",
        "--base-url",
        "https://mastodon.example",
        input="s1\n",
    )
    second = cli(
        "network-app",
        "set",
        "mastodon",
        "--client-id",
        "b",
        "--client-secret-stdin",
        "--base-url",
        "mastodon.example",
        input="s2\n",
    )
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    [(network, base_url, client_id, _sealed)] = _stored(cli)
    assert (network, base_url, client_id) == ("mastodon", "https://mastodon.example", "b")


def test_an_empty_secret_is_refused(cli: Cli) -> None:
    result = cli("network-app", "set", "x", "--client-id", "a", "--client-secret-stdin", input="\n")
    assert result.exit_code == 1
    assert "client secret" in result.output


def test_rotate_key_re_encrypts_the_apps_secrets(cli: Cli) -> None:
    assert (
        cli(
            "network-app",
            "set",
            "x",
            "--client-id",
            "a",
            "--client-secret-stdin",
            input=SECRET + "\n",
        ).exit_code
        == 0
    )
    old = keys.load_keys(_settings(cli))
    result = cli("rotate-key")
    assert result.exit_code == 0, result.output
    assert "client secrets of 1 network app(s)" in result.output
    current = keys.read_key_file(_settings(cli).key_file)
    [(_n, _b, _c, sealed)] = _stored(cli)
    assert SecretBox(current).decrypt(sealed).decode() == SECRET
    assert SECRET not in result.output
    assert old != current
