"""Docs that cannot drift: every operator, command and `veil run` option is in the README."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer

from veil.cli.main import app
from veil.operators import registry

README = (Path(__file__).parents[1] / "README.md").read_text()


def _commands() -> dict[str, Any]:
    root = typer.main.get_command(app)
    found: dict[str, Any] = {}

    def walk(cmd: Any, prefix: str) -> None:
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                walk(sub, f"{prefix} {name}".strip())
        else:
            found[prefix] = cmd

    walk(root, "")
    return found


@pytest.mark.parametrize("op", sorted(registry()))
def test_every_operator_is_documented(op: str) -> None:
    assert re.search(rf"^\| `{op}` \|", README, re.M), f"README lacks a row for operator {op}"


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_command_is_documented(command: str) -> None:
    assert f"veil {command}" in README


@pytest.mark.parametrize(
    "option",
    sorted({opt for cmd in _commands().values() for p in cmd.params for opt in p.opts
            if opt.startswith("--") and opt != "--help"}),
)
def test_every_option_is_documented(option: str) -> None:
    assert f"`{option}" in README, f"README does not document {option}"


def test_operator_reference_is_what_the_code_does() -> None:
    from veil.operators.reference import render_reference

    page = Path(__file__).parents[1] / "docs" / "operators.md"
    assert page.exists(), "docs/operators.md is missing: run `make docs`"
    assert page.read_text(encoding="utf-8") == render_reference(), (
        "docs/operators.md is out of date: run `make docs`"
    )


@pytest.mark.parametrize("op", sorted(set(registry()) - {"drop"}))
def test_every_operator_has_worked_examples(op: str) -> None:
    assert registry()[op].params.examples, f"operator {op} has no examples for the reference"
