"""Shared fixtures: a keyring, a reference date, the API samples."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from veil.keys import Keyring

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE = datetime(2026, 11, 22, tzinfo=UTC)


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
