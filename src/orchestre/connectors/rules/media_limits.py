"""Each network's media limits per format, as data: every number cites its documentation page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from orchestre.connectors.rules.types import NETWORKS

FORMATS: tuple[str, ...] = ("feed", "reel", "short", "story", "carousel", "tiktok_video")

MiB = 1024 * 1024
MB = 1_000_000  # where a page says "MB" without saying which, the stricter reading
GiB = 1024 * MiB

JPEG, PNG, WEBP, GIF = "image/jpeg", "image/png", "image/webp", "image/gif"
MP4, MOV, WEBM = "video/mp4", "video/quicktime", "video/webm"
H264, HEVC, VP8, VP9, AV1, AAC = "h264", "hevc", "vp8", "vp9", "av1", "aac"
# Aspect ratios compared within half a percent: networks give "leeway" and pixel sizes round.
ASPECT_TOLERANCE = 0.005

NAMES = {
    "x": "X",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "threads": "Threads",
    "linkedin": "LinkedIn",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "tiktok": "TikTok",
    "youtube": "YouTube",
}
FORMAT_NAMES = {
    "feed": "post",
    "reel": "Reel",
    "short": "Short",
    "story": "story",
    "carousel": "carousel",
    "tiktok_video": "TikTok video",
}


@dataclass(frozen=True)
class KindLimits:
    """What one kind of file (image, animated GIF, video) must be for a network's format."""

    types: frozenset[str]
    max_bytes: int | None = None
    min_bytes: int | None = None
    min_seconds: float | None = None
    max_seconds: float | None = None
    aspect: tuple[str | None, str | None] | None = None  # inclusive (lowest, highest) w:h
    recommended_aspect: str | None = None  # off-ratio is accepted but cropped or barred
    min_side: int | None = None
    max_width: int | None = None
    max_height: int | None = None
    max_side: int | None = None
    max_pixels: int | None = None
    scaled_width: tuple[int, int] | None = None  # outside, the network rescales (a warning)
    soft_box: tuple[int, int] | None = None  # either orientation; larger may be downscaled
    video_codecs: frozenset[str] | None = None
    audio_codecs: frozenset[str] | None = None
    min_fps: float | None = None
    max_fps: float | None = None


@dataclass(frozen=True)
class FormatRules:
    """How many files a post of this format takes, and each kind's limits."""

    min_items: int = 0
    max_items: int | None = 1
    image: KindLimits | None = None
    gif: KindLimits | None = None
    video: KindLimits | None = None
    max_videos: int | None = 1
    max_gifs: int | None = None
    mix: bool = False  # may images and videos share one post
    source: str = ""


@dataclass(frozen=True)
class InstanceMediaLimits:
    """Limits a server announces for itself (a Mastodon instance's configuration)."""

    max_items: int | None = None
    image_max_bytes: int | None = None
    image_max_pixels: int | None = None
    video_max_bytes: int | None = None
    video_max_pixels: int | None = None
    video_max_fps: float | None = None
    types: frozenset[str] | None = None


def mastodon_instance_limits(configuration: Mapping[str, Any]) -> InstanceMediaLimits:
    """Read the `configuration` object of a Mastodon instance (GET /api/v2/instance)."""
    statuses = configuration.get("statuses") or {}
    media = configuration.get("media_attachments") or {}

    def number(section: Mapping[str, Any], key: str) -> int | None:
        value = section.get(key)
        return int(value) if isinstance(value, int | float) and value > 0 else None

    types = media.get("supported_mime_types")
    return InstanceMediaLimits(
        max_items=number(statuses, "max_media_attachments"),
        image_max_bytes=number(media, "image_size_limit"),
        image_max_pixels=number(media, "image_matrix_limit"),
        video_max_bytes=number(media, "video_size_limit"),
        video_max_pixels=number(media, "video_matrix_limit"),
        video_max_fps=number(media, "video_frame_rate_limit"),
        types=frozenset(str(t) for t in types) if isinstance(types, list) else None,
    )


def _types(*names: str) -> frozenset[str]:
    return frozenset(names)


# --- X: https://docs.x.com/x-api/media/quickstart/best-practices -------------------------
# The page now gives 0.5 s-20 min / 8 GB for Post video on default accounts; the older
# 140 s / 512 MB limit applies to DM video only.
_X_VIDEO = KindLimits(
    types=_types(MP4, MOV),
    max_bytes=8 * 1000 * MB,
    min_seconds=0.5,
    max_seconds=20 * 60,
    aspect=("1:3", "3:1"),
    min_side=32,
    soft_box=(1280, 1024),  # "must be between 32x32 and 1280x1024" (1080p plays for Premium)
    video_codecs=_types(H264),
    audio_codecs=_types(AAC),
    max_fps=60,
)
X_RULES = {
    "feed": FormatRules(
        max_items=4,  # "up to 4 photos, 1 animated GIF or 1 video in a Post"
        image=KindLimits(types=_types(JPEG, PNG, WEBP), max_bytes=5 * MiB),
        gif=KindLimits(types=_types(GIF), max_bytes=15 * MiB, soft_box=(1280, 1080)),
        video=_X_VIDEO,
        max_gifs=1,
        source="https://docs.x.com/x-api/media/quickstart/best-practices",
    )
}

