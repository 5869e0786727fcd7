"""Each network's media limits per format (feed, reel, short, story, carousel), as data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from orchestre.connectors.rules.types import NETWORKS, MediaFacts, Violation

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
assert tuple(RULES) == NETWORKS


def formats_for(network: str) -> tuple[str, ...]:
    """The formats a network takes, or ValueError naming the known networks."""
    if network not in RULES:
        raise ValueError(f"Unknown network {network!r}; known networks: {', '.join(NETWORKS)}.")
    return tuple(RULES[network])


def rules_for(network: str, format: str = "feed") -> FormatRules:
    """One network's rules for one format, or ValueError listing what is known."""
    known = formats_for(network)
    if format not in known:
        where = "formats" if format in FORMATS else "formats anywhere"
        raise ValueError(
            f"Unknown format {format!r} for {network}; {network} takes: {', '.join(known)} "
            f"(known {where}: {', '.join(FORMATS)})."
        )
    return RULES[network][format]


def ratio(text: str) -> float:
    """'4:5' -> 0.8 (width over height)."""
    width, height = text.split(":")
    return float(width) / float(height)


def check_media(
    network: str,
    media: Sequence[MediaFacts],
    format: str = "feed",
    *,
    instance: InstanceMediaLimits | None = None,
) -> list[Violation]:
    """Every broken media rule of a post for one network and format (empty when it passes)."""
    rules = _with_instance(rules_for(network, format), instance)
    ctx = _Context(network, format)
    violations = _check_counts(ctx, rules, media)
    for index, facts in enumerate(media):
        violations += _check_file(ctx, rules, facts, f"media[{index}]")
    return violations


@dataclass(frozen=True)
class _Context:
    network: str
    format: str

    @property
    def name(self) -> str:
        return NAMES[self.network]

    @property
    def fix(self) -> str:
        return f"use 'Fix for {self.name}'"

    def violation(
        self,
        rule: str,
        field: str,
        limit: object,
        actual: object,
        message: str,
        severity: Literal["error", "warning"] = "error",
    ) -> Violation:
        return Violation(self.network, rule, field, limit, actual, message, severity)


def _with_instance(rules: FormatRules, instance: InstanceMediaLimits | None) -> FormatRules:
    if instance is None:
        return rules
    image, gif, video = rules.image, rules.gif, rules.video
    if image is not None:
        image = _override(image, instance.image_max_bytes, instance.image_max_pixels, instance)
    if gif is not None:
        gif = _override(gif, instance.image_max_bytes, instance.image_max_pixels, instance)
    if video is not None:
        video = _override(video, instance.video_max_bytes, instance.video_max_pixels, instance)
        if instance.video_max_fps is not None:
            video = replace(video, max_fps=instance.video_max_fps)
    max_items = instance.max_items if instance.max_items is not None else rules.max_items
    return replace(rules, image=image, gif=gif, video=video, max_items=max_items)


def _override(
    limits: KindLimits, max_bytes: int | None, max_pixels: int | None, instance: InstanceMediaLimits
) -> KindLimits:
    return replace(
        limits,
        max_bytes=max_bytes if max_bytes is not None else limits.max_bytes,
        max_pixels=max_pixels if max_pixels is not None else limits.max_pixels,
        types=limits.types if instance.types is None else limits.types & instance.types,
    )


