"""Publishing on Threads: a media container (text, image, video or carousel), its status,
then `threads_publish`; replies and thread parts are containers with `reply_to_id`.

Threads fetches media from a public https address. Option keys read from
`DraftPost.options`: none; `DraftPost.link` becomes the text post's `link_attachment`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from orchestre.connectors.base import MediaRef, PermanentError, PublishedRef
from orchestre.connectors.meta.graph import Graph, Poller, parse_time, wait_for_container
from orchestre.connectors.meta.shared import (
    is_video,
    lookup_published,
    public_url,
    publish_container,
)
from orchestre.kit.clock import utcnow

NETWORK = "threads"
CAROUSEL_MAX = 20


def check_media(media: Sequence[MediaRef]) -> None:
    for item in media:
        public_url(item, network=NETWORK)
    if len(media) > CAROUSEL_MAX:
        raise PermanentError(
            f"A Threads carousel holds at most {CAROUSEL_MAX} images or videos.",
            network=NETWORK,
            code="media",
        )


def publish_one(
    graph: Graph,
    user_id: str,
    text: str,
    *,
    poller: Poller,
    media: Sequence[MediaRef] = (),
    reply_to: str | None = None,
    link: str | None = None,
    client_ref: str | None = None,
) -> PublishedRef:
    """One Threads post (or reply): create its container, wait for it, publish it."""
    fields: dict[str, Any] = {"text": text, "reply_to_id": reply_to}
    if len(media) > 1:
        children = [_create(graph, user_id, _item(m), poller) for m in media]
        fields |= {"media_type": "CAROUSEL", "children": ",".join(children)}
    elif media:
        fields |= _item(media[0], carousel=False)
    else:
        fields |= {"media_type": "TEXT", "link_attachment": link}
    container = _create(graph, user_id, fields, poller, wait=bool(media))
    answer = publish_container(
        graph,
        f"/{user_id}/threads_publish",
        container,
        client_ref=client_ref,
        status_field="status",
        recent_path=f"/{user_id}/threads",
        text_field="text",
        text=text,
    )
    post_id = str(answer["id"])
    found = lookup_published(graph, post_id, "id,permalink,timestamp")
    return PublishedRef(
        external_id=post_id,
        url=found.get("permalink"),
        published_at=parse_time(found["timestamp"]) if found.get("timestamp") else utcnow(),
        client_ref=client_ref,
    )


def _item(media: MediaRef, *, carousel: bool = True) -> dict[str, Any]:
    url = public_url(media, network=NETWORK)
    fields: dict[str, Any] = (
        {"media_type": "VIDEO", "video_url": url}
        if is_video(media)
        else {"media_type": "IMAGE", "image_url": url}
    )
    if media.alt_text:
        fields["alt_text"] = media.alt_text
    if carousel:
        fields["is_carousel_item"] = True
    return fields


def _create(
    graph: Graph, user_id: str, fields: dict[str, Any], poller: Poller, *, wait: bool = True
) -> str:
    # An unpublished container expires unseen: creating one is harmless, so a timeout
    # here is retryable, not ambiguous.
    container = str(graph.post(f"/{user_id}/threads", fields, idempotent=True)["id"])
    if wait:
        # Media is fetched and processed after the container exists (videos take a while).
        wait_for_container(
            graph, container, poller=poller, field="status", error_field="error_message"
        )
    return container
