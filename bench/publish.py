"""Publishing throughput, lateness, duplicates and losses, embedded and scaled.

N publications over M sandbox channels, due in one burst (or spread over time), are
published over real HTTP to `orchestre sandbox serve` (50 ms latency, 1% of writes
answered 503 by default) by the real engine:

- embedded: SQLite, one process, the in-process job pool and ticker (`orchestre serve`);
- scaled: PostgreSQL, RabbitMQ and W `orchestre worker` processes (each with its ticker),
  rate limits in Redis.

Lateness runs from a publication's instant to the network's acknowledgement (the time the
sandbox stamps on the post). Duplicates and losses are counted on the network itself
(posts per client reference), not from our own records.

    python bench/publish.py [--quick] [--mode embedded|scaled|both] [--publications N]
        [--channels M] [--spread SECONDS] [--workers W] [--threads T] [--audience]

The sandbox's simulated audience is silent unless `--audience`: then it comments on the
posts and writes mentions and messages, which the workers poll, classify and store beside
publishing (the inbox's own figures come from bench/inbox.py).
    python bench/publish.py --mode sequential [--postgres] [--publications N] [--channels M]
        [--batch B]

`--mode sequential` is the instrument for changes to the engine on a shared machine: one
thread claims and sends in turn (no pool, no ticker) against a sandbox server without
latency or faults, on SQLite (or PostgreSQL), and prints the engine's CPU milliseconds and
SQL statements per publication. `--batch 8` sends the claims in jobs of eight, as the
workers do (`EnginePolicy.send_batch`); the default sends each alone.

Prints one JSON object on its last line. CPU is counted per process (the engine, the
sandbox server) and divided by the publications: on a shared machine the rate varies with
the neighbours' load, the CPU a publication costs much less.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from scratch import scratch_database
from sqlalchemy import func, insert, select

from orchestre.channels.credentials import to_stored
from orchestre.config import Settings
from orchestre.connectors.base import Credentials
from orchestre.kit import migrate
from orchestre.kit.clock import utcnow
from orchestre.kit.crypto import SecretBox, new_key
from orchestre.kit.db import make_engine, make_session_factory
from orchestre.models import Channel, Post, PostVariant, Publication, User, Workspace

ROOT = Path(__file__).resolve().parent.parent
ORCHESTRE = str(Path(sys.executable).parent / "orchestre")
BROKER_URL = os.environ.get("ORCHESTRE_BENCH_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/")
REDIS_URL = os.environ.get("ORCHESTRE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
FINAL = ("published", "failed", "needs_attention", "cancelled")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process so far (Linux /proc), its threads included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


@contextmanager
def sandbox_server(
    latency: float, server_error_rate: float, *, audience: bool = False
) -> Iterator[tuple[str, int]]:
    port = free_port()
    command = [
        ORCHESTRE, "sandbox", "serve", "--port", str(port), "--seed", "1", "--quiet",
        "--latency", str(latency), "--server-error-rate", str(server_error_rate),
    ]  # fmt: skip
    if not audience:
        command.append("--silent-audience")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/stats/client-refs", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(10)


def seed(url: str, key: str, sandbox: str, n: int, m: int, start: datetime, spread: float) -> None:
    """Workspace, M sandbox channels on the server, N scheduled variants with publications."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    box = SecretBox([key])
    sealed = box.encrypt(json.dumps(to_stored(Credentials(), sandbox)).encode())
    ws_id, user_id = uuid.uuid4(), uuid.uuid4()
    channels = [uuid.uuid4() for _ in range(m)]
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            insert(User),
            [{"id": user_id, "email": "bench@example.com", "name": "Bench", "password_hash": "x",
              "created_at": now, "updated_at": now}],
        )  # fmt: skip
        conn.execute(
            insert(Workspace),
            [{"id": ws_id, "name": "Bench", "slug": f"bench-{ws_id.hex[:8]}",
              "timezone": "Europe/Paris", "created_at": now, "updated_at": now}],
        )  # fmt: skip
        conn.execute(
            insert(Channel),
            [{"id": c, "workspace_id": ws_id, "network": "sandbox", "external_id": f"bench-{i}",
              "handle": f"@bench{i}", "display_name": f"Bench {i}", "status": "connected",
              "credentials_encrypted": sealed, "settings": {}, "created_at": now,
              "updated_at": now} for i, c in enumerate(channels)],
        )  # fmt: skip
        for chunk in range(0, n, 5000):
            posts, variants, publications = [], [], []
            for i in range(chunk, min(n, chunk + 5000)):
                due = start + timedelta(seconds=spread * i / max(1, n - 1)) if spread else start
                post_id, variant_id = uuid.uuid4(), uuid.uuid4()
                channel = channels[i % m]
                words = f"Bench post {i}: une nouvelle collection, a new collection #{i % 97}"
                posts.append({"id": post_id, "workspace_id": ws_id, "created_by": user_id,
                              "base_text": words, "title": "", "tags": [], "internal_notes": "",
                              "review_round": 0, "scheduled_at": due, "version": 1,
                              "created_at": now, "updated_at": now})  # fmt: skip
                variants.append({"id": variant_id, "workspace_id": ws_id, "post_id": post_id,
                                 "channel_id": channel, "position": 0, "text": words,
                                 "options": {}, "state": "scheduled", "scheduled_at": due,
                                 "created_at": now, "updated_at": now})  # fmt: skip
                publications.append({"id": uuid.uuid4(), "workspace_id": ws_id,
                                     "channel_id": channel, "variant_id": variant_id,
                                     "occurrence": 0, "state": "scheduled", "due_at": due,
                                     "attempts": 0, "uncertain": False,
                                     "client_ref": uuid.uuid4().hex, "fingerprint": "",
                                     "created_at": now, "updated_at": now})  # fmt: skip
            conn.execute(insert(Post), posts)
            conn.execute(insert(PostVariant), variants)
            conn.execute(insert(Publication), publications)
    engine.dispose()