def _check_counts(
    ctx: _Context, rules: FormatRules, media: Sequence[MediaFacts]
) -> list[Violation]:
    out: list[Violation] = []
    what = f"a {ctx.name} {FORMAT_NAMES[ctx.format]}"
    count = len(media)
    if rules.max_items is not None and count > rules.max_items:
        out.append(
            ctx.violation(
                "media.count",
                "media",
                rules.max_items,
                count,
                f"{what} takes at most {rules.max_items} file(s); remove {count - rules.max_items}"
                + (" or choose the carousel format." if ctx.format == "feed" else "."),
            )
        )
    if count < rules.min_items:
        out.append(
            ctx.violation(
                "media.count",
                "media",
                rules.min_items,
                count,
                f"{what} needs at least {rules.min_items} file(s); add "
                f"{rules.min_items - count} more.",
            )
        )
    videos = sum(1 for m in media if m.kind == "video")
    gifs = sum(1 for m in media if m.kind == "gif")
    if rules.video is not None and rules.max_videos is not None and videos > rules.max_videos:
        out.append(
            ctx.violation(
                "media.count",
                "media",
                rules.max_videos,
                videos,
                f"{what} takes at most {rules.max_videos} video; keep one video per post.",
            )
        )
    if rules.max_gifs is not None and gifs > rules.max_gifs:
        out.append(
            ctx.violation(
                "media.count",
                "media",
                rules.max_gifs,
                gifs,
                f"{what} takes at most {rules.max_gifs} animated GIF; keep one.",
            )
        )
    # Where GIFs are counted apart (X), a GIF cannot share a post either. A kind the format
    # does not take at all is reported once, by media.format, not again here.
    still_gifs = 0 if rules.max_gifs is not None else gifs
    stills = count - videos - gifs + still_gifs
    moving = (videos if rules.video else 0, gifs - still_gifs if rules.gif else 0)
    kinds = [n for n in (stills, *moving) if n]
    if not rules.mix and len(kinds) > 1:
        out.append(
            ctx.violation(
                "media.mix",
                "media",
                "one kind of media per post",
                f"{stills} image(s), {videos} video(s), {gifs - still_gifs} GIF(s)",
                f"{what} cannot mix images, videos and animated GIFs; post them separately.",
            )
        )
    return out


def _limits_for(rules: FormatRules, facts: MediaFacts) -> KindLimits | None:
    if facts.kind == "video":
        return rules.video
    if facts.kind == "gif":
        return rules.gif
    return rules.image


def _check_file(
    ctx: _Context, rules: FormatRules, facts: MediaFacts, field: str
) -> list[Violation]:
    limits = _limits_for(rules, facts)
    if limits is None:
        label = {"video": "videos", "gif": "animated GIFs", "image": "images"}[facts.kind]
        hint = {
            ("instagram", "feed"): " Instagram publishes videos as Reels: choose the Reel format.",
        }.get((ctx.network, ctx.format), "")
        return [
            ctx.violation(
                "media.format",
                field,
                _accepted_kinds(rules),
                facts.kind,
                f"A {ctx.name} {FORMAT_NAMES[ctx.format]} does not take {label}.{hint}",
            )
        ]
    out = _check_type(ctx, limits, facts, field)
    out += _check_size(ctx, limits, facts, field)
    out += _check_duration(ctx, limits, facts, field)
    out += _check_aspect(ctx, limits, facts, field)
    out += _check_resolution(ctx, limits, facts, field)
    out += _check_codecs(ctx, limits, facts, field)
    return out


def _accepted_kinds(rules: FormatRules) -> str:
    kinds = [
        k for k, v in (("image", rules.image), ("gif", rules.gif), ("video", rules.video)) if v
    ]
    return ", ".join(kinds) or "no media"


def _check_type(
    ctx: _Context, limits: KindLimits, facts: MediaFacts, field: str
) -> list[Violation]:
    if facts.content_type in limits.types:
        return []
    accepted = ", ".join(sorted(limits.types))
    return [
        ctx.violation(
            "media.format",
            field,
            sorted(limits.types),
            facts.content_type,
            f"{ctx.name} does not accept {facts.content_type} here; convert it to "
            f"{accepted} or {ctx.fix}.",
        )
    ]


def _human_bytes(count: int) -> str:
    if count >= GiB:
        return f"{count / GiB:.1f} GB"
    if count >= MB:
        return f"{count / MB:.1f} MB"
    return f"{count / 1000:.0f} KB"


