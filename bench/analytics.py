"""Dashboard queries at scale (issue 6): a workspace with 1,000 channels, 100,000 posts and
10 million metric samples, on SQLite and on PostgreSQL.

The data set: one workspace over six networks, campaigns and pillars; posts, each with one
variant and one publication published over the last 365 days; their PublicationStats rows
(the latest figures dashboards read, with the metrics a network does not give left NULL);
`--samples` PostMetricSample rows spread evenly over the publications (the history, 100 per
publication at full size); a daily follower series per channel; daily campaign results;
a few goals. Samples and follower series are loaded in bulk (COPY on PostgreSQL,
executemany in one transaction with synchronous=OFF on SQLite, for the build only).

Then each query the web dashboard runs (orchestre.analytics.query, as an owner) is timed
`--reps` times after one warm-up run, each in a fresh session: p50 / p95 per query, and the
dashboard p95 (over every timing of every query) per database. Finally a report of 21
blocks (10 pages: every kind twice and three 50-post tables) is rendered to PDF
(orchestre.analytics.report_pdf).

The database is a scratch SQLite file and a uniquely named PostgreSQL database
(ORCHESTRE_BENCH_PG_URL's server), dropped at the end.

    python bench/analytics.py [--quick] [--db sqlite|pg|both] [--channels N] [--posts N]
        [--samples N] [--reps N]

The last line is one JSON object: dashboard_p95_ms_postgres, dashboard_p95_ms_sqlite,
report_pdf_s, and the details of each run.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scratch import scratch_database
from sqlalchemy import Connection, insert
from sqlalchemy.orm import Session, sessionmaker

from orchestre.analytics import goals, query, report_pdf, report_render, reports
from orchestre.analytics.repository import METRIC_COLUMNS
from orchestre.kit import migrate
from orchestre.kit.db import make_engine, make_session_factory
from orchestre.models import Channel, Membership, User, Workspace
from orchestre.models.analytics import (
    CampaignResult,
    ChannelMetricSample,
    KpiGoal,
    PublicationStats,
    Report,
)
from orchestre.models.editorial import Campaign, ContentPillar
from orchestre.models.insights import PostMetricSample
from orchestre.models.post import Post, PostVariant
from orchestre.models.publication import Publication
from orchestre.workspaces.permissions import Actor, Role

# Network -> (formats it publishes, metrics it does not give: NULL in PublicationStats).
NETWORKS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "instagram": (("image", "carousel", "short_video"), frozenset({"clicks", "reposts"})),
    "facebook": (("text", "image", "video"), frozenset({"saves"})),
    "linkedin": (("text", "image", "carousel"), frozenset({"saves", "watch_time"})),
    "x": (("text", "image", "video"), frozenset({"reach", "saves", "watch_time", "completion"})),
    "tiktok": (("short_video",), frozenset({"clicks", "impressions"})),
    "youtube": (("video", "short_video"), frozenset({"reposts", "saves", "clicks"})),
}
# The history's metrics: the stats' figures but our own link clicks and the followers.
METRICS = tuple(m for m in METRIC_COLUMNS if m not in ("link_clicks", "followers"))
VIDEO = frozenset({"video", "short_video"})
# Hours after publication of the successive samples of one metric.
SAMPLE_HOURS = (1, 6, 24, 72, 168, *(24 * d for d in range(8, 400, 4)))
CAMPAIGNS = 20
PILLARS = 8
CHUNK = 200_000
# The report: every kind of block, twice, and a 50-post table (about ten pages).
REPORT_BLOCKS: list[dict[str, object]] = [
    {"kind": "kpis", "kpis": ["reach", "impressions", "posts", "engagement_rate_reach"]},
    {"kind": "chart", "chart": "series", "kpi": "reach"},
    {"kind": "chart", "chart": "formats", "kpi": "reach"},
    {"kind": "chart", "chart": "heatmap", "kpi": "engagement_rate_reach"},
    {"kind": "chart", "chart": "by_channel", "kpi": "reach"},
    {"kind": "top_posts", "kpi": "reach", "order": "top", "limit": 5},
    {"kind": "comments", "limit": 5},
    {"kind": "text", "markdown": "The month in short.\n\nWhat we try next."},
    {"kind": "goals"},
] * 2 + [{"kind": "top_posts", "kpi": "reach", "order": "top", "limit": 50}] * 3


@dataclass(frozen=True)
class Size:
    channels: int
    posts: int
    samples: int
    # Rows stored in random publication order (the worst case for SQLite's range scans)
    # instead of the order they arrive in production: as posts go out.
    shuffled: bool = False


@dataclass
class World:
    factory: sessionmaker[Session]
    actor: Actor
    build_s: float
    rows: dict[str, int]


# Building the data set -------------------------------------------------------------------------


def _uid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _insert(conn: Connection, model: Any, rows: list[dict[str, Any]]) -> int:
    for start in range(0, len(rows), 20_000):
        conn.execute(insert(model), rows[start : start + 20_000])
    return len(rows)


def _figures(rng: random.Random, network: str, fmt: str, followers: float) -> dict[str, Any]:
    missing = NETWORKS[network][1]
    reach = followers * rng.lognormvariate(-1.6, 0.8)
    impressions = reach * rng.uniform(1.1, 1.8)
    likes = reach * rng.lognormvariate(-3.3, 0.7)
    values: dict[str, float | None] = {
        "impressions": impressions,
        "reach": reach,
        "likes": likes,
        "comments": likes * rng.uniform(0.02, 0.12),
        "reposts": likes * rng.uniform(0.01, 0.08),
        "saves": likes * rng.uniform(0.02, 0.2),
        "clicks": reach * rng.uniform(0.001, 0.02),
        "video_views": reach * rng.uniform(0.4, 0.9) if fmt in VIDEO else None,
        "watch_time": reach * rng.uniform(2, 20) if fmt in VIDEO else None,
        "completion": rng.uniform(0.1, 0.7) if fmt in VIDEO else None,
    }
    return {
        m: (None if m in missing or v is None else round(v, 3 if m == "completion" else 0))
        for m, v in values.items()
    }


def _bulk(conn: Connection, table: str, columns: tuple[str, ...], lines: Iterator[str]) -> None:
    """Tab-separated lines into `table`: COPY on PostgreSQL, executemany on SQLite."""
    raw = conn.connection.driver_connection
    assert raw is not None
    if conn.dialect.name == "postgresql":
        # The rows' references are right by construction: without this, PostgreSQL checks
        # every foreign key of every row at the end of the COPY (half of a full build).
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            buffer: list[str] = []
            for line in lines:
                buffer.append(line)
                if len(buffer) >= CHUNK:
                    copy.write("".join(buffer))
                    buffer = []
            copy.write("".join(buffer))
        conn.exec_driver_sql("SET LOCAL session_replication_role = origin")
        return
    marks = ", ".join("?" * len(columns))
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
    cursor = raw.cursor()
    rows: list[list[str]] = []
    for line in lines:
        rows.append(line[:-1].split("\t"))
        if len(rows) >= CHUNK:
            cursor.executemany(statement, rows)
            rows = []
    cursor.executemany(statement, rows)


class Codec:
    """Values as each database stores them in a bulk load (SQLite: ids as 32 hex digits,
    naive UTC times as text)."""

    def __init__(self, dialect: str) -> None:
        self.pg = dialect == "postgresql"

    def id(self, value: uuid.UUID) -> str:
        return str(value) if self.pg else value.hex

    def at(self, value: datetime) -> str:
        return value.isoformat() if self.pg else value.strftime("%Y-%m-%d %H:%M:%S.%f")


def build(url: str, size: Size, seed: int = 6) -> World:
    engine = make_engine(url)
    migrate.upgrade(engine)
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    rows: dict[str, int] = {}
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA synchronous=OFF")
            raw.execute("PRAGMA journal_mode=WAL")
        with conn.begin():
            workspace_id, user_id = _uid(rng), _uid(rng)
            conn.execute(
                insert(Workspace),
                {"id": workspace_id, "name": "Bench", "slug": f"bench-{workspace_id.hex[:8]}"},
            )
            conn.execute(
                insert(User),
                {
                    "id": user_id,
                    "email": f"{user_id.hex[:8]}@bench.invalid",
                    "name": "Owner",
                    "password_hash": "!",
                },
            )
            conn.execute(
                insert(Membership),
                {"workspace_id": workspace_id, "user_id": user_id, "roles": ["owner"]},
            )
            rows.update(_world_rows(conn, rng, size, workspace_id, user_id, now))
    engine.dispose()
    build_s = time.perf_counter() - started
    engine = make_engine(url)
    actor = Actor(user_id=user_id, workspace_id=workspace_id, roles=frozenset({Role.OWNER}))
    return World(make_session_factory(engine), actor, round(build_s, 1), rows)


def _world_rows(
    conn: Connection,
    rng: random.Random,
    size: Size,
    workspace_id: uuid.UUID,
    user_id: uuid.UUID,
    now: datetime,
) -> dict[str, int]:
    codec = Codec(conn.dialect.name)
    ws = {"workspace_id": workspace_id}
    networks = list(NETWORKS)
    channels = [
        (_uid(rng), networks[n % len(networks)], rng.lognormvariate(9, 1.3))
        for n in range(size.channels)
    ]
    rows = {
        "channels": _insert(
            conn,
            Channel,
            [
                {
                    **ws,
                    "id": cid,
                    "network": net,
                    "external_id": f"acct-{n}",
                    "handle": f"@acct{n}",
                    "display_name": f"Account {n}",
                }
                for n, (cid, net, _f) in enumerate(channels)
            ],
        )
    }
    campaigns = [_uid(rng) for _ in range(CAMPAIGNS)]
    pillars = [_uid(rng) for _ in range(PILLARS)]
    rows["campaigns"] = _insert(
        conn, Campaign, [{**ws, "id": c, "name": f"Campaign {n}"} for n, c in enumerate(campaigns)]
    )
    rows["pillars"] = _insert(
        conn, ContentPillar, [{**ws, "id": p, "name": f"Pillar {n}"} for n, p in enumerate(pillars)]
    )
    posts, variants, publications, stats = [], [], [], []
    ages = [rng.randrange(365 * 86_400) for _ in range(size.posts)]
    if not size.shuffled:
        ages.sort(reverse=True)
    for n, age in enumerate(ages):
        channel_id, network, followers = channels[n % len(channels)]
        fmt = rng.choice(NETWORKS[network][0])
        at = now - timedelta(seconds=age)
        campaign = rng.choice(campaigns) if rng.random() < 0.4 else None
        pillar = rng.choice(pillars) if rng.random() < 0.8 else None
        post_id, variant_id, publication_id = _uid(rng), _uid(rng), _uid(rng)
        words = f"Post {n} about our {fmt} and pillar {pillars.index(pillar) if pillar else '-'}"
        posts.append(
            {
                **ws,
                "id": post_id,
                "created_by": user_id,
                "title": f"Post {n}",
                "base_text": words,
                "campaign_id": campaign,
                "pillar_id": pillar,
                "scheduled_at": at,
            }
        )
        variants.append(
            {
                **ws,
                "id": variant_id,
                "post_id": post_id,
                "channel_id": channel_id,
                "text": words,
                "state": "published",
                "scheduled_at": at,
                "published_at": at,
                "external_id": f"ext-{n}",
            }
        )
        publications.append(
            {
                **ws,
                "id": publication_id,
                "channel_id": channel_id,
                "variant_id": variant_id,
                "state": "published",
                "due_at": at,
                "client_ref": publication_id.hex,
                "published_at": at,
                "external_id": f"ext-{n}",
            }
        )
        stats.append(
            {
                **ws,
                "publication_id": publication_id,
                "channel_id": channel_id,
                "network": network,
                "post_id": post_id,
                "variant_id": variant_id,
                "campaign_id": campaign,
                "pillar_id": pillar,
                "format": fmt,
                "published_at": at,
                "measured_at": min(now, at + timedelta(days=30)),
                "followers": round(followers),
                "link_clicks": rng.randrange(40) if rng.random() < 0.3 else 0,
                **_figures(rng, network, fmt, followers),
            }
        )
    rows["posts"] = _insert(conn, Post, posts)
    rows["variants"] = _insert(conn, PostVariant, variants)
    rows["publications"] = _insert(conn, Publication, publications)
    rows["publication_stats"] = _insert(conn, PublicationStats, stats)
    rows["post_metric_samples"] = _samples(conn, codec, workspace_id, stats, size, now)
    rows["channel_metric_samples"] = _followers(conn, codec, workspace_id, channels, now, rng)
    rows["campaign_results"] = _campaign_results(conn, rng, workspace_id, campaigns, now)
    today = now.date()
    rows["goals"] = _insert(
        conn,
        KpiGoal,
        [
            {
                **ws,
                "kpi": kpi,
                "period_start": today.replace(day=1),
                "period_end": today.replace(day=1) + timedelta(days=40),
                "target": target,
                "created_by": user_id,
            }
            for kpi, target in (
                ("engagement_rate_reach", 0.05),
                ("reach", 5e6),
                ("posts", 9_000),
                ("followers", 2e6),
                ("spend", 10_000),
            )
        ],
    )
    return rows


def _samples(
    conn: Connection,
    codec: Codec,
    workspace_id: uuid.UUID,
    stats: list[dict[str, Any]],
    size: Size,
    now: datetime,
) -> int:
    """The history: `size.samples` rows spread over the publications, each an available
    metric growing towards its latest value, one stage after another."""
    per = size.samples // max(1, len(stats))
    extra = size.samples - per * len(stats)
    ws = codec.id(workspace_id)
    prefix = uuid.uuid4().hex[:20]
    count = 0

    def lines() -> Iterator[str]:
        nonlocal count
        for i, row in enumerate(stats):
            metrics = [m for m in METRICS if row[m] is not None]
            want = per + (1 if i < extra else 0)
            times = SAMPLE_HOURS[: math.ceil(want / len(metrics))]
            head = f"{ws}\t{codec.id(row['channel_id'])}\t{codec.id(row['publication_id'])}\t"
            published = row["published_at"]
            last = len(times) - 1
            made = 0
            for stage, hours in enumerate(times):
                at = codec.at(published + timedelta(hours=hours))
                share = (stage + 1) / (last + 1)
                for metric in metrics:
                    if made == want:
                        break
                    raw_id = f"{prefix}{count:012x}"
                    sample_id = codec.id(uuid.UUID(raw_id))
                    yield f"{sample_id}\t{head}{metric}\t{row[metric] * share}\t{at}\t{stage}\n"
                    made += 1
                    count += 1

    columns = (
        "id",
        "workspace_id",
        "channel_id",
        "publication_id",
        "metric",
        "value",
        "measured_at",
        "stage",
    )
    _bulk(conn, PostMetricSample.__tablename__, columns, lines())
    return count


def _followers(
    conn: Connection,
    codec: Codec,
    workspace_id: uuid.UUID,
    channels: list[tuple[uuid.UUID, str, float]],
    now: datetime,
    rng: random.Random,
) -> int:
    """A daily follower count per channel over the year, growing a little each day."""
    ws = codec.id(workspace_id)
    start = now.replace(hour=6, minute=0, second=0) - timedelta(days=365)
    days = [codec.at(start + timedelta(days=d)) for d in range(366)]

    def lines() -> Iterator[str]:
        for channel_id, _network, followers in channels:
            cid = codec.id(channel_id)
            value = followers * 0.8
            growth = rng.uniform(0.0, 0.0015)
            for day in days:
                value *= 1 + growth
                yield f"{codec.id(uuid.uuid4())}\t{ws}\t{cid}\tfollowers\t{round(value)}\t{day}\n"

    columns = ("id", "workspace_id", "channel_id", "metric", "value", "measured_at")
    _bulk(conn, ChannelMetricSample.__tablename__, columns, lines())
    return len(channels) * len(days)


def _campaign_results(
    conn: Connection,
    rng: random.Random,
    workspace_id: uuid.UUID,
    campaigns: list[uuid.UUID],
    now: datetime,
) -> int:
    today = now.date()
    rows = []
    for campaign in campaigns:
        for d in range(120):
            spend = rng.uniform(20, 400)
            rows.append(
                {
                    "workspace_id": workspace_id,
                    "campaign_id": campaign,
                    "channel_key": "",
                    "day": today - timedelta(days=d),
                    "source": "csv",
                    "spend": round(spend, 2),
                    "revenue": round(spend * rng.uniform(0.5, 4), 2),
                    "conversions": rng.randrange(0, 40),
                    "impressions": rng.randrange(5_000, 90_000),
                    "clicks": rng.randrange(50, 2_000),
                }
            )
    return _insert(conn, CampaignResult, rows)


# Timing ----------------------------------------------------------------------------------------


def dashboard_queries(session: Session, actor: Actor) -> dict[str, Callable[[], object]]:
    """The queries of the web dashboard's page (web/views/analytics.py), by name."""
    month = query.period_for(session, actor, "last_30_days")
    quarter = query.period_for(session, actor, "last_quarter")
    days90 = query.period_for(session, actor, "last_90_days")
    cards = ("engagement_rate_reach", "reach", "impressions", "engagement", "ctr", "posts")
    rate = "engagement_rate_reach"
    found: dict[str, Callable[[], object]] = {
        "kpi_total_last_30_days": lambda: query.kpi_table(session, actor, kpis=cards, period=month),
        "kpi_total_last_quarter": lambda: query.kpi_table(
            session, actor, kpis=cards, period=quarter
        ),
    }
    for group in ("channel", "network", "format", "campaign", "pillar"):
        found[f"kpi_by_{group}"] = lambda g=group: query.kpi_table(  # type: ignore[misc]
            session, actor, kpis=cards, period=month, group_by=g
        )
    found["series_day_90_days"] = lambda: query.series(
        session, actor, kpis=cards, period=days90, interval="day"
    )
    found["top_posts_top"] = lambda: query.top_posts(
        session, actor, kpi=rate, period=month, limit=5
    )
    found["top_posts_bottom"] = lambda: query.top_posts(
        session, actor, kpi=rate, period=month, order="bottom", limit=5
    )
    found["heatmap"] = lambda: query.heatmap(session, actor, kpi=rate, period=month)
    found["formats"] = lambda: query.formats(
        session, actor, kpis=(rate, "reach", "posts"), period=month
    )
    found["goals_all_progress"] = lambda: goals.all_progress(session, actor)
    return found


