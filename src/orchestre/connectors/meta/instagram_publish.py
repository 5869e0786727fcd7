"""Publishing on Instagram: the 24-hour quota, media containers, polling, `media_publish`.

Instagram fetches every media file from a public https address (`MediaRef.uri`); a local
file is refused before any call. Option keys read from `DraftPost.options`:
`format` (`feed`, `reel`, `story`, `carousel`; several media default to a carousel, a
single video to a Reel), `share_to_feed` (Reels, default true), `cover_url` and
`thumb_offset` (Reels, milliseconds).
"""

from __future__ import annotations

from typing import Any

from orchestre.connectors.base import DraftPost, MediaRef, PermanentError
from orchestre.connectors.meta.graph import Graph, Poller, wait_for_container
from orchestre.connectors.meta.shared import is_video, public_url

NETWORK = "instagram"
FORMATS = frozenset({"feed", "reel", "story", "carousel"})
CAROUSEL_MAX = 10


def draft_format(draft: DraftPost) -> str:
    fmt = str(draft.options.get("format") or "")
    if fmt and fmt not in FORMATS:
        raise PermanentError(f"Instagram has no '{fmt}' format.", network=NETWORK, code="format")
    if not fmt and len(draft.media) > 1:
        return "carousel"
    if fmt in {"", "feed"}:
        # Instagram publishes a single video only as a Reel (VIDEO is no feed type any more).
        return "reel" if len(draft.media) == 1 and is_video(draft.media[0]) else "feed"
    return fmt


def check_media(draft: DraftPost, fmt: str) -> None:
    """Refuse, before any call, what Instagram would refuse after a container or two."""
    if not draft.media:
        raise PermanentError(
            "An Instagram post needs an image or a video.", network=NETWORK, code="media"
        )
    for media in draft.media:
        public_url(media, network=NETWORK)
    if fmt == "carousel" and not 2 <= len(draft.media) <= CAROUSEL_MAX:
        raise PermanentError(
            f"An Instagram carousel holds 2 to {CAROUSEL_MAX} images or videos.",
            network=NETWORK,
            code="media",
        )
    if fmt != "carousel" and len(draft.media) != 1:
        raise PermanentError(
            "Only a carousel holds several images or videos on Instagram.",
            network=NETWORK,
            code="media",
        )
    if fmt == "reel" and not is_video(draft.media[0]):
        raise PermanentError("An Instagram Reel is a video.", network=NETWORK, code="media")


def create_container(graph: Graph, ig_user: str, draft: DraftPost, fmt: str, poller: Poller) -> str:
    """The container to publish, with every child container processed first."""
    if fmt == "carousel":
        children = [_item(graph, ig_user, media, poller) for media in draft.media]
        fields: dict[str, Any] = {
            "media_type": "CAROUSEL",
            "children": ",".join(children),
            "caption": draft.text,
        }
    elif fmt == "story":
        fields = {"media_type": "STORIES", **_source(draft.media[0])}
    elif fmt == "reel":
        fields = {
            "media_type": "REELS",
            "video_url": public_url(draft.media[0], network=NETWORK),
            "caption": draft.text,
            "share_to_feed": bool(draft.options.get("share_to_feed", True)),
            "cover_url": draft.options.get("cover_url"),
            "thumb_offset": draft.options.get("thumb_offset"),
        }
    else:
        fields = {"caption": draft.text, **_source(draft.media[0])}
    return _create(graph, ig_user, fields, poller)


def _source(media: MediaRef) -> dict[str, Any]:
    url = public_url(media, network=NETWORK)
    if is_video(media):
        return {"video_url": url}
    return {"image_url": url, "alt_text": media.alt_text or None}


def _item(graph: Graph, ig_user: str, media: MediaRef, poller: Poller) -> str:
    fields: dict[str, Any] = {"is_carousel_item": True, **_source(media)}
    if is_video(media):
        fields["media_type"] = "VIDEO"
    return _create(graph, ig_user, fields, poller)


def _create(graph: Graph, ig_user: str, fields: dict[str, Any], poller: Poller) -> str:
    # An unpublished container expires unseen within 24 hours: creating one is harmless,
    # so a timeout here is retryable, not ambiguous.
    container = str(graph.post(f"/{ig_user}/media", fields, idempotent=True)["id"])
    wait_for_container(graph, container, poller=poller, field="status_code", error_field="status")
    return container
