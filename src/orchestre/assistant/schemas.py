"""API models of the assistant: the provider (its key write-only), the call log, writing."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from orchestre.apischema import CursorPage, InputModel, LaxUUID, OutputModel


class Provider(OutputModel):
    enabled: bool
    base_url: str
    model: str
    key_set: bool = Field(description="Whether a key is stored; the key itself is never shown")
    timeout_seconds: float
    temperature: float | None
    accepts_images: bool
    updated_at: datetime | None


class ProviderPut(InputModel):
    enabled: bool
    base_url: str = Field(
        default="",
        max_length=500,
        description="An OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 (llama.cpp), "
        "http://127.0.0.1:11434/v1 (Ollama) or https://api.openai.com/v1",
    )
    model: str = Field(default="", max_length=200)
    api_key: str | None = Field(
        default=None, max_length=4096, description="Write-only; omitted or null keeps the key"
    )
    clear_key: bool = False
    timeout_seconds: float = Field(default=30.0, ge=1, le=300)
    temperature: float | None = Field(default=None, ge=0, le=2)
    accepts_images: bool = False


class ConnectionTest(OutputModel):
    ok: bool
    model: str
    duration_ms: int
    detail: str


class Status(OutputModel):
    provider_on: bool
    model: str | None


class Call(OutputModel):
    id: uuid.UUID
    user_id: uuid.UUID | None
    feature: str
    prompt_id: str
    source: str
    provider: str | None
    outcome: str
    fell_back: str | None
    attempts: int
    prompt_tokens: int
    completion_tokens: int
    tokens_estimated: bool
    duration_ms: int
    created_at: datetime


class CallDetail(Call):
    request_text: str
    response_text: str


class CallPage(CursorPage[Call]):
    pass


class Draft(OutputModel):
    """What every assistant answer carries: it is a draft, from which source and prompt."""

    draft: bool = True
    source: str = Field(description="offline, or provider:<model>")
    prompt_id: str
    call_id: uuid.UUID | None
    fell_back: str | None = Field(description="Why the provider's answer was not used, if asked")


class CaptionIn(InputModel):
    topic: str = Field(min_length=1, max_length=2000)
    language: str = Field(default="en", description="fr or en")
    tone: str = Field(
        default="friendly", description="friendly, professional, playful, inspiring, informative"
    )
    call_to_action: str = Field(default="", max_length=300)
    pillar_id: LaxUUID | None = None


class CaptionOut(Draft):
    text: str


class AdaptIn(InputModel):
    text: str = Field(min_length=1, max_length=10_000)
    channel_ids: list[LaxUUID] = Field(min_length=1, max_length=20)
    language: str | None = Field(default=None, description="fr or en: checked when given")


class AdaptedVariant(Draft):
    channel_id: uuid.UUID
    network: str
    text: str
    thread: list[str]
    first_comment: str
    title: str


class AdaptOut(OutputModel):
    items: list[AdaptedVariant]


class HashtagsIn(InputModel):
    text: str = Field(min_length=1, max_length=10_000)
    language: str = Field(default="en", description="fr or en")


class Hashtag(OutputModel):
    tag: str
    why: str = Field(description="required, history, trend, text or model")


class HashtagsOut(Draft):
    hashtags: list[Hashtag]


class AltTextIn(InputModel):
    media_id: LaxUUID
    post_text: str = Field(default="", max_length=10_000)
    language: str = Field(default="en", description="fr or en")


class AltTextOut(Draft):
    text: str


class VideoIn(InputModel):
    text: str = Field(min_length=1, max_length=10_000)
    language: str = Field(default="en", description="fr or en")


class VideoOut(Draft):
    title: str
    description: str


class PostCallsIn(InputModel):
    call_ids: list[LaxUUID] = Field(min_length=1, max_length=50)


class PostCalls(OutputModel):
    items: list[Call]
