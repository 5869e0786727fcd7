"""What the chaos tests share: a sandbox server in its own process, a database of their
own (SQLite file, fresh PostgreSQL database, or a private PostgreSQL server that can be
restarted), sandbox channels connected to the server, and the final reckoning made on
the network itself: every publication published exactly once or explicitly failed."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, insert, select, text

from orchestre.channels.credentials import to_stored
from orchestre.connectors.base import Credentials
from orchestre.kit import migrate
from orchestre.kit.clock import utcnow
from orchestre.kit.crypto import SecretBox
from orchestre.kit.db import make_engine
from orchestre.models import Channel, Post, PostVariant, Publication, User, Workspace

ORCHESTRE = str(Path(sys.executable).parent / "orchestre")
PG_BIN = Path("/usr/lib/postgresql")
FINAL = ("published", "failed", "needs_attention", "cancelled")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except Exception:  # noqa: S110 - not up yet
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what} within {timeout} s")


@contextmanager
def sandbox_server(*options: str) -> Iterator[str]:
    """`orchestre sandbox serve` in a subprocess with the given fault options."""
    port = free_port()
    command = [ORCHESTRE, "sandbox", "serve", "--port", str(port), "--quiet", *options]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(
            lambda: httpx.get(url + "/stats/client-refs", timeout=1).status_code == 200,
            30,
            "the sandbox server did not start",
        )
        yield url
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def fresh_postgres_database(admin_url: str) -> Iterator[str]:
    name = f"orchestre_chaos_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{admin_url.rpartition('/')[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class PrivatePostgres:
    """A PostgreSQL server of the test's own (initdb in a temporary folder), so restarting
    it disturbs nobody else. Run as the `postgres` system user, as Debian installs it."""

    def __init__(self, folder: Path) -> None:
        versions = sorted(PG_BIN.iterdir()) if PG_BIN.is_dir() else []
        if not versions:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql")
        self.bin = versions[-1] / "bin"
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
            "--auth=trust", "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        self.start()

    def start(self) -> None:
        # fsync off is safe here: the crash is the server process's, not the machine's, so
        # written WAL survives in the page cache. synchronous_commit stays on, as in
        # production: with it off, a commit can vanish in a crash (and so would any promise).
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
            "-c fsync=off -c full_page_writes=off"
        )
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-w",
            "-l", str(self.folder / "server.log"), "start",
        )  # fmt: skip

    def crash(self) -> None:
        """Stop at once, as a crash would (no checkpoint): clients see their sockets die."""
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def stop(self) -> None:
        with suppress(subprocess.CalledProcessError):
            self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")


@dataclass
class Plan:
    url: str
    key: str
    sandbox: str
    n: int

    def seed(self, channels: int, due: datetime, timeout: float = 0.4) -> None:
        """Sandbox channels on the server (short read timeout, so a held answer is an
        ambiguous timeout) and `n` variants scheduled at `due`, with their publications."""
        engine = make_engine(self.url)
        migrate.upgrade(engine)
        stored = to_stored(Credentials(extra={"timeout": str(timeout)}), self.sandbox)
        sealed = SecretBox([self.key]).encrypt(json.dumps(stored).encode())
        now, ws, user = utcnow(), uuid.uuid4(), uuid.uuid4()
        ids = [uuid.uuid4() for _ in range(channels)]
        with engine.begin() as conn:
            stamp = {"created_at": now, "updated_at": now}
            conn.execute(
                insert(User),
                [{"id": user, "email": "chaos@example.com", "name": "Chaos",
                  "password_hash": "x", **stamp}],
            )  # fmt: skip
            conn.execute(
                insert(Workspace),
                [{"id": ws, "name": "Chaos", "slug": f"chaos-{ws.hex[:8]}",
                  "timezone": "Europe/Paris", **stamp}],
            )  # fmt: skip
            conn.execute(
                insert(Channel),
                [{"id": c, "workspace_id": ws, "network": "sandbox", "external_id": f"chaos-{i}",
                  "handle": f"@chaos{i}", "display_name": f"Chaos {i}", "status": "connected",
                  "credentials_encrypted": sealed, "settings": {}, **stamp}
                 for i, c in enumerate(ids)],
            )  # fmt: skip
            for i in range(self.n):
                post, variant = uuid.uuid4(), uuid.uuid4()
                body = f"Chaos {i}: la même chose, exactement une fois."
                conn.execute(
                    insert(Post),
                    [{"id": post, "workspace_id": ws, "created_by": user, "base_text": body,
                      "scheduled_at": due, **stamp}],
                )  # fmt: skip
                conn.execute(
                    insert(PostVariant),
                    [{"id": variant, "workspace_id": ws, "post_id": post,
                      "channel_id": ids[i % channels], "text": body, "state": "scheduled",
                      "scheduled_at": due, **stamp}],
                )  # fmt: skip
                conn.execute(
                    insert(Publication),
                    [{"id": uuid.uuid4(), "workspace_id": ws, "channel_id": ids[i % channels],
                      "variant_id": variant, "due_at": due, "state": "scheduled",
                      "client_ref": uuid.uuid4().hex, **stamp}],
                )  # fmt: skip
        engine.dispose()

    def finished(self) -> int:
        engine = make_engine(self.url)
        try:
            with engine.connect() as conn:
                count = conn.scalar(
                    select(func.count())
                    .select_from(Publication)
                    .where(Publication.state.in_(FINAL))
                )
                return int(count or 0)
        finally:
            engine.dispose()

    def wait_done(self, timeout: float) -> None:
        wait_for(lambda: self.finished() >= self.n, timeout, "publications did not all finish")

    def reckoning(self) -> dict[str, int]:
        """Counted on the network: duplicates, lost (published but absent, failed but
        present, or never finished), and the outcomes."""
        engine = make_engine(self.url)
        with engine.connect() as conn:
            rows = conn.execute(select(Publication.state, Publication.client_ref)).all()
        engine.dispose()
        posts = httpx.get(self.sandbox + "/stats/client-refs", timeout=10).json()
        published = [ref for state, ref in rows if state == "published"]
        return {
            "published": len(published),
            "failed": sum(1 for state, _ in rows if state in ("failed", "needs_attention")),
            "duplicates": sum(max(0, count - 1) for count in posts.values()),
            "lost": sum(1 for state, _ in rows if state not in FINAL)
            + sum(1 for ref in published if posts.get(ref, 0) == 0)
            + sum(1 for state, ref in rows if state != "published" and posts.get(ref, 0) > 0),
        }


def worker_env(plan: Plan, data_dir: Path, *, scaled: bool, queue: str) -> dict[str, str]:
    """The environment of an Orchestre process working on `plan` with short leases."""
    return {
        **os.environ,
        "ORCHESTRE_DATABASE_URL": plan.url,
        "ORCHESTRE_DATA_DIR": str(data_dir),
        "ORCHESTRE_ENCRYPTION_KEYS": plan.key,
        "ORCHESTRE_JOB_BACKEND": "broker" if scaled else "embedded",
        "ORCHESTRE_BROKER_QUEUE": queue,
        "ORCHESTRE_PUBLISHING_CLAIM_LEASE_SECONDS": "2",
        "ORCHESTRE_PUBLISHING_SEND_LEASE_SECONDS": "3",
        "ORCHESTRE_PUBLISHING_RETRY_BASE_SECONDS": "0.1",
        "ORCHESTRE_PUBLISHING_RETRY_MAX_SECONDS": "1",
        "ORCHESTRE_PUBLISHING_RECONCILE_DELAY_SECONDS": "0.2",
        "ORCHESTRE_PUBLISHING_MAX_LATENESS_MINUTES": "60",
    }


def delete_queue(broker_url: str, name: str) -> None:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    try:
        channel = connection.channel()
        for queue in (name, f"{name}.DQ", f"{name}.XQ"):
            channel.queue_delete(queue=queue)
    finally:
        connection.close()


def in_seconds(seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=seconds)
