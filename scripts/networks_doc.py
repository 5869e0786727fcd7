"""Render the media-limits table of docs/networks.md from connectors.rules.media_limits.

    .venv/bin/python scripts/networks_doc.py > /tmp/table.md

tests/connectors/rules/test_networks_doc.py checks the doc still holds this table.
"""

from __future__ import annotations

from orchestre.connectors.rules.media_limits import RULES, FormatRules, KindLimits


def _size(n: int | None) -> str:
    if n is None:
        return "—"
    # Networks document their limits in decimal units (1 MB = 1,000,000 bytes).
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if n >= factor:
            value = n / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} B"


def _seconds(low: float | None, high: float | None) -> str:
    if low is None and high is None:
        return "—"
    return f"{low or 0:g}–{high:g} s" if high is not None else f"≥ {low:g} s"


def _aspect(kind: KindLimits) -> str:
    if kind.aspect:
        low, high = kind.aspect
        return f"{low or '…'} to {high or '…'}"
    if kind.recommended_aspect:
        return f"{kind.recommended_aspect} recommended"
    return "—"


def _row(network: str, fmt: str, rules: FormatRules) -> str:
    image, video = rules.image, rules.video
    items = f"{rules.min_items}–{rules.max_items}" if rules.max_items else f"≥ {rules.min_items}"
    return (
        f"| {network} | {fmt} | {items} | {_size(image.max_bytes) if image else 'no'} | "
        f"{_size(video.max_bytes) if video else 'no'} | "
        f"{_seconds(video.min_seconds, video.max_seconds) if video else '—'} | "
        f"{_aspect(video) if video else (_aspect(image) if image else '—')} |"
    )


def render() -> str:
    lines = [
        "| network | format | files | image max | video max | video duration | aspect (w:h) |",
        "|---|---|---|---|---|---|---|",
    ]
    for network, formats in RULES.items():
        for fmt, rules in formats.items():
            lines.append(_row(network, fmt, rules))
    return "\n".join(lines)


if __name__ == "__main__":
    print(render())
