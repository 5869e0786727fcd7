"""Server-side SVG charts of reports: a line over time, bars per group, a weekday x hour
heatmap. Plain SVG (no chart library): WeasyPrint draws it in the PDF and browsers in the
shared page, and every label is escaped. A missing value (None) is a gap, never a zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape

WIDTH = 640
HEIGHT = 220
LEFT = 70
BOTTOM = 40
TOP = 10
INK = "#1f2937"
BAR = "#2563eb"
GRID = "#e5e7eb"
Format = Callable[[float | None], str]


def _svg(body: list[str], height: int = HEIGHT) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" font-family="DejaVu Sans, sans-serif" '
        f'font-size="10" role="img">' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, label: str, anchor: str = "middle") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{INK}">{escape(label)}</text>'
    )


def _scale(values: Sequence[float | None]) -> float:
    known = [abs(v) for v in values if v is not None]
    return max(known) if known and max(known) > 0 else 1.0


def _axis(top: float, fmt: Format) -> list[str]:
    plot = HEIGHT - BOTTOM - TOP
    out = []
    for i in range(5):
        y = TOP + plot * i / 4
        out.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - 10}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        out.append(_text(LEFT - 6, y + 3, fmt(top * (4 - i) / 4), "end"))
    return out


def line_chart(points: Sequence[tuple[str, float | None]], fmt: Format) -> str:
    """One value per bucket, left to right; a gap where a bucket has no value."""
    top = _scale([v for _, v in points])
    plot_w, plot_h = WIDTH - LEFT - 20, HEIGHT - BOTTOM - TOP
    step = plot_w / max(len(points) - 1, 1)
    body = _axis(top, fmt)
    segment: list[str] = []
    segments: list[list[str]] = []
    every = max(1, len(points) // 8)
    for i, (label, value) in enumerate(points):
        x = LEFT + i * step
        if i % every == 0:
            body.append(_text(x, HEIGHT - BOTTOM + 14, label))
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        y = TOP + plot_h * (1 - value / top)
        segment.append(f"{x:.1f},{y:.1f}")
    if segment:
        segments.append(segment)
    for seg in segments:
        body.append(
            f'<polyline points="{" ".join(seg)}" fill="none" stroke="{BAR}" stroke-width="2"/>'
        )
    return _svg(body)


def bar_chart(items: Sequence[tuple[str, float | None]], fmt: Format) -> str:
    """One horizontal bar per group, its value written at its end."""
    row = 22
    height = TOP + row * max(len(items), 1) + 10
    top = _scale([v for _, v in items])
    left = 150
    room = WIDTH - left - 90
    body = []
    for i, (label, value) in enumerate(items):
        y = TOP + i * row
        body.append(_text(left - 6, y + 14, label[:28], "end"))
        if value is not None:
            width = max(room * abs(value) / top, 1)
            body.append(
                f'<rect x="{left}" y="{y + 3:.1f}" width="{width:.1f}" height="{row - 6}" '
                f'fill="{BAR}"/>'
            )
        body.append(
            _text(left + (room * abs(value) / top if value else 0) + 6, y + 14, fmt(value), "start")
        )
    return _svg(body, height)


def heatmap_chart(
    cells: Sequence[tuple[int, int, float | None]], weekdays: Sequence[str], fmt: Format
) -> str:
    """7 rows (weekdays, Monday first) x 24 hours; darker is higher, blank is no value."""
    size = 22
    left = 70
    top = _scale([v for _, _, v in cells])
    body = [_text(left + h * size + size / 2, 12, str(h)) for h in range(0, 24, 3)]
    for d, name in enumerate(weekdays):
        body.append(_text(left - 6, 32 + d * size, name, "end"))
    # One path per shade (8 shades), not a rectangle per cell: WeasyPrint lays out each
    # SVG element, and 168 of them per heatmap made a 10-page PDF several times slower.
    shapes: dict[str, list[str]] = {}
    for weekday, hour, value in cells:
        x, y = left + hour * size, 18 + weekday * size
        shade = "#ffffff" if value is None else _shade(round(value / top * 7) / 7)
        shapes.setdefault(shade, []).append(f"M{x} {y}h{size - 2}v{size - 2}h-{size - 2}z")
    body += [
        f'<path d="{"".join(parts)}" fill="{shade}" stroke="{GRID}"/>'
        for shade, parts in sorted(shapes.items())
    ]
    body.append(_text(left, 18 + 7 * size + 12, "max " + fmt(top), "start"))
    return _svg(body, 18 + 7 * size + 16)


def _shade(share: float) -> str:
    share = min(max(share, 0.0), 1.0)
    low, high = (219, 234, 254), (30, 64, 175)
    mixed = [round(a + (b - a) * share) for a, b in zip(low, high, strict=True)]
    return "#{:02x}{:02x}{:02x}".format(*mixed)
