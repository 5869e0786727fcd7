"""`orchestre sandbox serve` in a real process: a connector publishes to it over HTTP."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from orchestre.connectors.base import AccountRef, DraftPost
from orchestre.connectors.sandbox import SandboxConnector


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_the_command_serves_a_sandbox_a_connector_can_publish_to() -> None:
    port = _free_port()
    command = [sys.executable, "-m", "orchestre", "sandbox", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--seed", "3"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}/accounts/probe/profile", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, "the sandbox server stopped"
                assert time.monotonic() < deadline, "the sandbox server did not answer"
                time.sleep(0.1)
        brand = SandboxConnector().open(AccountRef("sandbox", "acct", handle="b", base_url=url))
        ref = brand.publish(DraftPost(text="Bonjour depuis un autre processus"))
        assert ref.url is not None
        assert brand.find_by_client_ref("none") is None
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


def test_a_rate_outside_zero_to_one_is_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "orchestre", "sandbox", "serve", "--error-rate", "2"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0
    assert "between 0 and 1" in result.stderr


@pytest.mark.parametrize(
    "word", ["--rate-limit", "--ambiguous-rate", "--latency", "--silent-audience"]
)
def test_the_help_lists_the_fault_settings(word: str) -> None:
    from typer.testing import CliRunner

    from orchestre.cli import app

    result = CliRunner().invoke(app, ["sandbox", "serve", "--help"])
    assert word in result.output
