"""``POST /query`` and ``POST /query/report`` over a dataset a real ``veil run`` wrote: every
kind answers and charges the caller exactly its cost, the table is kept across requests (and
shared by analysts, each paying for their own queries) until a new version replaces it,
refusals charge nothing, and errors have the API's shape without data values."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import veil.analytics.dp.datasets
from veil.analytics.dp.ledger import Ledger
from veil.analytics.dp.queries import PrivateTable
from veil.cli.main import app as cli
from veil.keys import Keyring
from veil.server.tables import PrivateTables
from veil.sinks import open_sink

from .conftest import PASSWORD, ROLE_USERS, error_message, login

KEY_HEX = "5a" * 32
ANALYST = ROLE_USERS["analyst"]
OTHER_ANALYST = "second-analyst"
CAP_EPSILON, CAP_DELTA = 3.0, 1e-5
PERSONS = 400

#: one body per kind, the kind and mechanism it answers with (a histogram is a count over a
#: domain); the test adds the dataset
KINDS: dict[str, tuple[dict[str, Any], str, str]] = {
    "count": ({"kind": "count", "epsilon": 0.5}, "count", "discrete laplace"),
    "count of undeclared keys": (
        {"kind": "count", "by": "country", "epsilon": 0.5, "delta": 1e-6},
        "count",
        "laplace threshold",
    ),
    "histogram": (
        {"kind": "histogram", "column": "gender", "domain": ["female", "male"], "epsilon": 0.5},
        "count",
        "discrete laplace",
    ),
    "sum": (
        {"kind": "sum", "column": "latitude", "lower": -90, "upper": 90, "epsilon": 0.5},
        "sum",
        "discrete laplace",
    ),
    "mean per gender, gaussian": (
        {
            "kind": "mean",
            "column": "latitude",
            "lower": -90,
            "upper": 90,
            "by": "gender",
            "domain": ["female", "male"],
            "noise": "gaussian",
            "rho": 0.01,
        },
        "mean",
        "discrete gaussian",
    ),
    "quantile": (
        {
            "kind": "quantile",
            "column": "latitude",
            "candidates": list(range(-90, 91, 10)),
            "epsilon": 0.5,
        },
        "quantile",
        "exponential mechanism (OpenDP private quantile)",
    ),
    "top_k": (
        {
            "kind": "top_k",
            "column": "country",
            "k": 2,
            "where": "gender = 'female'",
            "epsilon": 0.5,
            "delta": 1e-6,
        },
        "top_k",
        "laplace threshold",
    ),
}
COUNT = {"dataset": "users", "kind": "count", "epsilon": 0.5}


def _run(output: Path, *args: str) -> None:
    """``veil run`` of synthetic users into ``output``, with the test key."""
    command = ["run", "--output", str(output), "--reference-date", "2026-11-22", "--quiet"]
    command += ["--persons", str(PERSONS), "--workspace", str(output.parent / "run-ws"), *args]
    env = {"VEIL_MASTER_KEY": KEY_HEX, "VEIL_DATABASE_URL": None, "VEIL_AUDIT_KEY": None}
    result = CliRunner().invoke(cli, command, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output holding ``users`` and ``people`` (other synthetic users), written once."""
    output = tmp_path_factory.mktemp("written") / "out"
    _run(output, "--seed", "5")
    _run(output, "--seed", "6", "--dataset", "people")
    return output


@pytest.fixture
def output(written: Path, tmp_path: Path) -> Path:
    """This test's copy of the output (a test may commit a new version to it)."""
    return Path(shutil.copytree(written, tmp_path / "out"))


@pytest.fixture
def environ() -> dict[str, str]:
    return {"VEIL_MASTER_KEY": KEY_HEX}


@pytest.fixture
def ledger(app: FastAPI, output: Path) -> Ledger:
    """The app's ledger, with ``users`` and ``people`` in the catalog and a cap for the
    analyst on ``users`` only."""
    state = app.state.veil
    for name in ("users", "people"):
        state.catalog.register_dataset(name, str(output), actor="root")
    state.ledger.set_cap(ANALYST, "users", CAP_EPSILON, CAP_DELTA, actor="root", reason="test")
    ledger: Ledger = state.ledger
    return ledger


