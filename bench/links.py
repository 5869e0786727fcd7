"""Short-link redirector throughput under a click storm, and what the storm does to publishing.

A real server (uvicorn on 127.0.0.1, the application as `orchestre serve` runs it) holds
`--links` tracked links, each on its own published publication. `--threads` clients follow
them as fast as they can (keep-alive, as browsers do), one click in ten from a link
unfurler (recorded as a robot, not counted). Meanwhile one writer does what the publishing
engine does between network calls: a short transaction that updates a publication row,
every 20 ms; its latency during the storm says whether clicks hold publishing up. The
database is a SQLite file (default) or a fresh PostgreSQL database (`--postgres`, URL from
ORCHESTRE_BENCH_PG_URL). Checks after the run: every click is stored once, and the people's
clicks are exactly the links' and the publications' counters.

    python bench/links.py [--quick] [--postgres] [--clicks N] [--threads T] [--links L]

The last line is one JSON object: clicks_per_s, click_p50_ms, click_p99_ms,
publish_write_p50_ms, publish_write_p99_ms and the run's details.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import uvicorn
from scratch import scratch_database
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from orchestre.analytics import links_api
from orchestre.analytics.links import track_variant_links
from orchestre.app import create_app
from orchestre.config import Settings
from orchestre.kit import migrate
from orchestre.kit.clock import utcnow
from orchestre.kit.crypto import new_key
from orchestre.kit.db import make_engine, make_session_factory
from orchestre.models import (
    Channel,
    LinkClick,
    Post,
    PostVariant,
    PublicationStats,
    TrackedLink,
    VariantState,
    Workspace,
)
from orchestre.models.publication import Publication, PublicationState

PERSON = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 Instagram 309.0.0.0"
)
UNFURLER = "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"


def seed(factory: sessionmaker[Session], count: int, base_url: str) -> list[str]:
    """`count` published publications, each with one tracked link; their codes."""
    now = utcnow()
    with factory.begin() as session:
        workspace = Workspace(name="Bench", slug=f"bench-{uuid.uuid4().hex[:8]}", timezone="UTC")
        session.add(workspace)
        session.flush()
        channel = Channel(
            workspace_id=workspace.id,
            network="linkedin",
            external_id="bench",
            handle="@bench",
            display_name="Bench",
        )
        session.add(channel)
        session.flush()
        for n in range(count):
            text_ = f"Offer {n}: https://shop.example.com/offer/{n}?ref=social"
            post = Post(workspace_id=workspace.id, base_text=text_)
            session.add(post)
            session.flush()
            variant = PostVariant(
                workspace_id=workspace.id,
                post_id=post.id,
                channel_id=channel.id,
                text=text_,
                state=VariantState.PUBLISHED.value,
            )
            session.add(variant)
            session.flush()
            at = now - timedelta(minutes=n)
            publication = Publication(
                workspace_id=workspace.id,
                channel_id=channel.id,
                variant_id=variant.id,
                state=PublicationState.PUBLISHED.value,
                due_at=at,
                published_at=at,
                client_ref=uuid.uuid4().hex,
            )
            session.add(publication)
            session.flush()
            session.add(
                PublicationStats(
                    publication_id=publication.id,
                    workspace_id=workspace.id,
                    channel_id=channel.id,
                    network="linkedin",
                    post_id=post.id,
                    variant_id=variant.id,
                    published_at=at,
                )
            )
            track_variant_links(
                session,
                variant=variant,
                channel=channel,
                publication_id=publication.id,
                base_url=base_url,
            )
        return list(session.scalars(select(TrackedLink.code).order_by(TrackedLink.code)))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def storm(
    base: str, codes: list[str], clicks: int, threads: int
) -> tuple[float, list[float], dict[str, int]]:
    """(seconds, latencies in ms, {person, robot, cpu_ms}) of `clicks` clicks; the CPU time
    is the whole process's: server, database driver and the clients themselves."""
    latencies: list[float] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    sent = {"person": 0, "robot": 0}
    counter = iter(range(clicks))

    def client() -> None:
        try:
            follow()
        except BaseException as exc:  # told after the run, not lost in a thread
            failures.append(exc)

    def follow() -> None:
        mine: list[float] = []
        people = robots = 0
        with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as http:
            for n in counter:
                robot = n % 10 == 9
                agent = UNFURLER if robot else PERSON
                started = time.perf_counter()
                answer = http.get(f"/l/{codes[n % len(codes)]}", headers={"User-Agent": agent})
                mine.append((time.perf_counter() - started) * 1000)
                if answer.status_code != 302:
                    raise RuntimeError(f"click {n}: {answer.status_code} {answer.text[:200]}")
                robots, people = robots + robot, people + (not robot)
        with lock:
            latencies.extend(mine)
            sent["person"] += people
            sent["robot"] += robots

    workers = [threading.Thread(target=client) for _ in range(threads)]
    started = time.perf_counter()
    cpu = time.process_time()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        raise SystemExit(f"{len(failures)} clients failed; the first: {failures[0]}")
    sent["cpu_ms"] = round((time.process_time() - cpu) * 1000)
    return time.perf_counter() - started, latencies, sent


