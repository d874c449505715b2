"""A real `veil serve` for the end-to-end tests (``test_e2e.py``, ``test_dashboard_e2e.py``):
users and a dataset prepared with the `veil` command, then a uvicorn subprocess on a free
loopback port against that workspace."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from veil.catalog import catalog_url
from veil.catalog.catalog import Catalog
from veil.cli.main import app as cli
from veil.keys.keyring import load_keyring
from veil.sinks import open_sink

PASSWORD = "e2e-Passw0rd-b41f7d"
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def veil(*args: str, stdin: str | None = None) -> None:
    """A `veil` command in-process, with none of the test environment's catalog or keys."""
    env = {"VEIL_DATABASE_URL": "", "VEIL_AUDIT_KEY": "", "VEIL_ACTOR": "root"}
    env |= {"VEIL_MASTER_KEY": "", "VEIL_KEY_FILE": ""}
    result = CliRunner().invoke(cli, list(args), input=stdin, env=env)
    assert result.exit_code == 0, result.output


def add_user(workspace: Path, name: str, role: str) -> None:
    args = ["user", "add", name, "--role", role, "--reason", "e2e", "--password-stdin"]
    veil(*args, "--workspace", str(workspace), stdin=PASSWORD)


def users_with_a_budget(workspace: Path, output: Path) -> int:
    """`veil run` writes users into ``output`` (generating the workspace key, as a first run
    does), the catalog lists them, and ana may spend ε = 1 on them; the rows written."""
    veil("run", "--output", str(output), "--workspace", str(workspace), "--persons", "300",
         "--seed", "3", "--reference-date", "2026-11-22", "--quiet")  # fmt: skip
    veil("budget", "set", "ana", "users", "--epsilon", "1", "--delta", "1e-6", "--reason", "e2e",
         "--workspace", str(workspace))  # fmt: skip
    with Catalog(catalog_url(workspace, {})) as catalog:
        catalog.register_dataset("users", str(output), actor="root")
    keyring = load_keyring(workspace, environ={}, generate=False)
    sink = open_sink(str(output), format="parquet", encrypt=False, keyring=keyring)
    return int(sink.read("users").num_rows)


class Served:
    """A running `veil serve`: its base URL and its output so far."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process, self.url, self.log = process, url, log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"veil serve exited with {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail(f"veil serve did not answer /health in {START_TIMEOUT_S} s:\n{self.output()}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


@contextmanager
def serving(workspace: Path, log: Path) -> Iterator[Served]:
    """`veil serve` on a free loopback port against ``workspace`` (none of the test
    environment's ``VEIL_`` variables), its output in ``log``; killed on exit if still up."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEIL_")}
    command = [sys.executable, "-c", "from veil.cli.main import main; main()", "serve"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workspace", str(workspace)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    server = Served(process, f"http://127.0.0.1:{port}", log)
    try:
        server.wait_until_healthy()
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