@pytest.fixture
def headers(client: TestClient, ledger: Ledger) -> dict[str, str]:
    return login(client, ANALYST)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[PrivateTable]:
    """Every table the server opens, in order."""
    tables: list[PrivateTable] = []
    real = veil.analytics.dp.datasets.open_private_table

    def recording(*args: Any, **kwargs: Any) -> tuple[PrivateTable, str]:
        table, version = real(*args, **kwargs)
        tables.append(table)
        return table, version

    monkeypatch.setattr(veil.analytics.dp.datasets, "open_private_table", recording)
    return tables


def _current_version(output: Path, dataset: str = "users") -> str:
    return str(
        open_sink(str(output), format="parquet", encrypt=False).current(dataset)["version_id"]
    )


def _column(output: Path, column: str) -> list[Any]:
    """The values of ``column`` in the current version of ``users``."""
    ring = Keyring.from_key(bytes.fromhex(KEY_HEX))
    sink = open_sink(str(output), format="parquet", encrypt=False, keyring=ring)
    return sink.read("users", columns=[column]).column(0).to_pylist()


def _is_open(table: PrivateTable) -> bool:
    try:
        table.con.execute("SELECT 1")
    except duckdb.ConnectionException:
        return False
    return True


def _costs(ledger: Ledger, analyst: str = ANALYST) -> list[tuple[float, float, float]]:
    return [(c.epsilon, c.delta, c.rho) for c in ledger.charges(analyst, "users")]


@pytest.mark.parametrize(("body", "kind", "mechanism"), KINDS.values(), ids=list(KINDS))
def test_each_kind_answers_and_charges_exactly_its_cost(
    client: TestClient,
    headers: dict[str, str],
    ledger: Ledger,
    output: Path,
    body: dict[str, Any],
    kind: str,
    mechanism: str,
) -> None:
    response = client.post("/query", json={"dataset": "users", **body}, headers=headers)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["kind"], answer["mechanism"]) == (kind, mechanism)
    assert answer["scale"] and answer["interval"] is not None and answer["confidence"] == 0.95
    assert (answer["dataset"], answer["version_id"]) == ("users", _current_version(output))
    cost = answer["cost"]
    assert _costs(ledger) == [(cost["epsilon"], cost["delta"], cost["rho"])]
    budget = ledger.budget(ANALYST, "users")
    assert (budget.spent_epsilon, budget.spent_delta, budget.spent_rho) == _costs(ledger)[0]
    assert answer["budget"] == budget.to_dict()


def test_a_count_is_near_the_truth(
    client: TestClient, headers: dict[str, str], output: Path
) -> None:
    answer = client.post("/query", json={**COUNT, "epsilon": 2.0}, headers=headers).json()
    assert abs(answer["value"] - len(_column(output, "subject_id"))) <= 10  # scale 0.5


def test_the_report_in_dp_form(
    client: TestClient, headers: dict[str, str], ledger: Ledger, output: Path
) -> None:
    body = {"dataset": "users", "epsilon": 2.0, "delta": 1e-6, "reference_date": "2026-11-22"}
    response = client.post("/query/report", json=body, headers=headers)
    assert response.status_code == 200, response.text
    answer = response.json()
    entries = {e["id"]: e for e in answer["report"]}
    assert set(entries) == {
        "gmail_share_germany",
        "top3_countries_gmail",
        "gmail_users_over_60",
        "avg_days_since_registration",
        "age_groups",
        "genders",
        "top_country",
        "top_city",
    }
    rows = len(_column(output, "subject_id"))
    assert sum(entries["genders"]["value"].values()) == pytest.approx(rows, abs=60)
    charged = [
        (e["cost"]["epsilon"], e["cost"]["delta"], e["cost"]["rho"]) for e in answer["report"]
    ]
    assert sorted(_costs(ledger)) == sorted(charged)
    assert answer["budget"]["spent"]["epsilon"] == pytest.approx(2.0)


