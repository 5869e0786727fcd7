"""API models of listening's feeds: a feed followed, a change to it, a reading's outcome."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, computed_field

from orchestre.apischema import InputModel, OutputModel
from orchestre.listening.feeds_fetch import RULES


class FeedCreate(InputModel):
    url: str = Field(
        max_length=2000,
        description="The feed's address (http or https): RSS 0.9x, 1.0, 2.0 or Atom 1.0, or "
        "a web page that announces one. It is fetched now; a broken rule is a 422 on field "
        "url (not_a_feed, unreachable, too_large, private_address, invalid_url, "
        "too_many_redirects, http_error, rate_limited, unsafe_xml).",
    )
    name: str = Field(default="", max_length=200, description="Empty: the feed's own title")
    active: bool = True


class FeedUpdate(InputModel):
    name: str | None = Field(default=None, max_length=200)
    active: bool | None = None


class Feed(OutputModel):
    id: uuid.UUID
    url: str
    name: str
    active: bool
    last_read_at: datetime | None
    next_read_at: datetime
    entries_seen: int = Field(description="Distinct entries the feed has listed since added")
    consecutive_failures: int
    last_error: str | None = Field(
        description="The rule the last read broke; null after a good one"
    )
    last_error_detail: str | None
    created_at: datetime

    @computed_field(description="The last error in words")  # type: ignore[prop-decorator]
    @property
    def last_error_message(self) -> str | None:
        return RULES.get(self.last_error, self.last_error) if self.last_error else None


class FeedsCollected(OutputModel):
    read: int = Field(description="Feeds that answered (changed or not)")
    unchanged: int = Field(description="Feeds unchanged since their last read (HTTP 304)")
    entries: int = Field(description="Entries never seen before")
    stored: int = Field(description="Mentions stored (matched, new)")
    postponed: int = Field(description="Feeds that failed and will be tried again later")
    errors: list[str]


class ImportedOutline(OutputModel):
    position: int = Field(description="The outline's place among the file's feeds, from 1")
    title: str
    url: str = Field(description="The xmlUrl the file gives")
    outcome: Literal["added", "already_followed", "refused"]
    rule: str | None = Field(
        description="Why it was refused: no_address, max_length, not_tried (not read within "
        "the import's time; import the file again) or a rule of adding a feed (not_a_feed, "
        "unreachable, private_address...)"
    )
    message: str | None
    detail: str | None = Field(description="What the site answered, when it says more")
    feed_id: uuid.UUID | None = Field(description="The feed followed, when added")


class FeedsImported(OutputModel):
    added: int
    already_followed: int
    refused: int
    outlines: list[ImportedOutline]
