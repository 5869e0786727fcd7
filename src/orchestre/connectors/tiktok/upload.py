"""A video's bytes sent to TikTok's upload URL in chunks, as the media transfer guide rules.

https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide ("Chunk
restrictions"): each chunk is 5 MB to 64 MB, except the last, which takes the trailing bytes
and may reach 128 MB; `total_chunk_count` is the size divided by the chunk size, rounded
down; a video under 5 MB goes whole, one over 64 MB must be cut; 1 to 1,000 chunks, sent in
order, each a `PUT` with `Content-Range: bytes first-last/total`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx

from orchestre.connectors.base import PermanentError
from orchestre.connectors.tiktok.wire import NETWORK, call

MB = 1024 * 1024


@dataclass(frozen=True)
class ChunkRules:
    """TikTok's chunk limits (tests shrink them to keep files small)."""

    min_chunk: int = 5 * MB
    max_chunk: int = 64 * MB
    max_last_chunk: int = 128 * MB
    max_chunks: int = 1000
    preferred_chunk: int = 10 * MB


@dataclass(frozen=True)
class ChunkPlan:
    video_size: int
    chunk_size: int
    total_chunk_count: int

    def ranges(self) -> list[tuple[int, int]]:
        """(first byte, last byte) of each chunk; the last chunk takes the trailing bytes."""
        spans = []
        for index in range(self.total_chunk_count):
            first = index * self.chunk_size
            last = (
                self.video_size - 1
                if index == self.total_chunk_count - 1
                else first + self.chunk_size - 1
            )
            spans.append((first, last))
        return spans


def plan_chunks(video_size: int, rules: ChunkRules = ChunkRules()) -> ChunkPlan:
    """The chunk size and count TikTok accepts for a video of `video_size` bytes."""
    if video_size <= 0:
        raise PermanentError("The video file is empty.", network=NETWORK)
    if video_size <= rules.max_chunk:
        return ChunkPlan(video_size, video_size, 1)
    # Enough bytes per chunk to stay under the chunk count limit, within the size limits.
    least = -(-video_size // rules.max_chunks)
    chunk = min(max(rules.preferred_chunk, rules.min_chunk, least), rules.max_chunk)
    count = video_size // chunk
    last = video_size - (count - 1) * chunk
    if count > rules.max_chunks or last > rules.max_last_chunk:
        raise PermanentError(
            f"The video is too large for TikTok's upload ({video_size} bytes).", network=NETWORK
        )
    return ChunkPlan(video_size, chunk, count)


def upload_chunks(
    client: httpx.Client,
    upload_url: str,
    path: Path,
    plan: ChunkPlan,
    content_type: str,
    *,
    publish_id: str,
) -> None:
    """PUT each chunk in order. The last one may start the post: a timeout after sending it
    is ambiguous and carries the `publish_id` to look it up with."""
    spans = plan.ranges()
    with path.open("rb") as handle:
        for index, (first, last) in enumerate(spans):
            handle.seek(first)
            data = handle.read(last - first + 1)
            final = index == len(spans) - 1
            call(
                client,
                "PUT",
                upload_url,
                idempotent=not final,
                client_ref=publish_id if final else None,
                expect_json=False,
                content=data,
                headers={
                    "Content-Type": content_type,
                    "Content-Range": f"bytes {first}-{last}/{plan.video_size}",
                },
            )
