"""Where the encryption keys come from: the settings, or a key file created on first use."""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
from pathlib import Path
from typing import Literal

from cryptography.fernet import Fernet

from orchestre.config import Settings
from orchestre.kit.crypto import SecretBox, new_key

log = logging.getLogger(__name__)

HEADER = (
    "# Orchestre encryption keys, newest first. Keep this file secret and back it up with\n"
    "# the database: without it the channels' credentials cannot be read.\n"
)


class EncryptionKeyError(ValueError):
    """The configured keys are missing or malformed; the message says what to fix."""


def check_key(key: str) -> str:
    """Return the key if it is a valid Fernet key, else explain what one looks like."""
    key = key.strip()
    try:
        Fernet(key.encode())
    except ValueError:
        raise EncryptionKeyError(
            "An encryption key must be 32 url-safe base64-encoded bytes (44 characters), "
            "as printed by 'orchestre rotate-key'."
        ) from None
    return key


def parse_keys(raw: str) -> list[str]:
    """Keys separated by commas or lines, newest first; blank lines and # comments ignored."""
    keys = []
    for line in raw.splitlines():
        if line.strip().startswith("#"):
            continue
        keys += [check_key(part) for part in line.split(",") if part.strip()]
    return keys


def source(settings: Settings) -> Literal["environment", "file"]:
    return "environment" if (settings.encryption_keys or "").strip() else "file"


def load_keys(settings: Settings) -> list[str]:
    """The keys in use, newest first; creates the key file with one fresh key if needed."""
    if source(settings) == "environment":
        keys = parse_keys(settings.encryption_keys or "")
        if not keys:
            raise EncryptionKeyError("ORCHESTRE_ENCRYPTION_KEYS is set but holds no key.")
        return keys
    return ensure_key_file(settings.key_file)


def secret_box(settings: Settings) -> SecretBox:
    return SecretBox(load_keys(settings))


def read_key_file(path: Path) -> list[str]:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("%s is readable by other users (mode %o); run: chmod 600 %s", path, mode, path)
    keys = parse_keys(path.read_text())
    if not keys:
        raise EncryptionKeyError(f"{path} holds no key. Restore it from a backup.")
    return keys


def ensure_key_file(path: Path) -> list[str]:
    """Read the key file, creating it with a fresh key (mode 0600) on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once must not each write a different key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_key_file(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(HEADER + new_key() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    log.info("created a new encryption key file at %s", path)
    return read_key_file(path)


def write_key_file(path: Path, keys: list[str]) -> None:
    """Replace the key file atomically: a crash leaves either the old file or the new one."""
    if not keys:
        raise EncryptionKeyError("refusing to write a key file without a key")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".keys-", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(HEADER + "".join(check_key(k) + "\n" for k in keys))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
