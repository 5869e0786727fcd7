"""Routes of the assistant under /workspaces/{workspace_id}/assistant: the provider (set up,
test), the call log, the writing features; and a post's links to the calls that drafted it.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from fastapi import APIRouter

from orchestre.apischema import problems
from orchestre.assistant import calls, configuration, runtime, writing
from orchestre.assistant import schemas as s
from orchestre.assistant.gateway import Drafted
from orchestre.deps import DB, AppSettings, CurrentActor, CursorQuery, LimitQuery
from orchestre.errors import DomainError
from orchestre.posts import media

router = APIRouter(tags=["assistant"])

BASE = "/workspaces/{workspace_id}/assistant"
WRITING = BASE + "/writing"


def _draft(drafted: Drafted[Any]) -> dict[str, Any]:
    return {
        "source": drafted.source,
        "prompt_id": drafted.prompt_id,
        "call_id": drafted.call_id,
        "fell_back": drafted.fell_back,
    }


@router.get(BASE + "/status", response_model=s.Status, responses=problems())
def assistant_status(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> s.Status:
    """Whether a model is on for this workspace (else the offline assistant answers)."""
    return s.Status.model_validate(configuration.status(db, actor))


@router.get(BASE + "/provider", response_model=s.Provider, responses=problems())
def get_provider(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> s.Provider:
    """The workspace's provider, without its key (assistant.manage)."""
    return s.Provider.model_validate(configuration.provider_settings(db, actor))


@router.put(BASE + "/provider", response_model=s.Provider, responses=problems(422))
def put_provider(
    workspace_id: uuid.UUID, body: s.ProviderPut, actor: CurrentActor, db: DB
) -> s.Provider:
    """Set up, change or switch off the provider (assistant.manage); the key is write-only."""
    change = configuration.ProviderChange(
        enabled=body.enabled,
        base_url=body.base_url,
        model=body.model,
        timeout_seconds=body.timeout_seconds,
        temperature=body.temperature,
        accepts_images=body.accepts_images,
        api_key=body.api_key,
        clear_key=body.clear_key,
    )
    shown = configuration.set_provider(db, actor, runtime.box(), change)
    return s.Provider.model_validate(shown)


@router.post(BASE + "/provider/test", response_model=s.ConnectionTest, responses=problems(422))
def test_provider(workspace_id: uuid.UUID, actor: CurrentActor, db: DB) -> s.ConnectionTest:
    """Ask the provider for one word, switched on or not: does it answer, and how fast."""
    return s.ConnectionTest.model_validate(configuration.test_connection(db, actor, runtime.box()))


@router.get(BASE + "/calls", response_model=s.CallPage, responses=problems(422))
def list_calls(
    workspace_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    feature: str | None = None,
    user_id: uuid.UUID | None = None,
    outcome: str | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> s.CallPage:
    """Every assistant answer, newest first, with who, which feature, tokens and time."""
    page = calls.list_calls(db, actor, calls.CallFilters(feature, user_id, outcome), cursor, limit)
    return s.CallPage(
        items=[s.Call.model_validate(c) for c in page.items], next_cursor=page.next_cursor
    )


@router.get(BASE + "/calls/{call_id}", response_model=s.CallDetail, responses=problems())
def get_call(
    workspace_id: uuid.UUID, call_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.CallDetail:
    """One call with the texts sent and received (never a key)."""
    return s.CallDetail.model_validate(calls.get_call(db, actor, call_id))


@router.post(WRITING + "/caption", response_model=s.CaptionOut, responses=problems(422))
def write_caption(
    workspace_id: uuid.UUID, body: s.CaptionIn, actor: CurrentActor, db: DB
) -> s.CaptionOut:
    """A caption drafted from a brief (a draft: nothing is saved to a post)."""
    brief = writing.CaptionBrief(
        body.topic, body.language, body.tone, body.call_to_action, body.pillar_id
    )
    drafted = writing.caption(db, actor, brief)
    return s.CaptionOut(text=drafted.value, **_draft(drafted))


@router.post(WRITING + "/adapt", response_model=s.AdaptOut, responses=problems(422))
def adapt_text(workspace_id: uuid.UUID, body: s.AdaptIn, actor: CurrentActor, db: DB) -> s.AdaptOut:
    """One text adapted to each channel's network, each checked before it is shown."""
    drafted = writing.adapt(db, actor, body.text, body.channel_ids, body.language)
    return s.AdaptOut(
        items=[
            s.AdaptedVariant(
                channel_id=d.value.channel_id,
                network=d.value.network,
                text=d.value.text,
                thread=d.value.thread,
                first_comment=d.value.first_comment,
                title=d.value.title,
                **_draft(d),
            )
            for d in drafted
        ]
    )


@router.post(WRITING + "/hashtags", response_model=s.HashtagsOut, responses=problems(422))
def suggest_hashtags(
    workspace_id: uuid.UUID, body: s.HashtagsIn, actor: CurrentActor, db: DB
) -> s.HashtagsOut:
    """Hashtags from the editorial line, the workspace's history, the trends and the text."""
    drafted = writing.hashtags(db, actor, body.text, body.language)
    tags = [s.Hashtag(tag=h.tag, why=h.why) for h in drafted.value]
    return s.HashtagsOut(hashtags=tags, **_draft(drafted))


@router.post(WRITING + "/alt-text", response_model=s.AltTextOut, responses=problems(422))
def write_alt_text(
    workspace_id: uuid.UUID,
    body: s.AltTextIn,
    actor: CurrentActor,
    db: DB,
    settings: AppSettings,
) -> s.AltTextOut:
    """Alt text for an image of the library; the image is sent only to a model that reads
    images, when the workspace switched one on."""
    image = None
    provider = configuration.enabled_provider(db, actor.workspace_id)
    if provider is not None and provider.accepts_images:
        with contextlib.suppress(DomainError, OSError):
            _asset, path = media.media_file(db, actor, body.media_id, media_root=settings.media_dir)
            if path.stat().st_size <= writing.IMAGE_BYTES_MAX:
                image = path.read_bytes()
    drafted = writing.alt_text(db, actor, body.media_id, body.post_text, body.language, image)
    return s.AltTextOut(text=drafted.value, **_draft(drafted))


@router.post(WRITING + "/video", response_model=s.VideoOut, responses=problems(422))
def write_video_text(
    workspace_id: uuid.UUID, body: s.VideoIn, actor: CurrentActor, db: DB
) -> s.VideoOut:
    """A title (at most 100 characters) and a description for a short video."""
    drafted = writing.video_text(db, actor, body.text, body.language)
    return s.VideoOut(
        title=drafted.value.title, description=drafted.value.description, **_draft(drafted)
    )


POST_CALLS = "/workspaces/{workspace_id}/posts/{post_id}/assistant-calls"


@router.get(POST_CALLS, response_model=s.PostCalls, responses=problems())
def list_post_calls(
    workspace_id: uuid.UUID, post_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.PostCalls:
    """The assistant calls whose drafts went into the post."""
    found = calls.post_calls(db, actor, post_id)
    return s.PostCalls(items=[s.Call.model_validate(c) for c in found])


@router.post(POST_CALLS, response_model=s.PostCalls, responses=problems(422))
def link_post_calls(
    workspace_id: uuid.UUID, post_id: uuid.UUID, body: s.PostCallsIn, actor: CurrentActor, db: DB
) -> s.PostCalls:
    """Record that these calls' drafts went into the post (once each)."""
    calls.link_post(db, actor, post_id, body.call_ids)
    found = calls.post_calls(db, actor, post_id)
    return s.PostCalls(items=[s.Call.model_validate(c) for c in found])