def _pct(values: list[float], pct: int) -> float:
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[pct - 1], 1)


def time_dashboard(world: World, reps: int) -> dict[str, Any]:
    timings: dict[str, list[float]] = {}
    with world.factory() as session:
        names = list(dashboard_queries(session, world.actor))
    for rep in range(reps + 1):  # the first round warms caches and is not counted
        for name in names:
            with world.factory() as session:
                run = dashboard_queries(session, world.actor)[name]
                started = time.perf_counter()
                run()
                elapsed = (time.perf_counter() - started) * 1000
            if rep:
                timings.setdefault(name, []).append(elapsed)
    every = [t for values in timings.values() for t in values]
    return {
        "queries": {
            name: {"p50_ms": _pct(values, 50), "p95_ms": _pct(values, 95)}
            for name, values in timings.items()
        },
        "dashboard_p50_ms": _pct(every, 50),
        "dashboard_p95_ms": _pct(every, 95),
        # One page load runs every query once, one after the other.
        "page_sum_p50_ms": round(sum(_pct(v, 50) for v in timings.values()), 1),
    }


def time_report(world: World) -> dict[str, Any]:
    with world.factory() as session:
        report = Report(
            workspace_id=world.actor.workspace_id,
            name="Bench month",
            period="last_30_days",
            blocks=reports.check_blocks(REPORT_BLOCKS),
        )
        session.add(report)
        session.flush()
        # report_pdf is build (the figures) then pdf_of (WeasyPrint's layout): timed apart.
        started, cpu = time.perf_counter(), time.process_time()
        built = report_render.build(session, world.actor, report)
        figures = time.perf_counter() - started
        pdf = report_pdf.pdf_of(built)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        session.rollback()
    pages = None
    try:
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(pdf)).pages)
    except ImportError:  # pypdf is a test dependency: the page count is then unknown
        pass
    return {
        "report_pdf_s": round(wall, 2),
        "report_figures_s": round(figures, 2),
        "report_pdf_cpu_s": round(cpu, 2),
        "pages": pages,
    }


