"""The one door to a language model for every assistant feature.

A feature builds its prompt (`messages`), says how to read a model's text (`parse`, which
raises ValueError on text it cannot use) and how to check the result (`check`), and gives
the offline assistant's answer (`offline`, computed only when needed). `draft` asks the
workspace's provider when it switched one on; when none is on, or the call fails, times
out, or its text cannot be parsed or fails the check, the offline answer is used and the
reason is kept. Every call is logged (who, which feature and prompt, tokens, time) so it
can be reviewed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from sqlalchemy.orm import Session

from orchestre.workspaces.permissions import Actor, Permission

Role = Literal["system", "user", "assistant"]
OFFLINE = "offline"
T = TypeVar("T")


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True)
class Drafted(Generic[T]):
    """What a feature gets back: always a draft for a person to accept."""

    value: T
    source: str  # OFFLINE, or "provider:<model>"
    prompt_id: str  # the feature's prompt and its version, e.g. "writing.caption/1"
    call_id: uuid.UUID | None = None  # the logged call, when one was logged
    fell_back: str | None = None  # why the provider's answer was not used, if one was on

    @property
    def offline(self) -> bool:
        return self.source == OFFLINE


def draft(
    session: Session,
    actor: Actor,
    *,
    feature: str,
    prompt_id: str,
    messages: Sequence[Message],
    parse: Callable[[str], T],
    offline: Callable[[], T],
    check: Callable[[T], str | None] | None = None,
    max_tokens: int = 600,
) -> Drafted[T]:
    """Ask the workspace's provider, or fall back to the offline assistant.

    The caller's permission is checked here (assistant.use). `check` returns None when a
    value is acceptable, else the rule it breaks in words. `offline` must itself give a
    valid answer: it is what the workspace gets with no provider at all.
    """
    actor.require(Permission.ASSISTANT_USE)
    del session, feature, messages, parse, check, max_tokens  # no provider yet: offline only
    return Drafted(value=offline(), source=OFFLINE, prompt_id=prompt_id)