def _check_size(
    ctx: _Context, limits: KindLimits, facts: MediaFacts, field: str
) -> list[Violation]:
    size = facts.size_bytes
    if limits.max_bytes is not None and size > limits.max_bytes:
        return [
            ctx.violation(
                "media.size",
                field,
                limits.max_bytes,
                size,
                f"This file is {_human_bytes(size)}; {ctx.name} takes at most "
                f"{_human_bytes(limits.max_bytes)}. Compress or shorten it, or {ctx.fix}.",
            )
        ]
    if limits.min_bytes is not None and size < limits.min_bytes:
        return [
            ctx.violation(
                "media.size",
                field,
                limits.min_bytes,
                size,
                f"This file is {_human_bytes(size)}; {ctx.name} needs at least "
                f"{_human_bytes(limits.min_bytes)}. Export it at a higher quality.",
            )
        ]
    return []


def _check_duration(
    ctx: _Context, limits: KindLimits, facts: MediaFacts, field: str
) -> list[Violation]:
    seconds = facts.duration_seconds
    if seconds is None or facts.kind != "video":
        return []
    if limits.max_seconds is not None and seconds > limits.max_seconds:
        return [
            ctx.violation(
                "media.duration",
                field,
                limits.max_seconds,
                seconds,
                f"This video lasts {seconds:g} s; a {ctx.name} {FORMAT_NAMES[ctx.format]} "
                f"lasts at most {limits.max_seconds:g} s. Trim it.",
            )
        ]
    if limits.min_seconds is not None and seconds < limits.min_seconds:
        return [
            ctx.violation(
                "media.duration",
                field,
                limits.min_seconds,
                seconds,
                f"This video lasts {seconds:g} s; a {ctx.name} {FORMAT_NAMES[ctx.format]} "
                f"lasts at least {limits.min_seconds:g} s. Use a longer clip.",
            )
        ]
    return []


def _ratio_text(width: int, height: int) -> str:
    value = width / height
    return f"{value:.2f}:1" if value >= 1 else f"1:{height / width:.2f}"


def _check_aspect(
    ctx: _Context, limits: KindLimits, facts: MediaFacts, field: str
) -> list[Violation]:
    if not facts.width or not facts.height:
        return []
    actual = facts.width / facts.height
    shown = _ratio_text(facts.width, facts.height)
    if limits.aspect is not None:
        low, high = limits.aspect
        too_tall = low is not None and actual < ratio(low) * (1 - ASPECT_TOLERANCE)
        too_wide = high is not None and actual > ratio(high) * (1 + ASPECT_TOLERANCE)
        if too_tall or too_wide:
            target = low if too_tall else high
            allowed = (
                low
                if low == high
                else f"{low} to {high}"
                if low and high
                else f"{high} or taller"
                if high
                else f"{low} or wider"
            )
            return [
                ctx.violation(
                    "media.aspect_ratio",
                    field,
                    allowed,
                    shown,
                    f"{ctx.name} takes {allowed} here and this is {shown}; crop to {target} "
                    f"or {ctx.fix}.",
                )
            ]
    target = limits.recommended_aspect
    if target is not None and abs(actual / ratio(target) - 1) > ASPECT_TOLERANCE * 2:
        return [
            ctx.violation(
                "media.aspect_ratio",
                field,
                target,
                shown,
                f"{ctx.name} shows a {FORMAT_NAMES[ctx.format]} at {target} and this is {shown}, "
                f"so it will be cropped or shown with bars; crop to {target} or {ctx.fix}.",
                severity="warning",
            )
        ]
    return []


