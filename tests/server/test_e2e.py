"""`veil serve` for real: a uvicorn subprocess on a free loopback port against a temporary
workspace; log in over HTTP with httpx, call a guarded route, log out; stop the server with
SIGTERM; then the audit log holds the logins, the failure and the logout, and verifies. The
server's own output never shows the password or the token. And a differentially private query
over HTTP on a dataset `veil run` wrote, charged to the analyst's budget."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from veil.audit import open_audit_log
from veil.catalog import catalog_url
from veil.catalog.catalog import Catalog
from veil.cli.main import app as cli
from veil.keys.keyring import load_keyring
from veil.sinks import open_sink

PASSWORD = "e2e-Passw0rd-b41f7d"
START_TIMEOUT_S = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _veil(*args: str, stdin: str | None = None) -> None:
    """A `veil` command in-process, with none of the test environment's catalog or keys."""
    env = {"VEIL_DATABASE_URL": "", "VEIL_AUDIT_KEY": "", "VEIL_ACTOR": "root"}
    env |= {"VEIL_MASTER_KEY": "", "VEIL_KEY_FILE": ""}
    result = CliRunner().invoke(cli, list(args), input=stdin, env=env)
    assert result.exit_code == 0, result.output


def _add_user(workspace: Path, name: str, role: str) -> None:
    args = ["user", "add", name, "--role", role, "--reason", "e2e", "--password-stdin"]
    _veil(*args, "--workspace", str(workspace), stdin=PASSWORD)


def _users_with_a_budget(workspace: Path, output: Path) -> int:
    """`veil run` writes users into ``output`` (generating the workspace key, as a first run
    does), the catalog lists them, and ana may spend ε = 1 on them; the rows written."""
    _veil("run", "--output", str(output), "--workspace", str(workspace), "--persons", "300",
          "--seed", "3", "--reference-date", "2026-11-22", "--quiet")  # fmt: skip
    _veil("budget", "set", "ana", "users", "--epsilon", "1", "--delta", "1e-6", "--reason", "e2e",
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


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    workspace = tmp_path / "ws"
    _add_user(workspace, "ana", "analyst")
    _add_user(workspace, "aud", "auditor")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEIL_")}
    log = tmp_path / "serve.log"
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


@pytest.mark.e2e
def test_login_guarded_route_logout_over_http(served: Served, tmp_path: Path) -> None:
    with httpx.Client(base_url=served.url, timeout=30) as http:
        wrong = http.post("/auth/login", json={"user": "ana", "password": "not it at all"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
        login = http.post("/auth/login", json={"user": "ana", "password": PASSWORD})
        assert login.status_code == 200, login.text
        token = login.json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert http.get("/datasets", headers=headers).json() == []
        assert http.get("/audit/verify", headers=headers).status_code == 403
        assert http.post("/auth/logout", headers=headers).status_code == 204
        assert http.get("/datasets", headers=headers).status_code == 401
        auditor = http.post("/auth/login", json={"user": "aud", "password": PASSWORD}).json()
        verified = http.get(
            "/audit/verify", headers={"Authorization": f"Bearer {auditor['token']}"}
        )
        assert verified.json()["ok"] is True

    assert served.stop() in (0, -signal.SIGTERM)
    output = served.output()
    assert "Application shutdown complete" in output and "Finished server process" in output
    assert PASSWORD not in output and token not in output and auditor["token"] not in output

    with open_audit_log(tmp_path / "ws", {}) as log:
        assert log.verify().ok
        seen = [(e.action, e.actor, e.details.get("remote")) for e in log.entries()]
    assert [s for s in seen if s[0].startswith(("login", "logout"))] == [
        ("login.failed", "ana", "127.0.0.1"),
        ("login", "ana", "127.0.0.1"),
        ("logout", "ana", "127.0.0.1"),
        ("login", "aud", "127.0.0.1"),
    ]


@pytest.mark.e2e
def test_a_differentially_private_query_over_http(served: Served, tmp_path: Path) -> None:
    rows = _users_with_a_budget(tmp_path / "ws", tmp_path / "out")
    with httpx.Client(base_url=served.url, timeout=60) as http:
        login = http.post("/auth/login", json={"user": "ana", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        body = {"dataset": "users", "kind": "count", "epsilon": 0.5}
        response = http.post("/query", json=body, headers=headers)
        assert response.status_code == 200, response.text
        answer = response.json()
        refused = http.post("/query", json={**body, "epsilon": 0.75}, headers=headers)
    assert answer["mechanism"] == "discrete laplace" and answer["cost"]["epsilon"] == 0.5
    assert abs(answer["value"] - rows) <= 30  # discrete Laplace, scale 2
    assert answer["budget"]["remaining"]["epsilon"] == 0.5
    assert refused.status_code == 409 and "remaining ε=0.5" in refused.json()["error"]["message"]

    assert served.stop() in (0, -signal.SIGTERM)
    with open_audit_log(tmp_path / "ws", {}) as log:
        assert log.verify().ok
        spent = [(e.action, e.actor) for e in log.entries() if e.action.startswith("budget.")]
    assert spent == [("budget.set", "root"), ("budget.charge", "ana"), ("budget.refused", "ana")]