# --- Bluesky: lexicons app.bsky.embed.images (blob maxSize 1000000) and app.bsky.embed.video
# (maxSize 100000000, video/mp4); 3-minute videos: https://bsky.app/profile/bsky.app (2025).
_BSKY_IMAGE = KindLimits(types=_types(JPEG, PNG, WEBP, GIF), max_bytes=1_000_000)
BLUESKY_RULES = {
    "feed": FormatRules(
        max_items=4,
        image=_BSKY_IMAGE,
        gif=_BSKY_IMAGE,
        video=KindLimits(types=_types(MP4), max_bytes=100_000_000, max_seconds=180),
        source="https://docs.bsky.app/docs/advanced-guides/posts",
    )
}

# --- Mastodon defaults (app/models/media_attachment.rb); an instance announces its own in
# configuration.media_attachments: https://docs.joinmastodon.org/entities/Instance/
_MASTODON_IMAGE = KindLimits(
    types=_types(JPEG, PNG, GIF, WEBP, "image/heic", "image/heif", "image/avif"),
    max_bytes=16 * MiB,
    max_pixels=33_177_600,
)
MASTODON_RULES = {
    "feed": FormatRules(
        max_items=4,
        image=_MASTODON_IMAGE,
        gif=_MASTODON_IMAGE,
        video=KindLimits(
            types=_types(MP4, MOV, WEBM),
            max_bytes=99 * MiB,
            max_pixels=8_294_400,
            max_fps=120,
        ),
        source="https://docs.joinmastodon.org/entities/Instance/#media_attachments",
    )
}

# --- Threads: https://developers.facebook.com/docs/threads/overview#media-specifications
_THREADS_IMAGE = KindLimits(
    types=_types(JPEG, PNG),
    max_bytes=8 * MB,
    aspect=("1:10", "10:1"),
    scaled_width=(320, 1440),
)
_THREADS_VIDEO = KindLimits(
    types=_types(MP4, MOV),
    max_bytes=1000 * MB,
    max_seconds=300,
    aspect=("1:100", "10:1"),
    recommended_aspect="9:16",
    max_width=1920,
    video_codecs=_types(H264, HEVC),
    audio_codecs=_types(AAC),
    min_fps=23,
    max_fps=60,
)
_THREADS_SOURCE = "https://developers.facebook.com/docs/threads/overview"
THREADS_RULES = {
    "feed": FormatRules(image=_THREADS_IMAGE, video=_THREADS_VIDEO, source=_THREADS_SOURCE),
    "carousel": FormatRules(
        min_items=2,
        max_items=20,
        image=_THREADS_IMAGE,
        video=_THREADS_VIDEO,
        max_videos=None,
        mix=True,
        source=_THREADS_SOURCE,
    ),
}

# --- LinkedIn Images, Videos and MultiImage APIs:
# https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api
# The Videos API documents 75 KB-500 MB (the 5 GB in LinkedIn's help is the web uploader).
_LINKEDIN_IMAGE = KindLimits(types=_types(JPEG, PNG, GIF), max_pixels=36_152_320)
LINKEDIN_RULES = {
    "feed": FormatRules(
        image=_LINKEDIN_IMAGE,
        gif=_LINKEDIN_IMAGE,
        video=KindLimits(
            types=_types(MP4),
            min_bytes=75 * 1000,
            max_bytes=500 * MB,
            min_seconds=3,
            max_seconds=30 * 60,
            aspect=("1:2.4", "2.4:1"),
        ),
        source="https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api",
    ),
    "carousel": FormatRules(  # a multi-image post
        min_items=2,
        max_items=20,
        image=_LINKEDIN_IMAGE,
        max_videos=0,
        source="https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/multiimage-post-api",
    ),
}

# --- Instagram Graph API, IG User Media:
# https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
# Reels: 3 s-15 min, 300 MB, aspect 0.01:1-10:1 with 9:16 recommended (the app shows Reels
# full-screen at 9:16, so other ratios get a warning); stories 3-60 s, 100 MB.
_IG_SOURCE = "https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media"
_IG_IMAGE = KindLimits(
    types=_types(JPEG), max_bytes=8 * MB, aspect=("4:5", "1.91:1"), scaled_width=(320, 1440)
)
_IG_VIDEO = KindLimits(
    types=_types(MP4, MOV),
    max_bytes=300 * MB,
    min_seconds=3,
    max_seconds=15 * 60,
    aspect=("1:100", "10:1"),
    recommended_aspect="9:16",
    max_width=1920,
    video_codecs=_types(H264, HEVC),
    audio_codecs=_types(AAC),
    min_fps=23,
    max_fps=60,
)
_IG_STORY_VIDEO = replace(_IG_VIDEO, max_bytes=100 * MB, max_seconds=60)
INSTAGRAM_RULES = {
    "feed": FormatRules(image=_IG_IMAGE, max_videos=0, source=_IG_SOURCE),
    "reel": FormatRules(min_items=1, video=_IG_VIDEO, source=_IG_SOURCE),
    "story": FormatRules(
        min_items=1,
        image=replace(_IG_IMAGE, aspect=None, recommended_aspect="9:16"),
        video=_IG_STORY_VIDEO,
        source=_IG_SOURCE,
    ),
    "carousel": FormatRules(
        min_items=2,
        max_items=10,
        image=_IG_IMAGE,
        video=replace(_IG_STORY_VIDEO, recommended_aspect=None),
        max_videos=None,
        mix=True,
        source=_IG_SOURCE,
    ),
}