def wait_until_done(url: str, n: int, timeout: float) -> int:
    engine = make_engine(url)
    deadline = time.monotonic() + timeout
    done = 0
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                done = (
                    conn.scalar(
                        select(func.count())
                        .select_from(Publication)
                        .where(Publication.state.in_(FINAL))
                    )
                    or 0
                )
            if done >= n:
                break
            time.sleep(0.25)
    finally:
        engine.dispose()
    return int(done)


def measure(url: str, sandbox: str, n: int, elapsed_from: datetime) -> dict[str, Any]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Publication.state, Publication.due_at, Publication.published_at,
                   Publication.client_ref, Publication.attempts)
        ).all()  # fmt: skip
    engine.dispose()
    on_network: dict[str, int] = httpx.get(sandbox + "/stats/client-refs", timeout=30).json()
    published = [r for r in rows if r.state == "published"]
    lateness = sorted((r.published_at - r.due_at).total_seconds() for r in published)
    # Those that went out at their first attempt: the engine's own lateness, without the
    # backoff of the ones that met an injected 503.
    first = sorted(
        (r.published_at - r.due_at).total_seconds() for r in published if r.attempts == 1
    )
    duplicates = sum(max(0, count - 1) for count in on_network.values())
    # Lost: never reached a final state, or marked published with nothing on the network,
    # or marked failed while the network has it (a success nobody was told about).
    unfinished = sum(1 for r in rows if r.state not in FINAL)
    phantom = sum(1 for r in published if on_network.get(r.client_ref, 0) == 0)
    hidden = sum(1 for r in rows if r.state != "published" and on_network.get(r.client_ref, 0))
    last = max((r.published_at for r in published), default=elapsed_from)
    span = max(1e-9, (last - elapsed_from).total_seconds())

    def pct(q: float, values: list[float] = lateness) -> float:
        if not values:
            return float("nan")
        return round(values[min(len(values) - 1, int(q * len(values)))], 3)

    return {
        "publications": n,
        "published": len(published),
        "failed": sum(1 for r in rows if r.state == "failed"),
        "needs_attention": sum(1 for r in rows if r.state == "needs_attention"),
        "retries": sum(max(0, r.attempts - 1) for r in rows),
        "throughput_per_s": round(len(published) / span, 1),
        "lateness_p50_s": pct(0.50),
        "lateness_p99_s": pct(0.99),
        "lateness_max_s": round(lateness[-1], 3) if lateness else float("nan"),
        "lateness_mean_s": round(statistics.fmean(lateness), 3) if lateness else float("nan"),
        "first_attempt_lateness_p99_s": pct(0.99, first),
        "first_attempt_lateness_max_s": round(first[-1], 3) if first else float("nan"),
        "duplicates": duplicates,
        "lost": unfinished + phantom + hidden,
    }


