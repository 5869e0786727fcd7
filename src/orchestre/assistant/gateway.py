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

import dataclasses
import json
import math
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from orchestre.assistant import configuration, repository, runtime
from orchestre.assistant.providers import ChatMessage, ChatRequest, ProviderError
from orchestre.models import AssistantCall, AssistantProvider
from orchestre.workspaces.permissions import Actor, Permission

Role = Literal["system", "user", "assistant"]
OFFLINE = "offline"
T = TypeVar("T")


@dataclass(frozen=True)
class Message:
    role: Role
    content: str
    # Images for a model that reads them, as data URLs (sent only when the workspace's
    # provider says it accepts images; else left out).
    images: tuple[str, ...] = field(default=())


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
    json_mode: bool = False,
) -> Drafted[T]:
    """Ask the workspace's provider, or fall back to the offline assistant.

    The caller's permission is checked here (assistant.use). `check` returns None when a
    value is acceptable, else the rule it breaks in words. `offline` must itself give a
    valid answer: it is what the workspace gets with no provider at all. `json_mode` asks
    the provider for a JSON object (OpenAI's response_format), for parsers that read JSON.
    """
    actor.require(Permission.ASSISTANT_USE)
    row = configuration.enabled_provider(session, actor.workspace_id)
    log = _Log(feature=feature, prompt_id=prompt_id, request=_request_text(messages))
    started = time.monotonic()
    if row is None:
        value = offline()
        call = log.write(session, actor, value, started, outcome="offline")
        return Drafted(value=value, source=OFFLINE, prompt_id=prompt_id, call_id=call.id)
    log.provider = _provider_label(row)
    answer = _ask(row, log, messages, parse, check, max_tokens, json_mode)
    if isinstance(answer, _Answer):
        source = f"provider:{answer.model}"
        call = log.write(session, actor, answer.value, started, outcome="ok", source=source)
        return Drafted(value=answer.value, source=source, prompt_id=prompt_id, call_id=call.id)
    value = offline()
    call = log.write(session, actor, value, started, outcome="fell_back", fell_back=answer)
    return Drafted(
        value=value, source=OFFLINE, prompt_id=prompt_id, call_id=call.id, fell_back=answer
    )


@dataclass
class _Answer(Generic[T]):
    value: T
    model: str


RETRY = (
    "Your answer cannot be used: {problem}. Answer again, following every instruction "
    "above, with the answer only."
)


def _ask(
    row: AssistantProvider,
    log: _Log,
    messages: Sequence[Message],
    parse: Callable[[str], T],
    check: Callable[[T], str | None] | None,
    max_tokens: int,
    json_mode: bool,
) -> _Answer[T] | str:
    """The provider's checked answer, or why there is none (in a few words). One retry,
    with the problem said, when the answer could not be read or broke a rule."""
    try:
        # The box only when there is a key: a local server without one needs no keys.
        box = runtime.box() if row.key_encrypted is not None else None
        client = configuration.open_provider(row, box)
    except configuration.KeyUnreadable as exc:
        return str(exc)
    conversation = list(messages)
    problem = "no answer"
    for attempt in range(2):
        log.attempts += 1
        chat = [_chat_message(m, row.accepts_images) for m in conversation]
        log.request = _request_text(conversation)
        try:
            reply = client.complete(ChatRequest(chat, max_tokens=max_tokens, json_mode=json_mode))
        except ProviderError as exc:
            return _short(f"{exc.reason}: {exc.detail}")
        log.count(conversation, reply.text, reply.prompt_tokens, reply.completion_tokens)
        log.responses.append(reply.text)
        try:
            value = parse(reply.text)
        except ValueError as exc:
            problem = _short(f"unreadable answer: {exc}")
        else:
            broken = check(value) if check is not None else None
            if broken is None:
                return _Answer(value, reply.model)
            problem = _short(f"check failed: {broken}")
        if attempt == 0:
            conversation += [
                Message("assistant", reply.text),
                Message("user", RETRY.format(problem=problem)),
            ]
    return problem


def _chat_message(message: Message, accepts_images: bool) -> ChatMessage:
    if not message.images or not accepts_images:
        return ChatMessage(message.role, message.content)
    parts: list[dict[str, Any]] = [{"type": "text", "text": message.content}]
    parts += [{"type": "image_url", "image_url": {"url": url}} for url in message.images]
    return ChatMessage(message.role, parts)


def _provider_label(row: AssistantProvider) -> str:
    host = urlsplit(row.base_url).netloc or row.base_url
    return f"{host} {row.model}"[:500]


def _short(text: str) -> str:
    return text if len(text) <= 480 else text[:479] + "…"


def estimate_tokens(text: str) -> int:
    """About four characters a token (what OpenAI's guidance says for English)."""
    return math.ceil(len(text) / 4) if text else 0


TEXT_MAX = 50_000


def _request_text(messages: Sequence[Message]) -> str:
    shown = [
        {"role": m.role, "content": m.content, **({"images": len(m.images)} if m.images else {})}
        for m in messages
    ]
    return json.dumps(shown, ensure_ascii=False, indent=1)[:TEXT_MAX]


def value_text(value: object) -> str:
    """A value as the call log shows it: text as is, anything else as JSON."""
    if isinstance(value, str):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)


@dataclass
class _Log:
    feature: str
    prompt_id: str
    request: str
    provider: str | None = None
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: bool = False
    responses: list[str] = field(default_factory=list)

    def count(
        self, sent: Sequence[Message], text: str, prompt: int | None, completion: int | None
    ) -> None:
        if prompt is None or completion is None:
            self.estimated = True
        self.prompt_tokens += (
            prompt if prompt is not None else sum(estimate_tokens(m.content) for m in sent)
        )
        self.completion_tokens += completion if completion is not None else estimate_tokens(text)

    def write(
        self,
        session: Session,
        actor: Actor,
        value: object,
        started: float,
        *,
        outcome: str,
        source: str = OFFLINE,
        fell_back: str | None = None,
    ) -> AssistantCall:
        answers = [*self.responses]
        if outcome != "ok":
            answers.append(f"[{OFFLINE}] {value_text(value)}")
        response = "\n\n---\n\n".join(answers) if len(answers) > 1 else "".join(answers)
        return repository.add_call(
            session,
            AssistantCall(
                workspace_id=actor.workspace_id,
                user_id=actor.user_id,
                feature=self.feature[:80],
                prompt_id=self.prompt_id[:120],
                source=source[:240],
                provider=self.provider,
                outcome=outcome,
                fell_back=fell_back,
                attempts=self.attempts,
                prompt_tokens=self.prompt_tokens,
                completion_tokens=self.completion_tokens,
                tokens_estimated=self.estimated,
                duration_ms=int((time.monotonic() - started) * 1000),
                request_text=self.request,
                response_text=response[:TEXT_MAX],
            ),
        )
