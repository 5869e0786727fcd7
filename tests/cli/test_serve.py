"""`orchestre serve` in a real process: creates its data folder, migrates, answers /healthz."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.cli.conftest import Cli


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve_once(data_dir: Path, database_url: str | None, log: Path) -> int:
    """Start, wait for /healthz (bounded), stop as a service manager would; returns its code."""
    port = _free_port()
    env = {
        **os.environ,
        "ORCHESTRE_DATABASE_URL": database_url or "",
        "ORCHESTRE_ENCRYPTION_KEYS": "",
        "ORCHESTRE_JOB_BACKEND": "embedded",
    }
    argv = [
        sys.executable,
        "-m",
        "orchestre",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    with log.open("a") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"serve exited early:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no answer within 60 s:\n{log.read_text()}"
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            except httpx.TransportError:
                time.sleep(0.2)
                continue
            assert answer.status_code == 200
            assert answer.json() == {"status": "ok"}
            break
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert f"http://127.0.0.1:{port}" in log.read_text()
    return code


def test_serve_starts_in_a_real_process_on_a_fresh_folder(
    tmp_path: Path, cli_database: str | None
) -> None:
    data_dir = tmp_path / "fresh" / "orchestre"
    log = tmp_path / "serve.log"
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells why.
    assert _serve_once(data_dir, cli_database, log) in (0, -signal.SIGTERM)
    output = log.read_text()
    assert "Application shutdown complete" in output
    assert "No account yet: open" in output
    assert (data_dir / "encryption.keys").exists()
    if cli_database is None:
        assert (data_dir / "orchestre.sqlite3").exists()
    assert "Traceback" not in output


def test_serve_runs_the_app_with_its_job_runner_and_restarts_cleanly(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    served: list[FastAPI] = []

    def fake_run(app: FastAPI, **options: Any) -> None:
        assert options["host"] == "127.0.0.1"
        with TestClient(app) as client:  # runs the lifespan: the job runner starts and stops
            assert client.get("/healthz").json() == {"status": "ok"}
        served.append(app)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    first = cli("serve", "--port", "8123")
    assert first.exit_code == 0, first.output
    assert "Orchestre 0.1.0 on http://127.0.0.1:8123" in first.output
    assert "jobs: embedded (in this process)" in first.output
    assert "No account yet: open http://127.0.0.1:8123/" in first.output
    again = cli("serve", "--port", "8123", "--demo")  # migrations already applied: no-op
    assert again.exit_code == 0, again.output
    assert "demo@orchestre.local" in again.output
    assert "No account yet" not in again.output
    assert len(served) == 2


def test_reload_takes_its_settings_from_the_environment(cli: Cli) -> None:
    result = cli("serve", "--reload")
    assert result.exit_code == 1
    assert "set ORCHESTRE_DATA_DIR instead of --data-dir" in result.output
