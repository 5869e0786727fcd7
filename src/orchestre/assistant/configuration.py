"""Each workspace's model provider: set up by assistant.manage, the key write-only.

A workspace has no provider until someone sets one; until it is switched on, nothing is
sent anywhere and every feature answers with the offline assistant. The key is
Fernet-encrypted and never given back: people see only whether one is set.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from orchestre.assistant import repository, runtime
from orchestre.assistant.providers import (
    ChatMessage,
    ChatRequest,
    OpenAICompatible,
    ProviderError,
)
from orchestre.audit.service import record
from orchestre.errors import FieldError, Invalid
from orchestre.kit.crypto import SecretBox
from orchestre.models import AssistantProvider
from orchestre.workspaces.permissions import Actor, Permission

TIMEOUT_MIN, TIMEOUT_MAX = 1.0, 300.0
KEY_MAX = 4096


class KeyUnreadable(Exception):
    """The stored key cannot be decrypted with the deployment's keys."""


@dataclass(frozen=True)
class ProviderSettings:
    """What people see of a provider: everything but the key."""

    enabled: bool
    base_url: str
    model: str
    key_set: bool
    timeout_seconds: float
    temperature: float | None
    accepts_images: bool
    updated_at: datetime | None


@dataclass(frozen=True)
class ProviderChange:
    enabled: bool
    base_url: str
    model: str
    timeout_seconds: float = 30.0
    temperature: float | None = None
    accepts_images: bool = False
    api_key: str | None = None  # None: keep the key as it is
    clear_key: bool = False


@dataclass(frozen=True)
class ConnectionTest:
    ok: bool
    model: str
    duration_ms: int
    detail: str  # the model's short answer, or what went wrong


@dataclass(frozen=True)
class AssistantStatus:
    """What a person using the assistant may know: is a model on, and which."""

    provider_on: bool
    model: str | None


def _shown(row: AssistantProvider | None) -> ProviderSettings:
    if row is None:
        return ProviderSettings(False, "", "", False, 30.0, None, False, None)
    return ProviderSettings(
        enabled=row.enabled,
        base_url=row.base_url,
        model=row.model,
        key_set=row.key_encrypted is not None,
        timeout_seconds=row.timeout_seconds,
        temperature=row.temperature,
        accepts_images=row.accepts_images,
        updated_at=row.updated_at,
    )


def provider_settings(session: Session, actor: Actor) -> ProviderSettings:
    actor.require(Permission.ASSISTANT_MANAGE)
    return _shown(repository.provider(session, actor.workspace_id))


def status(session: Session, actor: Actor) -> AssistantStatus:
    actor.require(Permission.ASSISTANT_USE)
    row = repository.provider(session, actor.workspace_id)
    on = row is not None and row.enabled
    return AssistantStatus(on, row.model if row is not None and on else None)


def _errors(change: ProviderChange) -> list[FieldError]:
    errors: list[FieldError] = []
    url = change.base_url.strip()
    parts = urlsplit(url) if url else None
    if url and (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username
        or len(url) > 500
    ):
        errors.append(
            FieldError(
                "base_url",
                "url",
                "The base URL is an http or https address without query, such as "
                "http://127.0.0.1:8080/v1 or https://api.example.com/v1.",
            )
        )
    if change.enabled and not url:
        errors.append(FieldError("base_url", "required", "A provider needs its base URL."))
    if change.enabled and not change.model.strip():
        errors.append(FieldError("model", "required", "A provider needs the model's name."))
    if len(change.model) > 200:
        errors.append(FieldError("model", "max_length", "At most 200 characters.", limit=200))
    if not TIMEOUT_MIN <= change.timeout_seconds <= TIMEOUT_MAX:
        errors.append(
            FieldError(
                "timeout_seconds",
                "range",
                "The time limit is between 1 and 300 seconds.",
                limit=[TIMEOUT_MIN, TIMEOUT_MAX],
                actual=change.timeout_seconds,
            )
        )
    if change.temperature is not None and not 0.0 <= change.temperature <= 2.0:
        errors.append(
            FieldError("temperature", "range", "The temperature is between 0 and 2.", limit=[0, 2])
        )
    key = change.api_key
    if key is not None and (not 1 <= len(key) <= KEY_MAX or not key.isprintable()):
        errors.append(FieldError("api_key", "length", "A key is 1 to 4,096 printable characters."))
    return errors


