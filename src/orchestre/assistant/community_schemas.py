"""API models of the community assistant: reply suggestions and summaries, each a draft
that names the provider and the prompt that produced it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from orchestre.apischema import InputModel, Lax, OutputModel

Language = Literal["en", "fr"]


class ReplySuggestionsCreate(InputModel):
    message_id: Lax[uuid.UUID] | None = Field(
        None, description="The message to answer; by default the latest inbound one"
    )


class SummaryCreate(InputModel):
    language: Language = Field("en", description="The reader's language")


class Grounding(OutputModel):
    kind: Literal["saved_reply", "past_answer", "template"]
    label: str = Field(description="The saved reply's name, or the message a past answer answered")
    id: uuid.UUID | None = Field(description="The saved reply's or the past answer's id")
    score: float = Field(description="Likeness to the message answered (0..1)")


class Suggestion(OutputModel):
    text: str
    grounding: list[Grounding]


class Drafted(OutputModel):
    draft: bool = Field(True, description="Always true: a person accepts, edits or drops it")
    source: str = Field(description="offline, or provider:<model>")
    prompt_id: str = Field(description="The feature's prompt and its version")
    fell_back: str | None = Field(description="Why the provider's answer was not used")
    call_id: uuid.UUID | None = Field(description="The logged assistant call")


class ReplySuggestions(Drafted):
    conversation_id: uuid.UUID
    answering_id: uuid.UUID | None = Field(description="The message the suggestions answer")
    language: Language = Field(description="The author's language, the suggestions' language")
    intent: Literal["question", "complaint", "request", "praise", "other"]
    suggestions: list[Suggestion] = Field(description="Up to three, never sent by themselves")


class Quote(OutputModel):
    who: str
    at: datetime
    text: str


class Summary(Drafted):
    language: Language
    points: list[str]
    quotes: list[Quote] = Field(description="Key sentences of the source, quoted as written")
