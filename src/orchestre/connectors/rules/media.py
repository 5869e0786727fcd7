"""Check a post's media against a network's limits for a format; every broken rule reported."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol, cast

from orchestre.connectors.rules.media_limits import (
    ASPECT_TOLERANCE,
    FORMAT_NAMES,
    FORMATS,
    MB,
    NAMES,
    RULES,
    FormatRules,
    GiB,
    InstanceMediaLimits,
    KindLimits,
)
from orchestre.connectors.rules.types import NETWORKS, MediaFacts, Violation

__all__ = [
    "FORMATS",
    "FormatRules",
    "InstanceMediaLimits",
    "KindLimits",
    "check_media",
    "formats_for",
    "media_facts",
    "media_rule_table",
    "rules_for",
]


class Measurement(Protocol):
    """What a media probe reports (orchestre.media.probe.Measured has these attributes)."""

    @property
    def kind(self) -> str: ...
    @property
    def content_type(self) -> str: ...
    @property
    def size_bytes(self) -> int: ...
    @property
    def width(self) -> int | None: ...
    @property
    def height(self) -> int | None: ...
    @property
    def duration_seconds(self) -> float | None: ...
    @property
    def video_codec(self) -> str | None: ...
    @property
    def audio_codec(self) -> str | None: ...
    @property
    def frame_rate(self) -> float | None: ...


def media_facts(measured: Measurement, alt_text: str = "") -> MediaFacts:
    """The facts the rules check, from a probe's measurement (rules never import the probe)."""
    if measured.kind not in ("image", "gif", "video"):
        raise ValueError(f"Unknown media kind {measured.kind!r}; known: image, gif, video.")
    return MediaFacts(
        kind=cast(Literal["image", "gif", "video"], measured.kind),
        content_type=measured.content_type,
        size_bytes=measured.size_bytes,
        width=measured.width,
        height=measured.height,
        duration_seconds=measured.duration_seconds,
        video_codec=measured.video_codec,
        audio_codec=measured.audio_codec,
        frame_rate=measured.frame_rate,
        alt_text=alt_text,
    )


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
    def post(self) -> str:
        """'an Instagram Reel', 'a Bluesky post', 'an X post'."""
        article = "an" if self.name[0] in "AEIOUX" else "a"
        return f"{article} {self.name} {FORMAT_NAMES[self.format]}"

    @property
    def post_title(self) -> str:
        return self.post[0].upper() + self.post[1:]

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
    what = ctx.post_title
    count = len(media)
    videos = sum(1 for m in media if m.kind == "video")
    gifs = sum(1 for m in media if m.kind == "gif")
    carousel = " or choose the carousel format." if ctx.format == "feed" else "."
    checks: list[tuple[bool, int, int, str]] = [
        (
            rules.max_items is not None and count > rules.max_items,
            rules.max_items or 0,
            count,
            f"{what} takes at most {rules.max_items} file(s); remove "
            f"{count - (rules.max_items or 0)}{carousel}",
        ),
        (
            count < rules.min_items,
            rules.min_items,
            count,
            f"{what} needs at least {rules.min_items} file(s); add {rules.min_items - count} more.",
        ),
        (
            rules.video is not None and rules.max_videos is not None and videos > rules.max_videos,
            rules.max_videos or 0,
            videos,
            f"{what} takes at most {rules.max_videos} video; keep one video per post.",
        ),
        (
            rules.max_gifs is not None and gifs > rules.max_gifs,
            rules.max_gifs or 0,
            gifs,
            f"{what} takes at most {rules.max_gifs} animated GIF; keep one.",
        ),
    ]
    out = [
        ctx.violation("media.count", "media", limit, actual, message)
        for broken, limit, actual, message in checks
        if broken
    ]
    return out + _check_mix(ctx, rules, count, videos, gifs)


def _check_mix(
    ctx: _Context, rules: FormatRules, count: int, videos: int, gifs: int
) -> list[Violation]:
    # Where GIFs are counted apart (X), a GIF cannot share a post either. A kind the format
    # does not take at all is reported once, by media.format, not again here.
    still_gifs = 0 if rules.max_gifs is not None else gifs
    stills = count - videos - gifs + still_gifs
    moving = (videos if rules.video else 0, gifs - still_gifs if rules.gif else 0)
    if rules.mix or len([n for n in (stills, *moving) if n]) < 2:
        return []
    return [
        ctx.violation(
            "media.mix",
            "media",
            "one kind of media per post",
            f"{stills} image(s), {videos} video(s), {gifs - still_gifs} GIF(s)",
            f"{ctx.post_title} cannot mix images, videos and animated GIFs; post them separately.",
        )
    ]


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
                f"{ctx.post_title} does not take {label}.{hint}",
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
                f"This video lasts {seconds:g} s; {ctx.post} "
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
                f"This video lasts {seconds:g} s; {ctx.post} "
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
            allowed = _range_text(low, high)
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


def _range_text(low: str | None, high: str | None) -> str:
    if low == high:
        return str(low)
    if low and high:
        return f"{low} to {high}"
    return f"{high} or taller" if high else f"{low} or wider"


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