# --- Facebook Pages: photos https://developers.facebook.com/docs/graph-api/reference/page/photos/
# videos https://developers.facebook.com/docs/video-api/guides/publishing (10 GB, 240 min),
# Reels https://developers.facebook.com/docs/video-api/guides/reels-publishing (3-90 s, 9:16,
# at least 540x960, 24-60 fps).
_FB_IMAGE = KindLimits(types=_types(JPEG, PNG, GIF, "image/bmp", "image/tiff"), max_bytes=4 * MB)
_FB_VIDEO = KindLimits(types=_types(MP4, MOV), max_bytes=10 * GiB, max_seconds=240 * 60)
_FB_REEL = KindLimits(
    types=_types(MP4, MOV),
    min_seconds=3,
    max_seconds=90,
    aspect=("9:16", "9:16"),
    min_side=540,
    video_codecs=_types(H264, HEVC, VP9, AV1),
    audio_codecs=_types(AAC),
    min_fps=24,
    max_fps=60,
)
FACEBOOK_RULES = {
    "feed": FormatRules(
        max_items=None,
        image=_FB_IMAGE,
        gif=_FB_IMAGE,
        video=_FB_VIDEO,
        source="https://developers.facebook.com/docs/graph-api/reference/page/photos/",
    ),
    "reel": FormatRules(
        min_items=1,
        video=_FB_REEL,
        source="https://developers.facebook.com/docs/video-api/guides/reels-publishing",
    ),
    "story": FormatRules(
        min_items=1,
        image=replace(_FB_IMAGE, recommended_aspect="9:16"),
        video=replace(_FB_REEL, max_seconds=60),
        source="https://developers.facebook.com/docs/page-stories-api",
    ),
}

# --- TikTok Content Posting API, media transfer guide ("Video restrictions", "Image
# restrictions"): https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide
_TIKTOK_VIDEO = FormatRules(
    min_items=1,
    video=KindLimits(
        types=_types(MP4, WEBM, MOV),
        max_bytes=4 * GiB,
        min_seconds=3,
        max_seconds=10 * 60,
        min_side=360,
        max_side=4096,
        video_codecs=_types(H264, HEVC, VP8, VP9),
        min_fps=23,
        max_fps=60,
    ),
    source="https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide",
)
TIKTOK_RULES = {
    "feed": _TIKTOK_VIDEO,
    "tiktok_video": _TIKTOK_VIDEO,
    "carousel": FormatRules(  # a photo post
        min_items=1,
        max_items=35,
        image=KindLimits(types=_types(JPEG, WEBP), max_bytes=20 * MB, soft_box=(1920, 1080)),
        max_videos=0,
        source="https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide",
    ),
}

# --- YouTube Data API videos.insert (256 GB, 12 h):
# https://developers.google.com/youtube/v3/docs/videos/insert ; Shorts up to 3 minutes,
# square or vertical: https://support.google.com/youtube/answer/15424877
_YT_TYPES = _types(
    MP4, MOV, WEBM, "video/x-msvideo", "video/x-ms-wmv", "video/x-flv", "video/3gpp", "video/mpeg"
)
_YT_VIDEO = KindLimits(types=_YT_TYPES, max_bytes=256 * GiB, max_seconds=12 * 3600)
YOUTUBE_RULES = {
    "feed": FormatRules(
        min_items=1,
        video=_YT_VIDEO,
        source="https://developers.google.com/youtube/v3/docs/videos/insert",
    ),
    "short": FormatRules(
        min_items=1,
        video=replace(_YT_VIDEO, max_seconds=180, aspect=(None, "1:1"), recommended_aspect="9:16"),
        source="https://support.google.com/youtube/answer/15424877",
    ),
}

RULES: dict[str, dict[str, FormatRules]] = {
    "x": X_RULES,
    "bluesky": BLUESKY_RULES,
    "mastodon": MASTODON_RULES,
    "threads": THREADS_RULES,
    "linkedin": LINKEDIN_RULES,
    "instagram": INSTAGRAM_RULES,
    "facebook": FACEBOOK_RULES,
    "tiktok": TIKTOK_RULES,
    "youtube": YOUTUBE_RULES,
}
assert tuple(RULES) == NETWORKS, "one media table per network"