def bench_one(kind: str, size: Size, reps: int, pdf: bool) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        scratch_database(kind == "pg", Path(tmp), "analytics_bench") as url,
    ):
        world = build(url, size)
        print(f"# {kind}: built in {world.build_s} s: {world.rows}", flush=True)
        result = {"build_s": world.build_s, "rows": world.rows, **time_dashboard(world, reps)}
        if pdf:
            result.update(time_report(world))
        world.factory.kw["bind"].dispose()
        return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="50 channels, 5,000 posts")
    parser.add_argument("--db", choices=("sqlite", "pg", "both"), default="both")
    parser.add_argument("--channels", type=int, default=None, help="1,000 (50 with --quick)")
    parser.add_argument("--posts", type=int, default=None, help="100,000 (5,000 with --quick)")
    parser.add_argument("--samples", type=int, default=None, help="10M (100,000 with --quick)")
    parser.add_argument(
        "--shuffled", action="store_true", help="store rows in random publication order"
    )
    parser.add_argument("--reps", type=int, default=None, help="timings per query (20; 5 quick)")
    args = parser.parse_args()
    size = Size(
        channels=args.channels or (50 if args.quick else 1_000),
        posts=args.posts or (5_000 if args.quick else 100_000),
        samples=args.samples if args.samples is not None else 100_000 if args.quick else 10**7,
        shuffled=args.shuffled,
    )
    reps = args.reps or (5 if args.quick else 20)
    load_before = [round(x, 2) for x in os.getloadavg()]
    print(
        f"# {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs; "
        f"load average {load_before} (a shared machine: other work slows every figure)",
        flush=True,
    )
    kinds = ("sqlite", "pg") if args.db == "both" else (args.db,)
    # The report is rendered once, on the last database (PostgreSQL when both run):
    # WeasyPrint's layout, not the queries, is most of its time.
    runs = {kind: bench_one(kind, size, reps, pdf=kind == kinds[-1]) for kind in kinds}
    load_after = [round(x, 2) for x in os.getloadavg()]
    for kind, result in runs.items():
        for name, q in result["queries"].items():
            print(f"# {kind} {name}: p50 {q['p50_ms']} ms, p95 {q['p95_ms']} ms")
        print(f"# {kind}: dashboard p95 {result['dashboard_p95_ms']} ms")
    last = runs[kinds[-1]]
    print(
        f"# {kinds[-1]}: report PDF {last['report_pdf_s']} s ({last['pages']} pages), "
        f"of which figures {last['report_figures_s']} s"
    )
    summary = {
        "bench": "analytics",
        "dashboard_p95_ms_postgres": runs["pg"]["dashboard_p95_ms"] if "pg" in runs else None,
        "dashboard_p95_ms_sqlite": runs["sqlite"]["dashboard_p95_ms"] if "sqlite" in runs else None,
        "report_pdf_s": last["report_pdf_s"],
        "report_pdf_cpu_s": last["report_pdf_cpu_s"],
        "report_pdf_pages": last["pages"],
        "report_pdf_db": kinds[-1],
        "channels": size.channels,
        "posts": size.posts,
        "samples": size.samples,
        "shuffled": size.shuffled,
        "reps": reps,
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "python": platform.python_version(),
        "date": datetime.now(UTC).date().isoformat(),
        "runs": runs,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
