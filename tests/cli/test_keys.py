"""Encryption keys: from the settings, or from a private key file made on first use."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from orchestre.config import Settings
from orchestre.kit import keys
from orchestre.kit.crypto import new_key


def test_first_use_creates_a_private_key_file_and_reuses_it(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", encryption_keys=None)
    first = keys.load_keys(settings)
    assert len(first) == 1
    assert stat.S_IMODE(settings.key_file.stat().st_mode) == 0o600
    assert keys.load_keys(settings) == first
    box = keys.secret_box(settings)
    assert box.decrypt(box.encrypt(b"hello")) == b"hello"


def test_keys_from_the_environment_win_and_are_checked(tmp_path: Path) -> None:
    newest, older = new_key(), new_key()
    settings = Settings(data_dir=tmp_path, encryption_keys=f"{newest}, {older}")
    assert keys.load_keys(settings) == [newest, older]
    assert not settings.key_file.exists()
    with pytest.raises(keys.EncryptionKeyError, match="44 characters"):
        keys.load_keys(Settings(data_dir=tmp_path, encryption_keys="not-a-key"))


def test_rewriting_the_key_file_is_atomic_and_private(tmp_path: Path) -> None:
    path = tmp_path / "encryption.keys"
    replacement = [new_key(), new_key()]
    keys.write_key_file(path, replacement)
    assert keys.read_key_file(path) == replacement
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["encryption.keys"]  # no temp file left
    with pytest.raises(keys.EncryptionKeyError):
        keys.write_key_file(path, ["garbage"])
    assert keys.read_key_file(path) == replacement
    assert [p.name for p in tmp_path.iterdir()] == ["encryption.keys"]


def test_an_emptied_key_file_is_an_error_not_a_new_key(tmp_path: Path) -> None:
    path = tmp_path / "encryption.keys"
    path.write_text("# nothing here\n")
    with pytest.raises(keys.EncryptionKeyError, match="Restore it from a backup"):
        keys.ensure_key_file(path)
