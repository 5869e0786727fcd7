"""Bluesky post records as plain data: AT URIs, strong refs, embeds and app links.

A post is an `app.bsky.feed.post` record in the author's repository, named by its AT URI
`at://<did>/app.bsky.feed.post/<rkey>`, which is the external id we store. Replying and
liking need a strong ref: the URI and the CID of the record's current version.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from PIL import Image, UnidentifiedImageError

from orchestre.connectors.base import MediaRef, PermanentError
from orchestre.connectors.bluesky.xrpc import NETWORK

POST = "app.bsky.feed.post"
LIKE = "app.bsky.feed.like"
MAX_IMAGES = 4
# Our idempotency key, kept in the post record (records accept fields beyond the lexicon's).
CLIENT_REF_FIELD = "orchestreClientRef"
APP_URL = "https://bsky.app"


@dataclass(frozen=True)
class StrongRef:
    uri: str
    cid: str

    def as_json(self) -> dict[str, str]:
        return {"uri": self.uri, "cid": self.cid}


@dataclass(frozen=True)
class AtUri:
    repo: str
    collection: str
    rkey: str

    @classmethod
    def parse(cls, uri: str) -> AtUri:
        """The parts of `at://<repo>/<collection>/<rkey>`; anything else is refused."""
        if not uri.startswith("at://"):
            raise PermanentError(f"{uri!r} is not a Bluesky post address.", network=NETWORK)
        parts = uri[len("at://") :].split("/")
        if len(parts) != 3 or not all(parts):
            raise PermanentError(f"{uri!r} is not a Bluesky post address.", network=NETWORK)
        return cls(parts[0], parts[1], parts[2])


def post_url(uri: str, handle: str | None = None) -> str:
    """The bsky.app address of a post (by handle when known, else by DID)."""
    at = AtUri.parse(uri)
    return f"{APP_URL}/profile/{handle or at.repo}/post/{at.rkey}"


def iso(at: datetime) -> str:
    """An instant as the AT Protocol writes it: UTC, milliseconds, a Z."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_instant(value: Any, default: datetime) -> datetime:
    if not isinstance(value, str) or not value:
        return default
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return default
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def post_record(
    text: str,
    *,
    created_at: datetime,
    facets: list[dict[str, Any]],
    langs: list[str],
    embed: dict[str, Any] | None = None,
    reply: tuple[StrongRef, StrongRef] | None = None,
    client_ref: str | None = None,
) -> dict[str, Any]:
    """An `app.bsky.feed.post` record; `reply` is (root, parent)."""
    record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": iso(created_at)}
    if facets:
        record["facets"] = facets
    if langs:
        record["langs"] = langs
    if embed:
        record["embed"] = embed
    if reply:
        root, parent = reply
        record["reply"] = {"root": root.as_json(), "parent": parent.as_json()}
    if client_ref:
        record[CLIENT_REF_FIELD] = client_ref
    return record


def like_record(subject: StrongRef, *, created_at: datetime) -> dict[str, Any]:
    return {"$type": LIKE, "subject": subject.as_json(), "createdAt": iso(created_at)}


def images_embed(
    images: list[tuple[dict[str, Any], str, tuple[int, int] | None]],
) -> dict[str, Any]:
    """`app.bsky.embed.images` from (blob, alt text, (width, height) or None)."""
    out = []
    for blob, alt, size in images:
        image: dict[str, Any] = {"image": blob, "alt": alt}
        if size:
            image["aspectRatio"] = {"width": size[0], "height": size[1]}
        out.append(image)
    return {"$type": "app.bsky.embed.images", "images": out}


def external_embed(uri: str, title: str, description: str) -> dict[str, Any]:
    """`app.bsky.embed.external`: a link card (no thumbnail: we do not fetch the page)."""
    return {
        "$type": "app.bsky.embed.external",
        "external": {"uri": uri, "title": title, "description": description},
    }


def langs_option(value: Any) -> list[str]:
    """Post languages from the `langs` option: a list or a comma-separated string."""
    if isinstance(value, str):
        items = [part.strip() for part in value.split(",")]
    elif isinstance(value, list | tuple):
        items = [str(part).strip() for part in value]
    else:
        return []
    return [item for item in items if item][:3]  # the lexicon allows three


def read_image(media: MediaRef) -> tuple[bytes, tuple[int, int] | None]:
    """An image's bytes from its local file, and its (width, height) when readable."""
    if not media.content_type.startswith("image/"):
        raise PermanentError(
            f"Bluesky posts from Orchestre take images only, not {media.content_type}.",
            network=NETWORK,
            code="unsupported_media",
        )
    path = local_path(media.uri)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PermanentError(
            f"The image {path.name} could not be read: {exc.strerror}.", network=NETWORK
        ) from exc
    try:
        with Image.open(io.BytesIO(data)) as image:
            size: tuple[int, int] | None = image.size
    except (UnidentifiedImageError, OSError, ValueError):
        size = None
    return data, size


def local_path(uri: str) -> Path:
    """The local file a media URI names (`file:///...` or a plain path); Bluesky takes
    uploads, so a remote address is refused."""
    parts = urlsplit(uri)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    if not parts.scheme and not parts.netloc:
        return Path(uri)
    raise PermanentError(
        "Bluesky needs the media file itself: give a local file, not an address "
        f"({parts.scheme}://...).",
        network=NETWORK,
        code="media_not_local",
    )