def _check_resolution(
    ctx: _Context, limits: KindLimits, facts: MediaFacts, field: str
) -> list[Violation]:
    width, height = facts.width, facts.height
    if not width or not height:
        return []
    size = f"{width}x{height}"

    def broken(limit: object, message: str) -> list[Violation]:
        return [ctx.violation("media.resolution", field, limit, size, message)]

    if limits.min_side is not None and min(width, height) < limits.min_side:
        return broken(
            f"{limits.min_side} px per side",
            f"This file is {size}; {ctx.name} needs at least {limits.min_side} px on each "
            f"side. Use a larger original.",
        )
    too_big = (
        (limits.max_width is not None and width > limits.max_width)
        or (limits.max_height is not None and height > limits.max_height)
        or (limits.max_side is not None and max(width, height) > limits.max_side)
        or (limits.max_pixels is not None and width * height > limits.max_pixels)
    )
    if too_big:
        limit = _max_text(limits)
        return broken(
            limit, f"This file is {size}; {ctx.name} takes at most {limit}. Resize it or {ctx.fix}."
        )
    return _soft_resolution(ctx, limits, width, height, field)


def _max_text(limits: KindLimits) -> str:
    parts = []
    if limits.max_width is not None:
        parts.append(f"{limits.max_width} px wide")
    if limits.max_height is not None:
        parts.append(f"{limits.max_height} px high")
    if limits.max_side is not None:
        parts.append(f"{limits.max_side} px per side")
    if limits.max_pixels is not None:
        parts.append(f"{limits.max_pixels:,} pixels")
    return ", ".join(parts)


def _soft_resolution(
    ctx: _Context, limits: KindLimits, width: int, height: int, field: str
) -> list[Violation]:
    size = f"{width}x{height}"
    if limits.scaled_width is not None:
        low, high = limits.scaled_width
        if not low <= width <= high:
            return [
                ctx.violation(
                    "media.resolution",
                    field,
                    f"{low}-{high} px wide",
                    size,
                    f"{ctx.name} rescales images to {low}-{high} px wide; this one is {width} px "
                    f"wide. Resize it yourself to control the result, or {ctx.fix}.",
                    severity="warning",
                )
            ]
    if limits.soft_box is not None:
        long_side, short_side = limits.soft_box
        if max(width, height) > long_side or min(width, height) > short_side:
            return [
                ctx.violation(
                    "media.resolution",
                    field,
                    f"{long_side}x{short_side}",
                    size,
                    f"{ctx.name} may downscale or refuse files larger than "
                    f"{long_side}x{short_side}; this one is {size}. Resize it or {ctx.fix}.",
                    severity="warning",
                )
            ]
    return []


def _check_codecs(
    ctx: _Context, limits: KindLimits, facts: MediaFacts, field: str
) -> list[Violation]:
    if facts.kind != "video":
        return []
    out: list[Violation] = []
    pairs = (
        ("video", limits.video_codecs, facts.video_codec),
        ("audio", limits.audio_codecs, facts.audio_codec),
    )
    for track, accepted, actual in pairs:
        if accepted is None or actual is None or actual in accepted:
            continue
        out.append(
            ctx.violation(
                "media.codec",
                field,
                sorted(accepted),
                actual,
                f"{ctx.name} needs {track} encoded as {' or '.join(sorted(accepted))}, not "
                f"{actual}; re-encode it or {ctx.fix}.",
            )
        )
    fps = facts.frame_rate
    if fps is not None and limits.max_fps is not None and fps > limits.max_fps + 0.01:
        out.append(
            ctx.violation(
                "media.frame_rate",
                field,
                limits.max_fps,
                fps,
                f"This video runs at {fps:g} fps; {ctx.name} takes at most {limits.max_fps:g} "
                f"fps. Re-encode it or {ctx.fix}.",
            )
        )
    if fps is not None and limits.min_fps is not None and fps < limits.min_fps - 0.01:
        out.append(
            ctx.violation(
                "media.frame_rate",
                field,
                limits.min_fps,
                fps,
                f"This video runs at {fps:g} fps; {ctx.name} needs at least {limits.min_fps:g} "
                f"fps. Re-encode it or {ctx.fix}.",
            )
        )
    return out


def media_rule_table(network: str) -> Mapping[str, FormatRules]:
    """A network's formats and their rules, for documentation and previews."""
    formats_for(network)
    return dict(RULES[network])
