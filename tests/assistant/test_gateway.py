"""The gateway: the provider is asked only when switched on, its answers are parsed and
checked, any failure falls back to the offline answer, and every call is logged."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.assistant import gateway
from orchestre.assistant.gateway import Message
from orchestre.errors import Forbidden
from orchestre.models import AssistantCall, Workspace
from orchestre.workspaces.permissions import Actor, Role
from tests.assistant.conftest import LLMServer, Reply, switch_on_provider
from tests.factories import add_member, make_user, make_workspace


@pytest.fixture
def ws(db: Session) -> Workspace:
    return make_workspace(db)


@pytest.fixture
def actor(db: Session, ws: Workspace) -> Actor:
    user = make_user(db)
    add_member(db, ws, user, "content_creator")
    return Actor(user.id, ws.id, frozenset({Role.CONTENT_CREATOR}))


MESSAGES = [Message("system", "You write captions."), Message("user", "Topic: bread")]


def _upper(text: str) -> str:
    if not text.strip():
        raise ValueError("empty")
    return text.strip().upper()


def _ask(db: Session, actor: Actor, **kwargs: object) -> gateway.Drafted[str]:
    options: dict[str, object] = {
        "feature": "writing.caption",
        "prompt_id": "writing.caption/1",
        "messages": MESSAGES,
        "parse": _upper,
        "offline": lambda: "OFFLINE CAPTION",
    }
    options.update(kwargs)
    return gateway.draft(db, actor, **options)  # type: ignore[arg-type]


def _calls(db: Session, actor: Actor) -> list[AssistantCall]:
    return list(
        db.scalars(select(AssistantCall).where(AssistantCall.workspace_id == actor.workspace_id))
    )


def test_with_no_provider_the_offline_answer_is_given_and_logged(
    db: Session, actor: Actor, llm_server: LLMServer
) -> None:
    drafted = _ask(db, actor)
    assert drafted.offline
    assert drafted.value == "OFFLINE CAPTION"
    assert drafted.fell_back is None
    [call] = _calls(db, actor)
    assert call.id == drafted.call_id
    assert (call.outcome, call.source, call.user_id) == ("offline", "offline", actor.user_id)
    assert call.feature == "writing.caption"
    assert "OFFLINE CAPTION" in call.response_text
    assert llm_server.requests == []


def test_a_provider_switched_off_is_never_called(
    db: Session, actor: Actor, llm_server: LLMServer
) -> None:
    switch_on_provider(db, actor.workspace_id, llm_server.base_url, enabled=False)
    assert _ask(db, actor).offline
    assert llm_server.requests == []


def test_the_provider_answer_is_parsed_and_used(
    db: Session, actor: Actor, llm_server: LLMServer
) -> None:
    switch_on_provider(db, actor.workspace_id, llm_server.base_url, model="tiny")
    llm_server.reply(
        Reply("fresh bread today", usage={"prompt_tokens": 31, "completion_tokens": 4})
    )
    drafted = _ask(db, actor, max_tokens=123)
    assert drafted.value == "FRESH BREAD TODAY"
    assert drafted.source == "provider:tiny"
    [sent] = llm_server.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.json["model"] == "tiny"
    assert sent.json["max_tokens"] == 123
    assert sent.messages == [
        {"role": "system", "content": "You write captions."},
        {"role": "user", "content": "Topic: bread"},
    ]
    assert "authorization" not in {k.lower() for k in sent.headers}
    [call] = _calls(db, actor)
    assert (call.outcome, call.prompt_tokens, call.completion_tokens) == ("ok", 31, 4)
    assert not call.tokens_estimated
    assert call.provider is not None
    assert "tiny" in call.provider
    assert json.loads(call.request_text)[1]["content"] == "Topic: bread"
    assert call.response_text == "fresh bread today"


def test_tokens_are_estimated_when_the_answer_has_no_usage(
    db: Session, actor: Actor, llm_server: LLMServer
) -> None:
    switch_on_provider(db, actor.workspace_id, llm_server.base_url)
    llm_server.reply(Reply("x" * 40, usage=None))
    _ask(db, actor)
    [call] = _calls(db, actor)
    assert call.tokens_estimated
    assert call.completion_tokens == 10
    assert call.prompt_tokens > 0


def test_the_key_is_sent_as_bearer_and_never_logged(
    db: Session, actor: Actor, llm_server: LLMServer
) -> None:
    switch_on_provider(db, actor.workspace_id, llm_server.base_url, api_key="sk-secret-123")
    _ask(db, actor)
    assert llm_server.requests[0].headers["Authorization"] == "Bearer sk-secret-123"
    [call] = _calls(db, actor)
    row_text = " ".join(str(getattr(call, c.key)) for c in AssistantCall.__table__.columns)
    assert "sk-secret-123" not in row_text


def test_json_mode_asks_for_a_json_object(db: Session, actor: Actor, llm_server: LLMServer) -> None:
    switch_on_provider(db, actor.workspace_id, llm_server.base_url)
    _ask(db, actor, json_mode=True)
    assert llm_server.requests[0].json["response_format"] == {"type": "json_object"}


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(status=500, error="model crashed"), "http error: HTTP 500: model crashed"),
        (Reply(status=401, error="Invalid API key"), "http error: HTTP 401: Invalid API key"),
        (Reply(raw=b"<html>proxy</html>"), "bad payload: the answer is not JSON"),
        (Reply(raw=b'{"choices": []}'), "bad payload: the answer has no choices"),
    ],
)
def test_a_failing_provider_falls_back_to_the_offline_answer(
    db: Session, actor: Actor, llm_server: LLMServer, reply: Reply, reason: str
) -> None:
    switch_on_provider(db, actor.workspace_id, llm_server.base_url)
    llm_server.reply(reply)
    drafted = _ask(db, actor)
    assert drafted.offline
    assert drafted.value == "OFFLINE CAPTION"
    assert drafted.fell_back == reason
    [call] = _calls(db, actor)
    assert (call.outcome, call.fell_back, call.attempts) == ("fell_back", reason, 1)
    assert len(llm_server.requests) == 1  # a transport failure is not retried


def test_a_slow_provider_times_out_and_falls_back(
    db: Session, actor: Actor, llm_server: LLMServer
) -> None:
    switch_on_provider(db, actor.workspace_id, llm_server.base_url, timeout_seconds=0.3)
    llm_server.reply(Reply("too late", delay=1.5))
    drafted = _ask(db, actor)
    assert drafted.offline
    assert drafted.fell_back is not None
    assert drafted.fell_back.startswith("timeout")
    [call] = _calls(db, actor)
    assert call.duration_ms >= 250


def test_an_unreachable_provider_falls_back(
    db: Session, actor: Actor, llm_server: LLMServer
) -> None:
    port = llm_server.port
    llm_server.close()
    switch_on_provider(db, actor.workspace_id, f"http://127.0.0.1:{port}/v1")
    drafted = _ask(db, actor)
    assert drafted.offline
    assert drafted.fell_back is not None
    assert drafted.fell_back.startswith("unreachable")


def test_an_answer_failing_the_check_is_retried_once_with_the_problem(
    db: Session, actor: Actor, llm_server: LLMServer
) -> None:
    switch_on_provider(db, actor.workspace_id, llm_server.base_url)
    llm_server.reply("buy now cheap", "fresh bread")

    def no_cheap(value: str) -> str | None:
        return "the word 'cheap' is banned" if "CHEAP" in value else None

    drafted = _ask(db, actor, check=no_cheap)
    assert drafted.value == "FRESH BREAD"
    assert not drafted.offline
    second = llm_server.requests[1].messages
    assert second[-2] == {"role": "assistant", "content": "buy now cheap"}
    assert "the word 'cheap' is banned" in second[-1]["content"]
    [call] = _calls(db, actor)
    assert (call.outcome, call.attempts) == ("ok", 2)


def test_two_unusable_answers_fall_back(db: Session, actor: Actor, llm_server: LLMServer) -> None:
    switch_on_provider(db, actor.workspace_id, llm_server.base_url)
    llm_server.reply("   ", "  ")
    drafted = _ask(db, actor)
    assert drafted.offline
    assert drafted.fell_back == "unreadable answer: empty"
    [call] = _calls(db, actor)
    assert call.attempts == 2
    assert "[offline] OFFLINE CAPTION" in call.response_text


def test_images_are_sent_only_to_a_model_that_reads_them(
    db: Session, actor: Actor, llm_server: LLMServer
) -> None:
    with_image = [Message("user", "Describe", images=("data:image/png;base64,AAAA",))]
    switch_on_provider(db, actor.workspace_id, llm_server.base_url)
    _ask(db, actor, messages=with_image)
    assert llm_server.requests[0].messages[0]["content"] == "Describe"
    switch_on_provider(db, actor.workspace_id, llm_server.base_url, accepts_images=True)
    _ask(db, actor, messages=with_image)
    parts = llm_server.requests[1].messages[0]["content"]
    assert parts[1] == {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
    assert "base64" not in _calls(db, actor)[0].request_text


def test_a_person_without_assistant_use_is_refused(db: Session, ws: Workspace) -> None:
    reviewer = Actor(make_user(db).id, ws.id, frozenset({Role.REVIEWER}))
    with pytest.raises(Forbidden):
        _ask(db, reviewer)


def test_key_rotation_moves_the_provider_key_to_the_new_key(
    db: Session, actor: Actor, llm_server: LLMServer
) -> None:
    from orchestre.assistant import configuration, runtime
    from orchestre.kit.crypto import SecretBox, new_key

    old = runtime.box()
    switch_on_provider(db, actor.workspace_id, llm_server.base_url, api_key="sk-rotated")
    fresh = new_key()
    assert configuration.rotate_keys(db, SecretBox([fresh, *old.keys])) >= 1
    runtime.use_box(SecretBox([fresh]))
    _ask(db, actor)
    assert llm_server.requests[0].headers["Authorization"] == "Bearer sk-rotated"
