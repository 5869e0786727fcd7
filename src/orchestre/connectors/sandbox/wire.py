"""The sandbox's HTTP wire format: the connector's plain data objects as JSON and back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orchestre.connectors.base import (
    AccountProfile,
    Credentials,
    DraftPost,
    Interaction,
    InteractionKind,
    InteractionPage,
    MediaRef,
    MetricSample,
    PostPage,
    PublicPost,
    PublishedRef,
)

Json = dict[str, Any]


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_time(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def draft_to_json(draft: DraftPost) -> Json:
    return {
        "text": draft.text,
        "media": [
            {"uri": m.uri, "content_type": m.content_type, "alt_text": m.alt_text}
            for m in draft.media
        ],
        "link": draft.link,
        "first_comment": draft.first_comment,
        "thread": list(draft.thread),
        "options": dict(draft.options),
        "client_ref": draft.client_ref,
    }


def draft_from_json(body: Json) -> DraftPost:
    return DraftPost(
        text=str(body.get("text", "")),
        media=tuple(
            MediaRef(str(m["uri"]), str(m["content_type"]), str(m.get("alt_text", "")))
            for m in body.get("media") or ()
        ),
        link=body.get("link"),
        first_comment=body.get("first_comment"),
        thread=tuple(str(p) for p in body.get("thread") or ()),
        options=dict(body.get("options") or {}),
        client_ref=body.get("client_ref"),
    )


def ref_to_json(ref: PublishedRef) -> Json:
    return {
        "id": ref.external_id,
        "url": ref.url,
        "published_at": _time(ref.published_at),
        "parts": [ref_to_json(p) for p in ref.parts],
        "first_comment_id": ref.first_comment_id,
        "client_ref": ref.client_ref,
    }


def ref_from_json(body: Json) -> PublishedRef:
    return PublishedRef(
        external_id=str(body["id"]),
        url=body.get("url"),
        published_at=_parse_time(body["published_at"]),
        parts=tuple(ref_from_json(p) for p in body.get("parts") or ()),
        first_comment_id=body.get("first_comment_id"),
        client_ref=body.get("client_ref"),
    )


def interaction_to_json(item: Interaction) -> Json:
    return {
        "kind": item.kind.value,
        "id": item.external_id,
        "author_id": item.author_id,
        "author_handle": item.author_handle,
        "author_name": item.author_name,
        "text": item.text,
        "created_at": _time(item.created_at),
        "language": item.language,
        "post_id": item.post_external_id,
        "parent_id": item.parent_external_id,
        "url": item.url,
        "hidden": item.hidden,
        "own": item.own,
    }


def interaction_from_json(body: Json) -> Interaction:
    return Interaction(
        kind=InteractionKind(body["kind"]),
        external_id=str(body["id"]),
        author_id=str(body["author_id"]),
        author_handle=str(body["author_handle"]),
        author_name=str(body.get("author_name", "")),
        text=str(body["text"]),
        created_at=_parse_time(body["created_at"]),
        language=body.get("language"),
        post_external_id=body.get("post_id"),
        parent_external_id=body.get("parent_id"),
        url=body.get("url"),
        hidden=bool(body.get("hidden", False)),
        own=bool(body.get("own", False)),
    )


def page_to_json(page: InteractionPage) -> Json:
    return {
        "items": [interaction_to_json(i) for i in page.items],
        "next_cursor": page.next_cursor,
        "has_more": page.has_more,
    }


def page_from_json(body: Json) -> InteractionPage:
    return InteractionPage(
        items=tuple(interaction_from_json(i) for i in body["items"]),
        next_cursor=body.get("next_cursor"),
        has_more=bool(body.get("has_more", False)),
    )


def samples_to_json(samples: list[MetricSample]) -> Json:
    return {
        "samples": [
            {"id": s.external_id, "metric": s.metric, "value": s.value, "at": _time(s.at)}
            for s in samples
        ]
    }


def samples_from_json(body: Json) -> list[MetricSample]:
    return [
        MetricSample(str(s["id"]), str(s["metric"]), float(s["value"]), _parse_time(s["at"]))
        for s in body["samples"]
    ]


def posts_to_json(page: PostPage) -> Json:
    return {
        "items": [
            {
                "id": p.external_id,
                "author_handle": p.author_handle,
                "text": p.text,
                "created_at": _time(p.created_at),
                "url": p.url,
                "language": p.language,
            }
            for p in page.items
        ],
        "next_cursor": page.next_cursor,
        "has_more": page.has_more,
    }


def posts_from_json(body: Json) -> PostPage:
    return PostPage(
        items=tuple(
            PublicPost(
                str(p["id"]),
                str(p["author_handle"]),
                str(p["text"]),
                _parse_time(p["created_at"]),
                p.get("url"),
                p.get("language"),
            )
            for p in body["items"]
        ),
        next_cursor=body.get("next_cursor"),
        has_more=bool(body.get("has_more", False)),
    )


def profile_to_json(profile: AccountProfile) -> Json:
    return {
        "id": profile.external_id,
        "handle": profile.handle,
        "display_name": profile.display_name,
        "followers": profile.followers,
        "url": profile.url,
    }


def profile_from_json(body: Json) -> AccountProfile:
    return AccountProfile(
        str(body["id"]),
        str(body["handle"]),
        str(body.get("display_name", "")),
        body.get("followers"),
        body.get("url"),
    )


def credentials_to_json(credentials: Credentials) -> Json:
    return {
        "access_token": credentials.access_token,
        "refresh_token": credentials.refresh_token,
        "expires_at": _time(credentials.expires_at),
    }


def credentials_from_json(body: Json) -> Credentials:
    expires = body.get("expires_at")
    return Credentials(
        access_token=str(body["access_token"]),
        refresh_token=body.get("refresh_token"),
        expires_at=_parse_time(expires) if expires else None,
    )
