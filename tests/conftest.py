"""Shared fixtures: a keyring, a reference date, the API samples, an S3 server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from veil.keys import Keyring

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE = datetime(2026, 11, 22, tzinfo=UTC)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's real S3 server on a free loopback port, for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.from_key(bytes(range(32)))


@pytest.fixture
def other_keyring() -> Keyring:
    return Keyring.from_key(bytes(range(1, 33)))


@pytest.fixture
def reference_date() -> datetime:
    return REFERENCE


@pytest.fixture(scope="session")
def randomuser_sample() -> dict:
    return json.loads((FIXTURES / "randomuser_sample.json").read_text())


@pytest.fixture(scope="session")
def fakerapi_sample() -> dict:
    return json.loads((FIXTURES / "fakerapi_persons_sample.json").read_text())
