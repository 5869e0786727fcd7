"""Language model providers behind one protocol, and the OpenAI-compatible one.

Every provider a workspace can use speaks OpenAI's chat-completions over HTTP: hosted
services and local servers alike (llama.cpp's `llama-server`, vLLM, Ollama). So one small
client on httpx is enough (no vendor SDK): POST `{base_url}/chat/completions` with the
messages, read `choices[0].message.content` and `usage`. Its transport is injectable so
tests drive it without a network. Failures are types: the server cannot be reached, it
answered an HTTP error, it took too long, or its answer is not a chat completion.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

# What a message's content may be: text, or OpenAI's list of parts (text and image_url).
Content = str | list[dict[str, Any]]


@dataclass(frozen=True)
class ChatMessage:
    role: str
    content: Content


@dataclass(frozen=True)
class ChatRequest:
    messages: Sequence[ChatMessage]
    max_tokens: int = 600
    json_mode: bool = False


@dataclass(frozen=True)
class ChatReply:
    text: str
    model: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


class ProviderError(Exception):
    """A provider did not give a usable answer; `reason` is a short phrase for people."""

    reason = "provider error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ProviderUnreachable(ProviderError):
    reason = "unreachable"


class ProviderTimeout(ProviderError):
    reason = "timeout"


class ProviderHTTPError(ProviderError):
    reason = "http error"

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}" if message else f"HTTP {status}")
        self.status = status
        self.message = message


class ProviderBadPayload(ProviderError):
    reason = "bad payload"


class ChatProvider(Protocol):
    """What the gateway needs from a model: one chat completion, or a ProviderError."""

    @property
    def label(self) -> str: ...

    def complete(self, request: ChatRequest) -> ChatReply: ...


def _error_message(response: httpx.Response) -> str:
    """The server's own words about the error (OpenAI's `error.message`), kept short."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300]
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])[:300]
        if isinstance(error, str):
            return error[:300]
        if isinstance(body.get("message"), str):
            return str(body["message"])[:300]
    return response.text.strip()[:300]


def _usage(body: dict[str, Any], name: str) -> int | None:
    usage = body.get("usage")
    if isinstance(usage, dict):
        value = usage.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


def parse_completion(body: Any, fallback_model: str) -> ChatReply:
    """A chat-completions answer, or ProviderBadPayload saying what is missing."""
    if not isinstance(body, dict):
        raise ProviderBadPayload("the answer is not a JSON object")
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ProviderBadPayload("the answer has no choices")
    message = choices[0].get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        raise ProviderBadPayload("the answer's first choice has no text")
    model = body.get("model")
    return ChatReply(
        text=content,
        model=model if isinstance(model, str) and model else fallback_model,
        prompt_tokens=_usage(body, "prompt_tokens"),
        completion_tokens=_usage(body, "completion_tokens"),
        raw=body,
    )


class OpenAICompatible:
    """A chat-completions endpoint: a hosted service or a local llama.cpp, vLLM, Ollama."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        temperature: float | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self._api_key = api_key
        self._timeout = timeout
        self._temperature = temperature
        self._transport = transport

    @property
    def label(self) -> str:
        return f"{self.base_url} {self.model}"

    def payload(self, request: ChatRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "max_tokens": request.max_tokens,
            "stream": False,
        }
        if self._temperature is not None:
            body["temperature"] = self._temperature
        if request.json_mode:
            body["response_format"] = {"type": "json_object"}
        return body

    def complete(self, request: ChatRequest) -> ChatReply:
        headers = {"Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        try:
            with httpx.Client(
                transport=self._transport, timeout=self._timeout, follow_redirects=False
            ) as client:
                response = client.post(
                    f"{self.base_url}/chat/completions",
                    json=self.payload(request),
                    headers=headers,
                )
        except httpx.TimeoutException as exc:
            raise ProviderTimeout(f"no answer within {self._timeout:g} s") from exc
        except httpx.HTTPError as exc:
            # The key is in a header; httpx's messages name the address, never headers.
            raise ProviderUnreachable(
                f"cannot reach {self.base_url}: {type(exc).__name__}"
            ) from exc
        if response.status_code >= 400:
            raise ProviderHTTPError(response.status_code, _error_message(response))
        try:
            body = response.json()
        except (ValueError, json.JSONDecodeError) as exc:
            raise ProviderBadPayload("the answer is not JSON") from exc
        return parse_completion(body, self.model)
