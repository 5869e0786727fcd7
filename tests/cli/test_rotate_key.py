"""`orchestre rotate-key`: every credential moves to a new key, and no key is ever lost."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from orchestre.channels.service import connect_channel, read_credentials
from orchestre.config import Settings
from orchestre.kit import keys
from orchestre.kit.crypto import SecretBox, new_key
from orchestre.kit.db import make_engine, make_session_factory, transaction
from orchestre.models import Channel
from orchestre.workspaces.auth import actor_for
from tests.cli.conftest import Cli
from tests.factories import make_member, make_workspace

SECRET = "oauth-secret-never-printed"


def _settings(cli: Cli, encryption_keys: str | None = None) -> Settings:
    return Settings(
        data_dir=cli.data_dir,
        database_url=cli.env["ORCHESTRE_DATABASE_URL"] or None,
        encryption_keys=encryption_keys,
    )


def _channel_with_secret(cli: Cli, box: SecretBox) -> uuid.UUID:
    assert cli("db", "upgrade").exit_code == 0
    engine = make_engine(_settings(cli).resolved_database_url())
    with transaction(make_session_factory(engine)) as session:
        ws = make_workspace(session)
        owner = make_member(session, ws, "owner")
        channel = connect_channel(
            session,
            actor_for(session, owner.id, ws.id),
            box,
            "mastodon",
            "1",
            "@a",
            "A",
            credentials={"token": SECRET},
        )
        channel_id = channel.id
    engine.dispose()
    return channel_id


def _secret_under(cli: Cli, channel_id: uuid.UUID, box: SecretBox) -> str:
    engine = make_engine(_settings(cli).resolved_database_url())
    try:
        with transaction(make_session_factory(engine)) as session:
            channel = session.scalars(select(Channel).where(Channel.id == channel_id)).one()
            token: str = read_credentials(session, box, channel)["token"]
            return token
    finally:
        engine.dispose()


def test_key_file_rotation_leaves_only_the_new_key(cli: Cli) -> None:
    old = keys.load_keys(_settings(cli))
    channel_id = _channel_with_secret(cli, SecretBox(old))
    result = cli("rotate-key")
    assert result.exit_code == 0, result.output
    assert "Re-encrypted the credentials of 1 channel(s)" in result.output
    current = keys.read_key_file(_settings(cli).key_file)
    assert len(current) == 1
    assert current != old
    assert _secret_under(cli, channel_id, SecretBox(current)) == SECRET
    with pytest.raises(Exception, match="cannot be decrypted"):
        _secret_under(cli, channel_id, SecretBox(old))
    for secret in (SECRET, *old, *current):
        assert secret not in result.output


def test_a_failed_rotation_keeps_every_key_needed(cli: Cli) -> None:
    keys.load_keys(_settings(cli))
    stranger = SecretBox([new_key()])  # credentials under a key the file does not hold
    channel_id = _channel_with_secret(cli, stranger)
    result = cli("rotate-key")
    assert result.exit_code == 1
    assert "nothing was re-encrypted" in result.output.lower()
    assert len(keys.read_key_file(_settings(cli).key_file)) == 2  # new and old, both kept
    assert _secret_under(cli, channel_id, stranger) == SECRET


def test_keys_from_the_environment_rotate_in_steps(cli: Cli) -> None:
    old = new_key()
    channel_id = _channel_with_secret(cli, SecretBox([old]))
    cli.env["ORCHESTRE_ENCRYPTION_KEYS"] = old

    advice = cli("rotate-key")
    assert advice.exit_code == 0
    assert "Nothing was changed" in advice.output
    suggested = advice.output.split("A new key: ", 1)[1].split()[0]
    assert keys.check_key(suggested) == suggested
    assert old not in advice.output
    assert _secret_under(cli, channel_id, SecretBox([old])) == SECRET

    fresh = new_key()
    done = cli("rotate-key", "--new-key", fresh)
    assert done.exit_code == 0, done.output
    assert "set ORCHESTRE_ENCRYPTION_KEYS to that key alone" in done.output
    for secret in (fresh, old, SECRET):
        assert secret not in done.output
    assert _secret_under(cli, channel_id, SecretBox([fresh])) == SECRET
    assert not _settings(cli).key_file.exists()

    bad = cli("rotate-key", "--new-key", "not-a-key")
    assert bad.exit_code == 1
    assert "44 characters" in bad.output