def test_the_table_is_kept_until_a_new_version_replaces_it(
    client: TestClient,
    headers: dict[str, str],
    output: Path,
    opened: list[PrivateTable],
) -> None:
    first = client.post("/query", json=COUNT, headers=headers).json()["version_id"]
    client.post(
        "/query", json={**COUNT, "kind": "top_k", "column": "city", "delta": 1e-6}, headers=headers
    )
    assert len(opened) == 1 and _is_open(opened[0])

    _run(output, "--seed", "7")
    second = client.post("/query", json=COUNT, headers=headers).json()["version_id"]
    assert second == _current_version(output) != first
    assert len(opened) == 2 and not _is_open(opened[0]) and _is_open(opened[1])
    client.post("/query", json=COUNT, headers=headers)
    assert len(opened) == 2


def test_analysts_share_the_table_and_each_pays_for_their_own(
    app: FastAPI,
    client: TestClient,
    headers: dict[str, str],
    ledger: Ledger,
    opened: list[PrivateTable],
) -> None:
    app.state.veil.users.add_user(OTHER_ANALYST, PASSWORD, ["analyst"], actor="root", reason="t")
    ledger.set_cap(OTHER_ANALYST, "users", 1.0, 0.0, actor="root", reason="test")
    other = login(client, OTHER_ANALYST)
    asked = [
        client.post("/query", json=COUNT, headers=headers),
        client.post("/query", json={**COUNT, "epsilon": 0.25, "confidence": 0.8}, headers=other),
        client.post("/query", json={**COUNT, "epsilon": 0.125}, headers=headers),
    ]
    assert [(r.status_code, r.json()["confidence"]) for r in asked] == [
        (200, 0.95),
        (200, 0.8),
        (200, 0.95),
    ]
    assert [r.json()["budget"]["analyst"] for r in asked] == [ANALYST, OTHER_ANALYST, ANALYST]
    assert len(opened) == 1
    assert _costs(ledger) == [(0.5, 0.0, 0.0), (0.125, 0.0, 0.0)]
    assert _costs(ledger, OTHER_ANALYST) == [(0.25, 0.0, 0.0)]


def test_concurrent_queries_take_turns_on_one_table(
    client: TestClient, headers: dict[str, str], ledger: Ledger, opened: list[PrivateTable]
) -> None:
    asks: list[Callable[[], Any]] = [
        lambda: client.post("/query", json={**COUNT, "epsilon": 0.1}, headers=headers),
        lambda: client.post(
            "/query", json={**KINDS["sum"][0], "dataset": "users", "epsilon": 0.1}, headers=headers
        ),
    ]
    asks[0]()  # opens the table
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda i: asks[i % 2](), range(16)))
    assert [r.status_code for r in responses] == [200] * 16
    assert len(opened) == 1 and len(_costs(ledger)) == 17


def test_the_least_recently_used_table_closes_when_its_last_query_ends(
    app: FastAPI, ledger: Ledger, tmp_path: Path
) -> None:
    state = app.state.veil
    tables = PrivateTables(
        state.catalog, ledger, tmp_path / "ws", {"VEIL_MASTER_KEY": KEY_HEX}, size=1
    )
    with tables.use("users", ANALYST, 0.95) as (users, _):
        with tables.use("people", ANALYST, 0.95) as (people, _):
            assert _is_open(users)  # pushed out of the cache, but still in use
        assert _is_open(users) and _is_open(people)
    assert not _is_open(users) and _is_open(people)
    tables.close()
    assert not _is_open(people)


def test_overspending_is_refused_and_charges_nothing(
    client: TestClient, headers: dict[str, str], ledger: Ledger
) -> None:
    assert client.post("/query", json={**COUNT, "epsilon": 2.0}, headers=headers).status_code == 200
    message = error_message(
        client.post("/query", json={**COUNT, "epsilon": 1.5}, headers=headers), 409
    )
    assert "remaining ε=1.0" in message and "Nothing was charged" in message
    report = {"dataset": "users", "epsilon": 1.5, "delta": 1e-6}
    assert "remaining ε=1.0" in error_message(
        client.post("/query/report", json=report, headers=headers), 409
    )
    assert _costs(ledger) == [(2.0, 0.0, 0.0)]