def run_embedded(url: str, settings: Settings, threads: int, n: int, timeout: float) -> float:
    """Run the embedded engine in this process until done; returns the CPU seconds it took."""
    from orchestre.publishing.runtime import start_publishing
    from orchestre.worker.embedded import EmbeddedRunner
    from orchestre.worker.queue import bind_dispatcher

    engine = make_engine(url)
    factory = make_session_factory(engine)
    runner = EmbeddedRunner(factory, threads=threads)
    bind_dispatcher(factory, runner)
    runner.start()
    publishing = start_publishing(settings, factory)
    began = own_cpu_seconds()
    try:
        wait_until_done(url, n, timeout)
    finally:
        publishing.stop()
        runner.stop()
        engine.dispose()
    return own_cpu_seconds() - began


def start_workers(
    env: dict[str, str], workers: int, threads: int, logs: Path
) -> list[subprocess.Popen[bytes]]:
    """W worker processes, returned once each has its ticker running."""
    processes = []
    for i in range(workers):
        log = (logs / f"worker-{i}.log").open("wb")
        processes.append(
            subprocess.Popen(  # noqa: S603 - our own CLI
                [ORCHESTRE, "worker", "--threads", str(threads)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready = sum(
            "publishing ticker started" in (logs / f"worker-{i}.log").read_text(errors="replace")
            for i in range(workers)
        )
        if ready == workers:
            return processes
        if any(p.poll() is not None for p in processes):
            break
        time.sleep(0.2)
    stop_workers(processes, env)
    raise RuntimeError(f"workers did not start; see {logs}")


def stop_workers(processes: list[subprocess.Popen[bytes]], env: dict[str, str]) -> float:
    """Stop the workers; returns the CPU seconds they used in all."""
    used = sum(cpu_seconds(p.pid) for p in processes if p.poll() is None)
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
    _delete_queue(env["ORCHESTRE_BROKER_QUEUE"])
    return used


def _delete_queue(name: str) -> None:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        channel = connection.channel()
        for queue in (name, f"{name}.DQ", f"{name}.XQ"):
            channel.queue_delete(queue=queue)
    finally:
        connection.close()


def one_mode(mode: str, args: argparse.Namespace) -> dict[str, Any]:
    scaled = mode == "scaled"
    key = new_key()
    with (
        tempfile.TemporaryDirectory() as tmp,
        sandbox_server(args.latency, args.error_rate, audience=args.audience) as (
            sandbox,
            sandbox_pid,
        ),
    ):
        workdir = Path(tmp)
        with scratch_database(scaled, workdir, "publish_bench") as url:
            env = {
                **os.environ,
                "ORCHESTRE_DATABASE_URL": url,
                "ORCHESTRE_DATA_DIR": str(workdir / "data"),
                "ORCHESTRE_ENCRYPTION_KEYS": key,
                "ORCHESTRE_JOB_BACKEND": "broker" if scaled else "embedded",
                "ORCHESTRE_BROKER_URL": BROKER_URL,
                "ORCHESTRE_BROKER_QUEUE": f"orchestre-bench-{uuid.uuid4().hex[:8]}",
                "ORCHESTRE_PUBLISHING_MAX_LATENESS_MINUTES": "600",
            }
            if scaled:
                env["ORCHESTRE_REDIS_URL"] = REDIS_URL
            engine = make_engine(url)
            migrate.upgrade(engine)
            engine.dispose()
            timeout = args.lead + args.spread + args.timeout
            began = time.monotonic()
            sandbox_began = cpu_seconds(sandbox_pid)
            if scaled:
                # Workers first, so their start-up is not counted as lateness.
                logs = Path(os.environ.get("ORCHESTRE_BENCH_LOGS", workdir))
                logs.mkdir(parents=True, exist_ok=True)
                processes = start_workers(env, args.workers, args.threads, logs)
                engine_cpu = -sum(cpu_seconds(p.pid) for p in processes)
                try:
                    start = utcnow() + timedelta(seconds=args.lead)
                    seed(url, key, sandbox, args.publications, args.channels, start, args.spread)
                    wait_until_done(url, args.publications, timeout)
                finally:
                    engine_cpu += stop_workers(processes, env)
            else:
                settings = Settings(
                    data_dir=workdir / "data",
                    database_url=url,
                    encryption_keys=key,
                    publishing_max_lateness_minutes=600,
                )
                start = utcnow() + timedelta(seconds=args.lead)
                seed(url, key, sandbox, args.publications, args.channels, start, args.spread)
                engine_cpu = run_embedded(url, settings, args.threads, args.publications, timeout)
            sandbox_cpu = cpu_seconds(sandbox_pid) - sandbox_began
            result = measure(url, sandbox, args.publications, start)
            per = 1000 / max(1, args.publications)
            # The database server, broker and Redis (scaled) are not counted.
            result["engine_cpu_ms_per_publication"] = round(engine_cpu * per, 2)
            result["sandbox_cpu_ms_per_publication"] = round(sandbox_cpu * per, 2)
            result["wall_s"] = round(time.monotonic() - began, 1)
            result["workers"] = args.workers if scaled else 1
            result["threads_per_worker"] = args.threads
            return result


def sequential(args: argparse.Namespace) -> dict[str, Any]:
    """Claim and send every publication in turn on this thread; CPU and statements each."""
    from sqlalchemy import event

    from orchestre.kit.db import transaction
    from orchestre.publishing.claims import claim_due
    from orchestre.publishing.runtime import start_publishing
    from orchestre.publishing.sending import send_many

    key = new_key()
    n, m = args.publications, args.channels
    with (
        tempfile.TemporaryDirectory() as tmp,
        sandbox_server(0.0, 0.0) as (sandbox, _pid),
        scratch_database(args.postgres, Path(tmp), "publish_bench") as url,
    ):
        seed(url, key, sandbox, n, m, utcnow() - timedelta(seconds=1), 0)
        settings = Settings(
            data_dir=Path(tmp) / "data",
            database_url=url,
            encryption_keys=key,
            publishing_max_lateness_minutes=600,
        )
        engine = make_engine(url)
        factory = make_session_factory(engine)
        publishing = start_publishing(settings, factory, tick=False)
        context = publishing.context
        statements = [0]

        def count(*_args: object) -> None:
            statements[0] += 1

        event.listen(engine, "before_cursor_execute", count)
        outcomes: dict[str, int] = {}
        began, cpu = time.monotonic(), own_cpu_seconds()
        try:
            while sum(outcomes.values()) < n:
                with transaction(factory) as session:
                    claims = claim_due(session, now=utcnow(), worker="bench", policy=context.policy)
                if not claims:
                    break
                for at in range(0, len(claims), args.batch):
                    batch = [(c.publication_id, c.token) for c in claims[at : at + args.batch]]
                    with transaction(factory) as session:
                        for outcome in send_many(session, context, batch):
                            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            cpu = own_cpu_seconds() - cpu
        finally:
            publishing.stop()
            engine.dispose()
    done = max(1, sum(outcomes.values()))
    return {
        "benchmark": "publish-sequential",
        "database": "postgresql" if args.postgres else "sqlite",
        "publications": n,
        "send_batch": args.batch,
        "outcomes": outcomes,
        "engine_cpu_ms_per_publication": round(1000 * cpu / done, 2),
        "statements_per_publication": round(statements[0] / done, 2),
        "wall_ms_per_publication": round(1000 * (time.monotonic() - began) / done, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small size, under a minute")
    parser.add_argument(
        "--mode", choices=["embedded", "scaled", "both", "sequential"], default="both"
    )
    parser.add_argument("--postgres", action="store_true", help="sequential: on PostgreSQL")
    parser.add_argument(
        "--batch", type=int, default=1, help="sequential: claims per send job (workers: 8)"
    )
    parser.add_argument("--publications", type=int, default=50_000)
    parser.add_argument("--channels", type=int, default=1_000)
    parser.add_argument(
        "--spread", type=float, default=0.0, help="seconds over which they fall due"
    )
    parser.add_argument("--lead", type=float, default=5.0, help="seconds before the first is due")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--error-rate", type=float, default=0.01, help="share of 503 answers")
    parser.add_argument(
        "--audience",
        action="store_true",
        help="the sandbox's audience comments on the posts and writes to the accounts, so "
        "the workers also poll and ingest it (default: silent, publishing alone)",
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args()
    if args.quick:
        args.publications, args.channels, args.timeout = 300, 30, 40.0
    if args.mode == "sequential":
        print(json.dumps(sequential(args)))
        return 0
    modes = ["embedded", "scaled"] if args.mode == "both" else [args.mode]
    results = {mode: one_mode(mode, args) for mode in modes}
    for mode, figures in results.items():
        print(f"{mode}: {json.dumps(figures)}", file=sys.stderr)
    headline = results.get("scaled") or results["embedded"]
    summary = {
        "benchmark": "publish",
        "machine": f"{platform.machine()} {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "publications": args.publications,
        "channels": args.channels,
        "spread_s": args.spread,
        "latency_s": args.latency,
        "error_rate": args.error_rate,
        "audience": args.audience,
        "throughput_per_s": headline["throughput_per_s"],
        "lateness_p50_s": headline["lateness_p50_s"],
        "lateness_p99_s": headline["lateness_p99_s"],
        "duplicates": sum(r["duplicates"] for r in results.values()),
        "lost": sum(r["lost"] for r in results.values()),
        **results,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