def publishing_writes(
    factory: sessionmaker[Session], stop: threading.Event, out: list[float]
) -> None:
    """A publication row updated in its own short transaction every 20 ms, timed."""
    with factory() as session:
        target = session.scalar(select(Publication.id).limit(1))
    while not stop.is_set():
        started = time.perf_counter()
        with factory.begin() as session:
            session.execute(
                update(Publication)
                .where(Publication.id == target)
                .values(attempts=Publication.attempts + 1, updated_at=utcnow())
            )
        out.append((time.perf_counter() - started) * 1000)
        stop.wait(0.02)


def check(factory: sessionmaker[Session], people: int, robots: int) -> dict[str, int]:
    with factory() as session:
        stored = session.scalar(select(func.count()).select_from(LinkClick)) or 0
        counted = session.scalar(select(func.sum(TrackedLink.clicks))) or 0
        in_stats = session.scalar(select(func.sum(PublicationStats.link_clicks))) or 0
    found = {"stored": stored, "link_counters": counted, "stats_counters": in_stats}
    if stored != people + robots or counted != people or in_stats != people:
        raise SystemExit(f"counts do not match: {found}, sent {people} + {robots} robots")
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


def run(args: argparse.Namespace, workdir: Path) -> dict[str, object]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with scratch_database(args.postgres, workdir, "links_bench") as url:
        postgres = not url.startswith("sqlite")
        engine = make_engine(url, pool_size=args.threads + 4) if postgres else make_engine(url)
        migrate.upgrade(engine)
        factory = make_session_factory(engine)
        codes = seed(factory, args.links, base)
        settings = Settings(
            data_dir=workdir / "data", encryption_keys=new_key(), job_backend="embedded"
        )
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        app = create_app(settings, session_factory=factory)
        if "/l/{code}" not in {getattr(route, "path", "") for route in app.routes}:
            app.include_router(links_api.redirect_router)  # until routes.py mounts it
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        stop, writes = threading.Event(), []
        writer = threading.Thread(target=publishing_writes, args=(factory, stop, writes))
        writer.start()
        try:
            seconds, latencies, sent = storm(base, codes, args.clicks, args.threads)
        finally:
            stop.set()
            writer.join()
            server.should_exit = True
            thread.join()
        counts = check(factory, sent["person"], sent["robot"])
        engine.dispose()
    return {
        "database": "postgresql" if postgres else "sqlite",
        "clicks": args.clicks,
        "threads": args.threads,
        "links": args.links,
        "seconds": round(seconds, 2),
        "clicks_per_s": round(args.clicks / seconds, 1),
        "click_p50_ms": percentile(latencies, 0.5),
        "click_p99_ms": percentile(latencies, 0.99),
        "cpu_ms_per_click": round(sent["cpu_ms"] / args.clicks, 2),
        "publish_writes": len(writes),
        "publish_write_p50_ms": percentile(writes, 0.5),
        "publish_write_p99_ms": percentile(writes, 0.99),
        "publish_write_max_ms": round(max(writes), 2),
        **counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (seconds)")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--clicks", type=int, default=None)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--links", type=int, default=None)
    args = parser.parse_args()
    args.clicks = args.clicks or (2_000 if args.quick else 20_000)
    args.links = args.links or (50 if args.quick else 500)
    with tempfile.TemporaryDirectory() as workdir:
        result = run(args, Path(workdir))
    result["python"] = platform.python_version()
    result["cpus"] = os.cpu_count() or 0
    print(json.dumps(result))


if __name__ == "__main__":
    main()
