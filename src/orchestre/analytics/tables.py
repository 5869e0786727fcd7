"""Query results as flat tables (a header and rows), for the CSV download of any dashboard
query and for the reports' CSV and spreadsheet exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from orchestre.analytics.goals import GoalProgress
from orchestre.analytics.query import Heatmap, KpiTable, Series, TopPosts
from orchestre.analytics.repository import METRIC_COLUMNS

Cell = str | int | float | bool | None
Table = tuple[list[str], list[list[Cell]]]


def kpi_rows(table: KpiTable) -> Table:
    header = [
        "group_by",
        "group",
        "label",
        "kpi",
        "unit",
        "value",
        "previous",
        "change",
        "change_relative",
        "coverage",
        "available",
        "period_first",
        "period_last",
        "timezone",
    ]
    rows: list[list[Cell]] = []
    units = {kpi.name: kpi.unit.value for kpi in table.kpis}
    p = table.period
    for group in [table.total, *table.groups]:
        for v in group.values:
            rows.append(
                [
                    table.group_by or "",
                    group.key or "",
                    group.label,
                    v.kpi,
                    units[v.kpi],
                    v.value,
                    v.previous,
                    v.change.absolute,
                    v.change.relative,
                    v.coverage,
                    v.available,
                    p.first.isoformat(),
                    p.last.isoformat(),
                    p.timezone,
                ]
            )
    return header, rows


def series_rows(series: Series) -> Table:
    names = [kpi.name for kpi in series.kpis]
    rows: list[list[Cell]] = [
        [point.start.isoformat(), *(point.values[n] for n in names)] for point in series.points
    ]
    return [series.interval, *names], rows


def top_post_rows(top: TopPosts) -> Table:
    header = [
        "rank",
        "publication_id",
        "post_id",
        "channel_id",
        "network",
        "format",
        "published_at",
        "text",
        top.kpi.name,
        *METRIC_COLUMNS,
    ]
    rows: list[list[Cell]] = []
    for rank, post in enumerate(top.posts, start=1):
        rows.append(
            [
                rank,
                str(post.publication_id),
                str(post.post_id),
                str(post.channel_id),
                post.network,
                post.format,
                post.published_at.isoformat(),
                post.text,
                post.value,
                *(post.metrics[m] for m in METRIC_COLUMNS),
            ]
        )
    return header, rows


def heatmap_rows(heatmap: Heatmap) -> Table:
    header = ["weekday", "hour", heatmap.kpi.name, "posts", "coverage"]
    rows: list[list[Cell]] = [
        [c.weekday, c.hour, c.value, c.posts, c.coverage] for c in heatmap.cells
    ]
    return header, rows


def goal_rows(progress: Sequence[GoalProgress]) -> Table:
    header = [
        "goal_id",
        "kpi",
        "scope",
        "period_start",
        "period_end",
        "target",
        "current",
        "projected",
        "elapsed_share",
        "status",
    ]
    rows: list[list[Cell]] = []
    for p in progress:
        g = p.goal
        scope = g.network or str(g.channel_id or g.campaign_id or "") or "workspace"
        rows.append(
            [
                str(g.id),
                g.kpi,
                scope,
                g.period_start.isoformat(),
                g.period_end.isoformat(),
                p.target,
                p.current,
                p.projected,
                round(p.elapsed_share, 4),
                p.status,
            ]
        )
    return header, rows


# A cell a spreadsheet would run as a formula (CSV injection): shown as text instead.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Cell) -> str:
    if value is None:
        return ""  # not available: an empty cell, never 0
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    if text.startswith(FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_csv(table: Table, delimiter: str = ",") -> bytes:
    """UTF-8 with a BOM so that spreadsheets read accents right; empty cell = not available."""
    header, rows = table
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(c) for c in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