def test_no_budget_on_the_dataset_is_403_with_the_ledgers_message(
    client: TestClient, headers: dict[str, str]
) -> None:
    message = error_message(
        client.post("/query", json={**COUNT, "dataset": "people"}, headers=headers), 403
    )
    assert message.startswith(f"no privacy budget for analyst {ANALYST!r} on dataset 'people'")
    report = {"dataset": "people", "epsilon": 1.0, "delta": 1e-6}
    assert "no privacy budget" in error_message(
        client.post("/query/report", json=report, headers=headers), 403
    )


@pytest.mark.parametrize("path", ["/query", "/query/report"])
def test_only_analysts_with_a_token_may_ask(client: TestClient, ledger: Ledger, path: str) -> None:
    body = {**COUNT} if path == "/query" else {"dataset": "users", "epsilon": 1.0, "delta": 1e-6}
    assert "log in" in error_message(client.post(path, json=body), 401)
    for role in ("admin", "engineer", "auditor"):
        response = client.post(path, json=body, headers=login(client, ROLE_USERS[role]))
        assert (
            error_message(response, 403)
            == f"this needs the role analyst; {ROLE_USERS[role]} has {role}"
        )
    assert _costs(ledger) == []


def test_an_unknown_dataset_is_404_naming_it(
    app: FastAPI, client: TestClient, headers: dict[str, str], output: Path
) -> None:
    message = error_message(
        client.post("/query", json={**COUNT, "dataset": "nope"}, headers=headers), 404
    )
    assert message.startswith("no dataset 'nope' in the catalog")
    app.state.veil.catalog.register_dataset("empty", str(output), actor="root")
    message = error_message(
        client.post("/query", json={**COUNT, "dataset": "empty"}, headers=headers), 404
    )
    assert message == "dataset 'empty' has no committed version"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"kind": "histogram", "column": "nope", "domain": ["a"]}, "no column 'nope' in 'users'"),
        ({"kind": "sum", "column": "country", "lower": 0, "upper": 9}, "could not be converted"),
        ({"kind": "count", "where": "country IN (SELECT country FROM users)"}, "a subquery"),
    ],
    ids=["unknown column", "text summed", "filter with a subquery"],
)
def test_a_bad_query_is_422_without_data_values(
    client: TestClient,
    headers: dict[str, str],
    ledger: Ledger,
    output: Path,
    body: dict[str, Any],
    expected: str,
) -> None:
    response = client.post(
        "/query", json={"dataset": "users", "epsilon": 1.0, **body}, headers=headers
    )
    assert expected in error_message(response, 422)
    countries = {c for c in _column(output, "country") if c}
    assert len(countries) > 5 and not [c for c in countries if c in response.text]
    assert _costs(ledger) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"kind": "median"}, "body: 'kind' must be one of 'count', 'histogram', 'sum'"),
        ({"kind": "sum", "column": "latitude", "lower": 0}, "body.sum.upper: Field required"),
        ({"kind": "top_k", "column": "city", "epsilon": 1.0}, "body.top_k.delta: Field required"),
        ({"kind": "count", "lower": 0}, "body.count: Extra inputs are not permitted"),
        ({"kind": "count", "noise": "uniform"}, "body.count.noise: Input should be 'laplace'"),
        ({"kind": "count", "confidence": 1.0}, "body.count.confidence: Input should be less"),
    ],
)
def test_invalid_bodies_are_named_not_echoed(
    client: TestClient, headers: dict[str, str], body: dict[str, Any], expected: str
) -> None:
    response = client.post("/query", json={"dataset": "users", **body}, headers=headers)
    assert expected in error_message(response, 422)
    assert "median" not in response.text and "uniform" not in response.text
