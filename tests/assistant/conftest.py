"""Fixtures of the assistant's tests: a local OpenAI-compatible server (`llm_server`), a
helper that switches a workspace's provider on (`switch_on_provider`), and a key box of
the test's own so no test reads or writes the machine's key file."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.assistant import runtime
from orchestre.kit.crypto import SecretBox, new_key
from orchestre.models import AssistantProvider
from tests.assistant.llm_server import LLMServer, Recorded, Reply

__all__ = ["LLMServer", "Recorded", "Reply", "switch_on_provider"]


@pytest.fixture(autouse=True)
def assistant_box() -> Iterator[SecretBox]:
    """The process's assistant key box for this test (an app the test creates replaces it)."""
    box = SecretBox([new_key()])
    runtime.use_box(box)
    yield box
    runtime.use_box(None)
    runtime.use_transport(None)


@pytest.fixture
def llm_server() -> Iterator[LLMServer]:
    server = LLMServer()
    yield server
    server.close()


def switch_on_provider(
    session: Session,
    workspace_id: uuid.UUID,
    base_url: str,
    model: str = "test",
    *,
    api_key: str | None = None,
    timeout_seconds: float = 5.0,
    accepts_images: bool = False,
    enabled: bool = True,
) -> AssistantProvider:
    """Give the workspace a provider at `base_url` (e.g. `llm_server.base_url`), switched on."""
    row = session.scalar(
        select(AssistantProvider).where(AssistantProvider.workspace_id == workspace_id)
    )
    if row is None:
        row = AssistantProvider(workspace_id=workspace_id)
        session.add(row)
    row.enabled = enabled
    row.base_url = base_url.rstrip("/")
    row.model = model
    row.timeout_seconds = timeout_seconds
    row.accepts_images = accepts_images
    row.key_encrypted = runtime.box().encrypt(api_key.encode()) if api_key else None
    session.flush()
    return row
