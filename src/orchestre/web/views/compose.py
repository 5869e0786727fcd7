"""The composer's live side: each channel's counter, broken rules and preview, as htmx swaps.

The editor form posts itself here (debounced on input); the answer carries, for every
selected channel, its counter and findings (measured by `posts.compose.check`, the same
service as the JSON route) and its network's preview, swapped in place out of band.
Form fields of a channel `cid`: `text-cid` (empty: the base text), `link-cid`,
`first_comment-cid`, `thread-cid` (repeated: the following posts of a thread),
`media-cid` (repeated media ids) and `opt-cid-<key>` for the network options below.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from orchestre.connectors.rules.poll import KEY as POLL_KEY
from orchestre.errors import DomainError
from orchestre.models import Channel
from orchestre.posts import compose
from orchestre.posts.compose_schemas import CheckResult, ComposeCheck, Counter, Violation
from orchestre.posts.service import PostView
from orchestre.web import compose_preview
from orchestre.web.compose_messages import describe
from orchestre.web.forms import Form, optional, text, texts
from orchestre.web.i18n import gettext as _
from orchestre.web.render import render
from orchestre.web.session import CurrentWorkspace, WorkspaceView
from orchestre.web.shell import list_channels
from orchestre.workspaces.permissions import Permission

router = APIRouter(prefix="/w/{workspace_id}")

# The network options the editor offers (what the connectors read from DraftPost.options).
OPTION_KEYS = ("title", "privacy", "privacy_level", "format", "spoiler_text", "visibility")
NEAR = 0.9  # a counter turns amber past 90 % of the limit
POLL_MINUTES = 1440  # a poll stays open a day unless the person chose otherwise
POLL_CHOICES = 4  # the editor offers four choice fields (the most X and Mastodon take)


@dataclass(frozen=True)
class Message:
    severity: str
    field: str
    rule: str
    text: str


@dataclass(frozen=True)
class Live:
    """One channel's live state: counters, findings in the reader's language, preview."""

    channel: Channel
    result: CheckResult | None
    messages: list[Message]
    preview: compose_preview.Preview

    @property
    def errors(self) -> int:
        return sum(1 for m in self.messages if m.severity == "error")

    def counter_state(self, counter: Counter) -> str:
        if counter.length > counter.limit:
            return "over"
        return "near" if counter.length >= counter.limit * NEAR else ""


def variant_options(form: FormData, cid: str) -> dict[str, Any]:
    """The network options and thread parts a channel's tab holds."""
    options: dict[str, Any] = {}
    for key in OPTION_KEYS:
        value = optional(form, f"opt-{cid}-{key}")
        if value is not None:
            options[key] = value
    thread = [part.strip() for part in texts(form, f"thread-{cid}") if part.strip()]
    if thread:
        options["thread"] = thread
    choices = [choice.strip() for choice in texts(form, f"poll-{cid}") if choice.strip()]
    if choices:
        minutes = text(form, f"poll_minutes-{cid}").strip()
        duration = int(minutes) if minutes.isdigit() else POLL_MINUTES
        options[POLL_KEY] = {"options": choices, "duration_minutes": duration}
    return options


def _media_frames(base: str, ids: list[uuid.UUID], kinds: dict[uuid.UUID, str]) -> list[Any]:
    return [
        compose_preview.MediaFrame(
            url=f"/api/v1/workspaces/{base}/media/{media_id}/file", kind=kinds.get(media_id, "")
        )
        for media_id in ids
    ]


def _media_ids(form: FormData, cid: str) -> list[uuid.UUID]:
    found = []
    for raw in texts(form, f"media-{cid}"):
        try:
            found.append(uuid.UUID(raw))
        except ValueError:
            continue
    return found


def channel_live(
    view: WorkspaceView,
    channel: Channel,
    values: FormData | dict[str, Any],
    kinds: dict[uuid.UUID, str],
) -> Live:
    form = values if isinstance(values, FormData) else FormData(_flat(values))
    cid = str(channel.id)
    body = text(form, f"text-{cid}") or text(form, "base_text")
    options = variant_options(form, cid)
    thread = options.pop("thread", [])
    media_ids = _media_ids(form, cid)
    data = ComposeCheck(
        channel_id=channel.id,
        text=body,
        first_comment=optional(form, f"first_comment-{cid}"),
        link_url=optional(form, f"link-{cid}"),
        options=options,
        media_ids=media_ids,
        thread=thread,
    )
    result: CheckResult | None
    try:
        result = compose.check(view.db, view.actor, data)
        messages = [_message(v) for v in result.violations]
    except DomainError as exc:
        result = None
        messages = [Message("error", e.field, e.rule, _(e.message)) for e in exc.errors]
    preview = compose_preview.build(
        network=channel.network,
        name=channel.display_name,
        handle=channel.handle,
        avatar_url=channel.avatar_url,
        text=body,
        thread=thread,
        first_comment=data.first_comment or "",
        link_url=data.link_url,
        options=options,
        media=_media_frames(str(view.workspace.id), media_ids, kinds),
    )
    return Live(channel, result, messages, preview)


def _message(violation: Violation) -> Message:
    return Message(violation.severity, violation.field, violation.rule, describe(violation))


def _flat(values: dict[str, Any]) -> list[tuple[str, str | UploadFile]]:
    pairs: list[tuple[str, str | UploadFile]] = []
    for key, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, str(item)))
    return pairs


def live_for(
    view: WorkspaceView,
    values: FormData | dict[str, Any],
    selected: list[str],
    current: PostView | None = None,
) -> dict[str, Live]:
    """The live state of every selected channel, by channel id."""
    kinds = {}
    if current is not None:
        kinds = {asset.id: asset.kind for item in current.variants for asset in item.media}
    channels = {str(c.id): c for c in list_channels(view)}
    return {
        cid: channel_live(view, channels[cid], values, kinds) for cid in selected if cid in channels
    }


@router.post("/compose/live", response_class=HTMLResponse)
def live(request: Request, view: CurrentWorkspace, form: Form) -> Response:
    """Each selected channel's counter, findings and preview, swapped out of band."""
    view.actor.require(Permission.POSTS_VIEW)
    selected = texts(form, "channel_ids")
    context = {"lives": live_for(view, form, selected), "base": view.base}
    return render(request, "posts/compose/_live.html", context)
