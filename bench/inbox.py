"""Inbox throughput and arrival-to-action latency through the full ingest path.

Real messages (sentiment, toxicity and spam rows of ../shared/data/inbox-dev, mixed and
shuffled) arrive for 10 sandbox channels as comments, mentions and direct messages, and go
through everything a message goes through in production: the webhook receiver (signature
checked, replay receipt), ingest (dedupe, threads, authors), the classifiers, the
workspace's moderation rules (the starter set: hide clear hate and spam, flag insults,
assign complaints) and the first-response bookkeeping, each delivery committed in one
transaction.

- paced: `--rate` messages a second (100 by default), each its own signed webhook
  delivery, as networks push them one by one; latency runs from a message's arrival to
  the commit of the transaction that stored, classified and moderated it (for a hidden
  message: the hide decided, logged and its network job sent).
- burst: `--messages` arrive at once and are taken in pages of `--batch`, as the poller
  reads them; messages_per_s is their count over the time to drain them all.

`--workers` threads take deliveries at once (the web server's threads, or pollers).
The database is a SQLite file (`--db sqlite`, the default), PostgreSQL (`--db pg`,
ORCHESTRE_BENCH_PG_URL) or both. Checks after each run: every message stored exactly once.

    python bench/inbox.py [--quick] [--db sqlite|pg|both] [--messages N] [--rate R]
        [--seconds S] [--workers W] [--batch B] [--classifier auto|real|keywords]

The last line is one JSON object: messages_per_s (burst), latency_p50_s and
latency_p99_s (paced, arrival to action), and the details of each run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from scratch import scratch_database
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from orchestre.channels.apps import NetworkAccess
from orchestre.connectors import registry as connectors
from orchestre.connectors.base import Interaction, InteractionKind
from orchestre.connectors.registry import Registry
from orchestre.connectors.sandbox import SandboxConnector
from orchestre.connectors.sandbox.inbound import SandboxWebhooks, push_body, signed_headers
from orchestre.inbox import webhooks
from orchestre.inbox.classifying import Classifier
from orchestre.inbox.webhook_batching import WebhookBatcher
from orchestre.kit import migrate
from orchestre.kit.crypto import SecretBox, new_key
from orchestre.kit.db import make_engine, make_session_factory
from orchestre.ml import corpus
from orchestre.models import Channel, Membership, User, Workspace
from orchestre.models.inbox import InboxMessage, ResponseTarget

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "inbox-dev"
CHANNELS = 10
POSTS_PER_CHANNEL = 20
KINDS = (InteractionKind.COMMENT,) * 6 + (InteractionKind.MENTION,) * 2 + (InteractionKind.MESSAGE,)


# The stream of messages ------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    account: str
    item: Interaction


def messages(n: int, seed: int = 11) -> list[tuple[str, str | None]]:
    """(text, language) of real rows: sentiment, toxicity and spam mixed and shuffled."""
    folder = DATA if DATA.is_dir() else None
    rows = [
        (r.text, r.lang if r.lang in ("en", "fr") else None)
        for name in ("sentiment.csv", "toxicity.csv", "spam.csv")
        for r in corpus.read(name, folder)
    ]
    random.Random(seed).shuffle(rows)
    return [rows[i % len(rows)] for i in range(n)]


def arrivals(
    texts: Sequence[tuple[str, str | None]], accounts: Sequence[str], run: str, group: int = 1
) -> list[Arrival]:
    """Messages for the accounts in turn, `group` at a time (a poller reads one channel's
    page at once; webhooks come one by one)."""
    rng = random.Random(run)
    out = []
    for n, (words, lang) in enumerate(texts):
        account = accounts[(n // group) % len(accounts)]
        kind = rng.choice(KINDS)
        author = f"p{rng.randrange(2_000)}"
        post = (
            f"{account}-post-{rng.randrange(POSTS_PER_CHANNEL)}"
            if kind == InteractionKind.COMMENT
            else None
        )
        item = Interaction(
            kind=kind,
            external_id=f"{run}-{n}",
            author_id=author,
            author_handle=author,
            text=words,
            created_at=datetime.now(UTC),
            language=lang,
            post_external_id=post,
        )
        out.append(Arrival(account, item))
    return out


# The world -------------------------------------------------------------------------------------


@dataclass
class World:
    factory: sessionmaker[Session]
    access: NetworkAccess
    accounts: list[str]
    workspace_id: uuid.UUID


def seed(url: str) -> World:
    engine = make_engine(url, pool_size=16) if not url.startswith("sqlite") else make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with factory.begin() as session:
        workspace = Workspace(name="Bench", slug=f"bench-{uuid.uuid4().hex[:8]}", timezone="UTC")
        session.add(workspace)
        session.flush()
        for role in ("owner", "community_manager", "community_manager"):
            user = User(email=f"{uuid.uuid4().hex[:8]}@bench.invalid", name=role, password_hash="!")  # noqa: S106 - no login
            session.add(user)
            session.flush()
            session.add(Membership(workspace_id=workspace.id, user_id=user.id, roles=[role]))
        accounts = []
        for n in range(CHANNELS):
            account = f"bench-{n}"
            session.add(
                Channel(
                    workspace_id=workspace.id,
                    network="sandbox",
                    external_id=account,
                    handle=f"@bench{n}",
                    display_name=f"Bench {n}",
                )
            )
            accounts.append(account)
        session.add(ResponseTarget(workspace_id=workspace.id, priority="normal", minutes=60))
        _install_rules(session, workspace.id)
    # Every connector is loaded at start, as a server process does (start_publishing):
    # the first hide asks the network's capabilities, and loading them on the way (some
    # import large SDKs) would stall the first group of deliveries for seconds.
    connectors.default().available()
    registry = Registry(points=[])
    registry.register(SandboxConnector())
    access = NetworkAccess(
        registry=registry, box=SecretBox([new_key()]), public_url="http://bench", environ={}
    )
    return World(factory, access, accounts, workspace.id)


def _install_rules(session: Session, workspace_id: uuid.UUID) -> bool:
    try:
        from orchestre.moderation.starter import install
    except ImportError:  # rules not built yet: the bench still measures the rest
        return False
    install(session, workspace_id)
    return True


def _classifier(choice: str) -> tuple[Classifier, str]:
    if choice in ("auto", "real"):
        try:
            from orchestre.ml import load_classifier

            real: Classifier = load_classifier()
            real.classify_many(["warm up"], [None])
            return real, "real"
        except Exception as exc:
            if choice == "real":
                raise
            print(
                f"# the shipped classifier is unavailable ({exc}); keywords instead",
                file=sys.stderr,
            )
    return KeywordClassifier(), "keywords (stand-in: the models were not available)"


class KeywordClassifier:
    """A stand-in with the classifier's shape, for when the models are not trained yet."""

    def classify_many(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[Any]:
        from orchestre.ml.decision import Classification, Decision

        out = []
        for words, lang in zip(texts, langs, strict=True):
            low = words.lower()
            spam = any(w in low for w in ("free", "win", "subscribe", "call now", "http"))
            hate = any(w in low for w in ("hate", "kill", "f*g", "retard"))
            out.append(
                Classification(
                    lang=Decision(lang or "en", 0.9, {}),
                    sentiment=Decision("neutral", 0.6, {}),
                    toxicity=Decision("hate" if hate else "clean", 0.95 if hate else 0.8, {}),
                    spam=Decision("spam" if spam else "ham", 0.95 if spam else 0.8, {}),
                    needs_response=Decision("yes" if "?" in low else "no", 0.7, {}),
                    model_version="keywords",
                )
            )
        return out


# Running ---------------------------------------------------------------------------------------


@dataclass
class Timings:
    committed_at: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    errors: list[str] = field(default_factory=list)


def deliver(
    world: World,
    hook: SandboxWebhooks,
    batch: Sequence[Arrival],
    classifier: Classifier,
    timings: Timings,
) -> None:
    by_account: dict[str, list[Interaction]] = {}
    for arrival in batch:
        by_account.setdefault(arrival.account, []).append(arrival.item)
    events = []
    for account, items in by_account.items():
        events.extend(json.loads(push_body(account, items))["events"])
    body = json.dumps({"delivery_id": uuid.uuid4().hex, "events": events}).encode()
    headers = {k.lower(): v for k, v in signed_headers(body).items()}
    try:
        with world.factory.begin() as session:
            webhooks.receive(session, world.access, hook, headers, body, classifier=classifier)
    except Exception as exc:  # counted: a lost message shows in the checks
        timings.errors.append(f"{type(exc).__name__}: {exc}")
        return
    done = time.perf_counter()
    with timings.lock:
        for arrival in batch:
            timings.committed_at[arrival.item.external_id] = done


def run(
    world: World,
    stream: list[Arrival],
    classifier: Classifier,
    *,
    rate: float | None,
    workers: int,
    batch: int,
) -> dict[str, Any]:
    """Feed the stream (paced at `rate`, or all at once) to `workers` threads."""
    inbox: queue.Queue[tuple[float, Arrival] | None] = queue.Queue()
    arrived: dict[str, float] = {}
    timings = Timings()
    hook = SandboxWebhooks()

    def work() -> None:
        while True:
            first = inbox.get()
            if first is None:
                return
            taken = [first]
            while len(taken) < batch:
                try:
                    more = inbox.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    inbox.put(None)
                    break
                taken.append(more)
            deliver(world, hook, [a for _, a in taken], classifier, timings)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    start, cpu = time.perf_counter(), time.process_time()
    for n, arrival in enumerate(stream):
        if rate:
            wait = start + n / rate - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
        now = time.perf_counter()
        arrived[arrival.item.external_id] = now
        inbox.put((now, arrival))
    for _ in threads:
        inbox.put(None)
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    return _measure(world, stream, arrived, timings, elapsed, cpu)


def run_pushed(
    world: World, stream: list[Arrival], classifier: Classifier, *, rate: float, threads: int
) -> dict[str, Any]:
    """Each message its own signed delivery, received as the web server does: checked in
    a request thread, stored by the group-commit batcher, answered once committed (the
    request waits for that on the event loop, holding no thread)."""
    batcher = WebhookBatcher(world.factory, classifier=classifier)
    hook = SandboxWebhooks()
    arrived: dict[str, float] = {}
    timings = Timings()
    answers: list[Future[webhooks.WebhookOutcome]] = []

    with world.factory.begin() as session:  # as the web app does, once in a while
        secret = webhooks.secret_of(session, world.access, hook)

    def answered(external_id: str, answer: Future[webhooks.WebhookOutcome]) -> None:
        done = time.perf_counter()
        if answer.exception() is not None:
            timings.errors.append(f"{type(answer.exception()).__name__}: {answer.exception()}")
            return
        with timings.lock:
            timings.committed_at[external_id] = done

    def request(arrival: Arrival) -> None:
        body = push_body(arrival.account, [arrival.item])
        headers = {k.lower(): v for k, v in signed_headers(body).items()}
        try:
            delivery = webhooks.check_signed(hook, headers, body, secret)
        except Exception as exc:
            timings.errors.append(f"{type(exc).__name__}: {exc}")
            return
        answer = batcher.submit(delivery)
        answer.add_done_callback(partial(answered, arrival.item.external_id))
        answers.append(answer)

    start, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for n, arrival in enumerate(stream):
            wait = start + n / rate - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            arrived[arrival.item.external_id] = time.perf_counter()
            pool.submit(request, arrival)
    wait_futures(answers, timeout=120)
    elapsed = time.perf_counter() - start
    batcher.stop()
    cpu = time.process_time() - cpu
    return _measure(world, stream, arrived, timings, elapsed, cpu)


def _measure(
    world: World,
    stream: list[Arrival],
    arrived: dict[str, float],
    timings: Timings,
    elapsed: float,
    cpu: float,
) -> dict[str, Any]:
    ids = [a.item.external_id for a in stream]
    with world.factory() as session:
        stored = dict(
            session.execute(
                select(InboxMessage.external_id, func.count())
                .where(InboxMessage.external_id.in_(ids))
                .group_by(InboxMessage.external_id)
            ).all()
        )
        hidden = set(
            session.scalars(
                select(InboxMessage.external_id).where(
                    InboxMessage.external_id.in_(ids), InboxMessage.hidden.is_(True)
                )
            )
        )
    latencies = [timings.committed_at[i] - arrived[i] for i in ids if i in timings.committed_at]
    hides = [timings.committed_at[i] - arrived[i] for i in hidden if i in timings.committed_at]
    return {
        "messages": len(ids),
        "elapsed_s": round(elapsed, 3),
        # This process's CPU (every thread; SQLite's work included, PostgreSQL's server
        # not): steadier than the rates on a shared machine, where other work takes turns.
        "cpu_ms_per_message": round(cpu * 1000 / len(ids), 2) if ids else None,
        "messages_per_s": round(len(timings.committed_at) / elapsed, 1) if elapsed else 0.0,
        "latency_p50_s": _pct(latencies, 50),
        "latency_p99_s": _pct(latencies, 99),
        "hidden": len(hidden),
        "hide_latency_p50_s": _pct(hides, 50),
        "hide_latency_p99_s": _pct(hides, 99),
        "lost": sum(1 for i in ids if i not in stored),
        "duplicated": sum(1 for count in stored.values() if count > 1),
        "errors": timings.errors[:5],
        "error_count": len(timings.errors),
    }


def _pct(values: list[float], pct: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 4)
    return round(statistics.quantiles(values, n=100, method="inclusive")[pct - 1], 4)


def bench_one(kind: str, args: argparse.Namespace, classifier: Classifier) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        scratch_database(kind == "pg", Path(tmp), "inbox_bench") as url,
    ):
        world = seed(url)
        paced_n = int(args.rate * args.seconds)
        texts = messages(paced_n + args.messages)
        paced = run_pushed(
            world,
            arrivals(texts[:paced_n], world.accounts, f"{kind}-paced"),
            classifier,
            rate=args.rate,
            threads=args.request_threads,
        )
        burst = run(
            world,
            arrivals(texts[paced_n:], world.accounts, f"{kind}-burst", group=args.batch),
            classifier,
            rate=None,
            workers=args.workers,
            batch=args.batch,
        )
        world.factory.kw["bind"].dispose()
        return {"paced": paced, "burst": burst}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10 s paced, 3,000 in a burst")
    parser.add_argument("--db", choices=("sqlite", "pg", "both"), default="sqlite")
    parser.add_argument("--messages", type=int, default=None, help="burst size (10,000)")
    parser.add_argument("--rate", type=float, default=100.0, help="paced messages a second")
    parser.add_argument("--seconds", type=float, default=None, help="paced duration (30)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=100, help="burst page size")
    parser.add_argument(
        "--request-threads", type=int, default=16, help="web server threads (paced)"
    )
    parser.add_argument("--classifier", choices=("auto", "real", "keywords"), default="auto")
    args = parser.parse_args()
    args.messages = args.messages or (3_000 if args.quick else 10_000)
    args.seconds = args.seconds or (10.0 if args.quick else 30.0)
    classifier, which = _classifier(args.classifier)
    kinds = ("sqlite", "pg") if args.db == "both" else (args.db,)
    runs = {kind: bench_one(kind, args, classifier) for kind in kinds}
    first = runs[kinds[0]]
    summary = {
        "bench": "inbox",
        "messages_per_s": first["burst"]["messages_per_s"],
        "latency_p50_s": first["paced"]["latency_p50_s"],
        "latency_p99_s": first["paced"]["latency_p99_s"],
        "hide_latency_p99_s": first["paced"]["hide_latency_p99_s"],
        "rate": args.rate,
        "workers": args.workers,
        "batch": args.batch,
        "classifier": which,
        "cpus": os.cpu_count(),
        # Other work on the machine slows every figure; said so next to them.
        "load_average_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "runs": runs,
    }
    for kind, result in runs.items():
        for mode, f in result.items():
            print(
                f"# {kind} {mode}: {f['messages_per_s']} msg/s, p50 {f['latency_p50_s']} s, "
                f"cpu {f['cpu_ms_per_message']} ms/msg, "
                f"p99 {f['latency_p99_s']} s, hidden {f['hidden']}, lost {f['lost']}, "
                f"duplicated {f['duplicated']}, errors {f['error_count']}"
            )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
