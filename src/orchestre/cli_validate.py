"""`orchestre validate`: check a text and media files against one network's rules, as JSON."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import typer

from orchestre.connectors.rules.text import check_text
from orchestre.connectors.rules.types import NETWORKS, MediaFacts, Violation
from orchestre.errors import DomainError

MediaChecker = Callable[..., list[Violation]]


def _media_checker() -> MediaChecker | None:
    """The network media rules, when this installation has them."""
    try:
        module = importlib.import_module("orchestre.connectors.rules.media")
    except ModuleNotFoundError:
        return None
    checker = getattr(module, "check_media", None)
    return cast(MediaChecker, checker) if callable(checker) else None


def _read_text(path: Path) -> str:
    try:
        raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as exc:
        raise typer.BadParameter(f"Cannot read {path}: {exc.strerror}.") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise typer.BadParameter(
            f"{path} is not UTF-8 text; save it as UTF-8 and try again.",
            param_hint="--text-file",
        ) from exc


def _facts(path: Path) -> MediaFacts:
    """What the file really is, measured from its content (raises DomainError when refused)."""
    from orchestre.posts.media_probe import measure

    measured = measure(path)
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
    )


def _unreadable(network: str, index: int, exc: DomainError) -> Violation:
    return Violation(
        network=network,
        rule="media.unreadable",
        field=f"media[{index}]",
        limit=None,
        actual=exc.code,
        message=exc.detail,
    )


def _check_media(
    network: str, paths: Sequence[Path], media_format: str
) -> tuple[list[dict[str, Any]], list[Violation], bool]:
    """Each file's facts, the media violations, and whether the media rules were applied."""
    described: list[dict[str, Any]] = []
    facts: list[MediaFacts] = []
    violations: list[Violation] = []
    for index, path in enumerate(paths):
        try:
            measured = _facts(path)
        except DomainError as exc:
            violations.append(_unreadable(network, index, exc))
            described.append({"path": str(path), "error": exc.detail})
            continue
        facts.append(measured)
        described.append({"path": str(path), **_facts_dict(measured)})
    checker = _media_checker()
    if checker is None or not paths:
        return described, violations, False
    if violations:
        # Indices of the rules would not match the files once one is dropped.
        return described, violations, False
    try:
        violations += checker(network, facts, format=media_format)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--format") from exc
    return described, violations, True


def _facts_dict(facts: MediaFacts) -> dict[str, Any]:
    return {
        "kind": facts.kind,
        "content_type": facts.content_type,
        "size_bytes": facts.size_bytes,
        "width": facts.width,
        "height": facts.height,
        "duration_seconds": facts.duration_seconds,
        "video_codec": facts.video_codec,
        "audio_codec": facts.audio_codec,
        "frame_rate": facts.frame_rate,
    }


def _violation_dict(violation: Violation) -> dict[str, Any]:
    found = violation.as_dict()
    del found["network"]
    return found


def validate(
    network: Annotated[
        str,
        typer.Option("--network", help=f"One of: {', '.join(NETWORKS)}.", metavar="NETWORK"),
    ],
    text_file: Annotated[
        Path,
        typer.Option(
            "--text-file",
            help="The post's text, UTF-8 ('-' reads standard input).",
            dir_okay=False,
            metavar="PATH",
        ),
    ],
    media: Annotated[
        list[Path] | None,
        typer.Option(
            "--media",
            help="A media file to attach (repeat for several); only the text is checked "
            "without it.",
            exists=True,
            dir_okay=False,
            metavar="PATH",
        ),
    ] = None,
    media_format: Annotated[
        str, typer.Option("--format", help="feed, reel, short, story, carousel or tiktok_video.")
    ] = "feed",
    title: Annotated[str | None, typer.Option("--title", help="YouTube: the title.")] = None,
    max_characters: Annotated[
        int | None, typer.Option("--max-characters", help="Mastodon: the instance's limit.", min=1)
    ] = None,
    url_length: Annotated[
        int | None,
        typer.Option("--url-length", help="Mastodon: characters reserved per URL.", min=1),
    ] = None,
) -> None:
    """Check a post against one network's rules; print one JSON object.

    Exit code 0 when the post passes, 1 when it breaks a rule, 2 on a usage error. A
    warning (such as a missing alt text) is listed but does not fail the post.
    """
    if network not in NETWORKS:
        raise typer.BadParameter(
            f"Unknown network {network!r}; choose one of: {', '.join(NETWORKS)}.",
            param_hint="--network",
        )
    text = _read_text(text_file)
    options: dict[str, object] = {}
    if title is not None:
        options["title"] = title
    if max_characters is not None:
        options["max_characters"] = max_characters
    if url_length is not None:
        options["characters_reserved_per_url"] = url_length
    report = check_text(network, text, options=options)
    described, media_violations, media_checked = _check_media(network, media or [], media_format)
    violations = report.violations + media_violations
    ok = not any(v.severity == "error" for v in violations)
    result = {
        "network": network,
        "ok": ok,
        "length": report.length,
        "limit": report.limit,
        "violations": [_violation_dict(v) for v in violations],
        "media": described,
        "media_rules_checked": media_checked,
    }
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    raise typer.Exit(0 if ok else 1)
