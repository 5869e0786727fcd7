"""Posts API latency on a realistic workspace: list pages, filters, read, create, edit.

Runs the real application in process (TestClient, no network) on a real database file
(SQLite) or a fresh PostgreSQL database, with N posts of 3 variants each.

    python bench/api_posts.py [--quick] [--posts N] [--database-url URL]

Prints one JSON object on its last line: p50 / p95 in milliseconds per operation.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, text

from orchestre.app import create_app
from orchestre.config import Settings
from orchestre.kit import migrate
from orchestre.kit.clock import utcnow
from orchestre.kit.crypto import new_key, token_hash
from orchestre.kit.db import make_engine, make_session_factory
from orchestre.models import (
    ApiToken,
    Channel,
    Membership,
    Post,
    PostVariant,
    User,
    VariantState,
    Workspace,
)
from orchestre.workspaces.auth import hash_password

STATES = [s.value for s in VariantState]


@contextmanager
def database(url: str | None, workdir: Path) -> Iterator[str]:
    if not url:
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    name = f"orchestre_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{url.rpartition('/')[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed(url: str, n_posts: int) -> tuple[uuid.UUID, str, list[uuid.UUID], list[uuid.UUID]]:
    """Bulk rows straight into the tables: the benchmark measures reads and writes, not seeding."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    rng = random.Random(7)
    ws_id, user_id = uuid.uuid4(), uuid.uuid4()
    raw = f"orc_bench_{uuid.uuid4().hex}"
    now = utcnow()
    channels = [uuid.uuid4() for _ in range(3)]
    with engine.begin() as conn:
        conn.execute(
            insert(User),
            [
                {
                    "id": user_id,
                    "email": "bench@example.com",
                    "name": "B",
                    "password_hash": hash_password("bench-password"),
                    "timezone": "UTC",
                    "is_active": True,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        conn.execute(
            insert(Workspace),
            [
                {
                    "id": ws_id,
                    "name": "Bench",
                    "slug": "bench",
                    "timezone": "Europe/Paris",
                    "locale": "en",
                    "crisis_mode": False,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        conn.execute(
            insert(Membership),
            [
                {
                    "id": uuid.uuid4(),
                    "workspace_id": ws_id,
                    "user_id": user_id,
                    "roles": ["owner"],
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        conn.execute(
            insert(ApiToken),
            [
                {
                    "id": uuid.uuid4(),
                    "workspace_id": ws_id,
                    "user_id": user_id,
                    "name": "bench",
                    "token_hash": token_hash(raw),
                    "prefix": raw[:12],
                    "created_at": now,
                }
            ],
        )
        conn.execute(
            insert(Channel),
            [
                {
                    "id": c,
                    "workspace_id": ws_id,
                    "network": "sandbox",
                    "external_id": f"acct{i}",
                    "handle": f"@acct{i}",
                    "display_name": f"Account {i}",
                    "status": "connected",
                    "settings": {},
                    "created_at": now,
                    "updated_at": now,
                }
                for i, c in enumerate(channels)
            ],
        )
        post_ids: list[uuid.UUID] = []
        for start in range(0, n_posts, 2000):
            posts, variants = [], []
            for i in range(start, min(start + 2000, n_posts)):
                pid = uuid.uuid4()
                post_ids.append(pid)
                created = now - timedelta(minutes=n_posts - i)
                state = rng.choice(STATES)
                when = now + timedelta(hours=rng.randint(-500, 500))
                posts.append(
                    {
                        "id": pid,
                        "workspace_id": ws_id,
                        "created_by": user_id,
                        "title": f"Post {i}",
                        "base_text": f"Bench post number {i} #tag{i % 20}",
                        "tags": [f"tag{i % 20}"],
                        "internal_notes": "",
                        "review_round": 0,
                        "version": 1,
                        "scheduled_at": when,
                        "created_at": created,
                        "updated_at": created,
                    }
                )
                for pos, c in enumerate(channels):
                    variants.append(
                        {
                            "id": uuid.uuid4(),
                            "workspace_id": ws_id,
                            "post_id": pid,
                            "channel_id": c,
                            "position": pos,
                            "text": f"Variant {i}",
                            "options": {},
                            "state": state,
                            "scheduled_at": when,
                            "created_at": created,
                            "updated_at": created,
                        }
                    )
            conn.execute(insert(Post), posts)
            conn.execute(insert(PostVariant), variants)
    engine.dispose()
    return ws_id, raw, channels, post_ids


def timed(fn: Callable[[], object], repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1,000 posts, fewer repeats")
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL admin URL; a fresh database is created and dropped",
    )
    args = parser.parse_args()
    n_posts = 1_000 if args.quick else args.posts
    repeat = 20 if args.quick else 100
    with tempfile.TemporaryDirectory() as tmp, database(args.database_url, Path(tmp)) as url:
        t0 = time.perf_counter()
        ws_id, token, channels, post_ids = seed(url, n_posts)
        seed_s = time.perf_counter() - t0
        settings = Settings(data_dir=Path(tmp), database_url=url, encryption_keys=new_key())
        app = create_app(settings, make_session_factory(make_engine(url)))
        headers = {"Authorization": f"Bearer {token}"}
        base = f"/api/v1/workspaces/{ws_id}"
        rng = random.Random(11)
        with TestClient(app) as client:

            def ok(response: object) -> None:
                status = getattr(response, "status_code", 0)
                if status >= 400:
                    raise SystemExit(f"benchmark request failed: {status} {response}")

            def deep_page() -> None:
                cursor = None
                for _ in range(5):
                    params = {"limit": 50} | ({"cursor": cursor} if cursor else {})
                    body = client.get(f"{base}/posts", params=params, headers=headers).json()
                    cursor = body["next_cursor"]

            def create() -> None:
                ok(
                    client.post(
                        f"{base}/posts",
                        headers=headers,
                        json={"base_text": "A new post", "channel_ids": [str(c) for c in channels]},
                    )
                )

            figures = {
                "list_first_page_50": timed(
                    lambda: ok(client.get(f"{base}/posts?limit=50", headers=headers)), repeat
                ),
                "list_five_pages_50": timed(deep_page, max(5, repeat // 5)),
                "list_filter_status_channel": timed(
                    lambda: ok(
                        client.get(
                            f"{base}/posts",
                            params={"status": "scheduled", "channel_id": str(channels[0])},
                            headers=headers,
                        )
                    ),
                    repeat,
                ),
                "list_text_search": timed(
                    lambda: ok(
                        client.get(f"{base}/posts", params={"q": "number 42"}, headers=headers)
                    ),
                    repeat,
                ),
                "get_post": timed(
                    lambda: ok(client.get(f"{base}/posts/{rng.choice(post_ids)}", headers=headers)),
                    repeat,
                ),
                "create_post_3_variants": timed(create, repeat),
            }
    result = {
        "benchmark": "api_posts",
        "database": "postgresql" if args.database_url else "sqlite",
        "posts": n_posts,
        "variants": n_posts * 3,
        "seed_seconds": round(seed_s, 2),
        "machine": f"{platform.machine()} {platform.node()} Python {platform.python_version()}",
        **figures,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
