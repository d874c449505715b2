"""``veil query`` end to end: a run's output, a budget set by an admin, answers and refusals."""

from __future__ import annotations

import json

from .conftest import Veil


def _setup(veil: Veil, epsilon: str = "3") -> tuple[str, str]:
    veil.run("--persons", "3000", "--seed", "5")
    out, ws = str(veil.tmp / "out"), str(veil.tmp / "ws")
    veil(
        "budget",
        "set",
        "ana",
        "users",
        "--epsilon",
        epsilon,
        "--delta",
        "1e-5",
        "--reason",
        "quarterly analysis",
        "--workspace",
        ws,
    )
    return out, ws


def test_queries_spend_the_budget_and_refuse_beyond_it(veil: Veil) -> None:
    out, ws = _setup(veil)
    common = ["--output", out, "--workspace", ws, "--analyst", "ana", "--json"]
    count = json.loads(veil("query", "count", "--epsilon", "1", *common).stdout)
    assert abs(count["value"] - 3000) < 30 and count["cost"]["epsilon"] == 1.0
    assert count["budget"]["epsilon_remaining"] == 2.0
    hist = json.loads(
        veil(
            "query", "histogram", "gender", "--domain", "female,male", "--epsilon", "1", *common
        ).stdout
    )
    assert set(hist["value"]) == {"female", "male"}
    refused = veil("query", "count", "--epsilon", "1.5", *common, ok=False)
    assert refused.exit_code == 6 and "remaining ε=1" in refused.output + refused.stderr
    shown = json.loads(veil("budget", "show", "ana", "users", "--workspace", ws, "--json").stdout)
    assert len(shown["charges"]) == 2


def test_the_report_in_dp_form(veil: Veil) -> None:
    out, ws = _setup(veil, epsilon="4.5")
    result = veil(
        "query",
        "report",
        "--epsilon",
        "4",
        "--delta",
        "1e-6",
        "--output",
        out,
        "--workspace",
        ws,
        "--analyst",
        "ana",
        "--reference-date",
        "2026-11-22",
        "--json",
    )
    entries = {e["id"]: e for e in json.loads(result.stdout)["report"]}
    assert set(entries) >= {
        "gmail_share_germany",
        "top3_countries_gmail",
        "age_groups",
        "genders",
        "top_country",
        "avg_days_since_registration",
    }
    assert 0 <= entries["gmail_share_germany"]["value"] <= 1
    assert sum(entries["genders"]["value"].values()) > 2800
    table = veil(
        "query", "count", "--epsilon", "0.1", "--output", out, "--workspace", ws, "--analyst", "ana"
    )
    assert "discrete laplace" in table.stdout


def test_errors_are_clear(veil: Veil) -> None:
    out, ws = _setup(veil)
    common = ["--output", out, "--workspace", ws, "--analyst", "ana"]
    cases = [
        (
            [
                "query",
                "count",
                "--epsilon",
                "1",
                "--output",
                out,
                "--workspace",
                ws,
                "--analyst",
                "bob",
            ],
            "no privacy budget",
        ),
        (["query", "sum", "age_band", "--epsilon", "1", *common], "--lower and --upper"),
        (["query", "histogram", "gender", "--epsilon", "1", *common], "--domain"),
        (["query", "top-k", "country", "--epsilon", "1", *common], "--delta"),
        (["query", "quantile", "x", "--epsilon", "1", *common], "--candidates"),
        (["query", "count", "--epsilon", "1", "--dataset", "nope", *common], "no committed"),
    ]
    for args, message in cases:
        result = veil(*args, ok=False)
        assert result.exit_code != 0 and message in result.output + result.stderr, args