def set_provider(
    session: Session, actor: Actor, box: SecretBox, change: ProviderChange
) -> ProviderSettings:
    """Set up (or switch off) the workspace's provider (assistant.manage)."""
    actor.require(Permission.ASSISTANT_MANAGE)
    errors = _errors(change)
    if errors:
        raise Invalid("This provider cannot be used.", errors=errors)
    row = repository.provider(session, actor.workspace_id)
    before = _audit_view(_shown(row))
    if row is None:
        row = AssistantProvider(workspace_id=actor.workspace_id)
        session.add(row)
    row.enabled = change.enabled
    row.base_url = change.base_url.strip().rstrip("/")
    row.model = change.model.strip()
    row.timeout_seconds = change.timeout_seconds
    row.temperature = change.temperature
    row.accepts_images = change.accepts_images
    row.updated_by = actor.user_id
    if change.clear_key:
        row.key_encrypted = None
    elif change.api_key is not None:
        row.key_encrypted = box.encrypt(change.api_key.encode())
    session.flush()
    after = _shown(row)
    record(
        session,
        actor,
        "assistant.provider_set",
        "assistant_provider",
        row.id,
        before=before,
        after=_audit_view(after),
    )
    return after


def _audit_view(shown: ProviderSettings) -> dict[str, object]:
    return {
        "enabled": shown.enabled,
        "base_url": shown.base_url,
        "model": shown.model,
        "key_set": shown.key_set,
        "timeout_seconds": shown.timeout_seconds,
        "temperature": shown.temperature,
        "accepts_images": shown.accepts_images,
    }


def open_provider(row: AssistantProvider, box: SecretBox | None) -> OpenAICompatible:
    """The client for a provider row, its key decrypted (KeyUnreadable if it cannot be)."""
    key = None
    if row.key_encrypted is not None:
        if box is None:
            raise KeyUnreadable("no key box to decrypt the provider's key")
        try:
            key = box.decrypt(row.key_encrypted).decode()
        except ValueError as exc:
            raise KeyUnreadable("the provider's key cannot be decrypted") from exc
    return OpenAICompatible(
        row.base_url,
        row.model,
        api_key=key,
        timeout=row.timeout_seconds,
        temperature=row.temperature,
        transport=runtime.transport(),
    )


def enabled_provider(session: Session, workspace_id: uuid.UUID) -> AssistantProvider | None:
    row = repository.provider(session, workspace_id)
    return row if row is not None and row.enabled and row.base_url and row.model else None


def test_connection(session: Session, actor: Actor, box: SecretBox) -> ConnectionTest:
    """Ask the configured provider for one word, switched on or not (assistant.manage)."""
    actor.require(Permission.ASSISTANT_MANAGE)
    row = repository.provider(session, actor.workspace_id)
    if row is None or not row.base_url or not row.model:
        raise Invalid(
            "Set the provider's base URL and model first.",
            errors=[FieldError("base_url", "required", "Set the provider's base URL first.")],
        )
    started = time.monotonic()
    try:
        client = open_provider(row, box)
        reply = client.complete(
            ChatRequest(
                [ChatMessage("user", "Reply with the single word OK.")],
                max_tokens=5,
            )
        )
    except KeyUnreadable as exc:
        return ConnectionTest(False, row.model, 0, str(exc))
    except ProviderError as exc:
        took = int((time.monotonic() - started) * 1000)
        return ConnectionTest(False, row.model, took, f"{exc.reason}: {exc.detail}")
    took = int((time.monotonic() - started) * 1000)
    return ConnectionTest(True, reply.model, took, reply.text.strip()[:200])


def rotate_keys(session: Session, box: SecretBox) -> int:
    """Re-encrypt every workspace's provider key under the box's newest key (key rotation,
    `orchestre rotate-key`); a key no known key reads is left as it is. How many moved."""
    moved = 0
    for row in repository.providers_with_key(session):
        if row.key_encrypted is None:
            continue
        try:
            row.key_encrypted = box.rotate(row.key_encrypted)
        except ValueError:
            continue
        moved += 1
    session.flush()
    return moved
