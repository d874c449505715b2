"""End-to-end runs of `veil run` on every source, and the failures a user will meet."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from veil.sources.fakeapi import run_fake_api
from veil.sources.flatten import flatten
from veil.sources.shapes import RANDOMUSER

from .conftest import Veil

FIXTURES = Path(__file__).parents[1] / "fixtures"


def _assert_report_matches(report: dict, rows: int) -> None:
    assert report["rows"] == rows
    by_id = {q["id"]: q for q in report["questions"]}
    for q in report["questions"]:
        assert q.get("match"), q["id"]
    avg = by_id["avg_days_since_registration"]
    if avg["raw"] is not None:
        assert avg["relative_error"] <= 0.01
    assert sum(by_id["countries"]["anonymized"].values()) == rows


def test_default_synthetic_run(veil: Veil) -> None:
    veil.run("--persons", "4000", "--seed", "3")
    report = veil.report()
    _assert_report_matches(report, 4000)
    by_id = {q["id"]: q for q in report["questions"]}
    assert 0 < by_id["gmail_share_germany"]["anonymized"] < 1
    assert by_id["gmail_users_over_60"]["anonymized"] > 0
    assert (veil.tmp / "out" / "report.html").read_text().startswith("<!doctype html>")
    # encrypted: a plain Parquet reader cannot open the data files
    files = list((veil.tmp / "out" / "users").rglob("*.parquet"))
    assert files
    for f in files:
        with pytest.raises(Exception):  # noqa: B017 - any pyarrow error: it must not read
            pq.read_table(f)


def test_synthetic_fakerapi_shape(veil: Veil) -> None:
    veil.run("--shape", "fakerapi", "--persons", "3000", "--locale", "de_DE")
    report = veil.report()
    _assert_report_matches(report, 3000)
    avg = {q["id"]: q for q in report["questions"]}["avg_days_since_registration"]
    assert avg["anonymized"] is None  # persons have no registration date


def test_events_shape_joins_the_users_of_the_same_seed(veil: Veil) -> None:
    from veil.keys import Keyring
    from veil.sinks import read_dataset

    from .conftest import KEY_HEX

    veil.run("--persons", "1500", "--seed", "8")
    veil.run("--shape", "events", "--persons", "1500", "--seed", "8")  # same output folder
    report = veil.report()
    assert report["dataset"] == "events" and report["rows_are"] == "events"
    assert report["questions"] == [] and report["all_match"] is None
    assert "about users" in report["note"]
    assert "events" in (veil.tmp / "out" / "report.html").read_text()
    keyring = Keyring.from_key(bytes.fromhex(KEY_HEX))
    users = read_dataset(str(veil.tmp / "out"), "users", keyring)
    events = read_dataset(str(veil.tmp / "out"), "events", keyring)
    assert report["rows"] == events.num_rows > 10 * 1500 * 0.8
    assert set(events["subject_id"].to_pylist()) == set(users["subject_id"].to_pylist())
    outputs = "subject_id event_id event_type day amount_cents country device ip_prefix"
    assert events.column_names == outputs.split()
    country = dict(zip(users["subject_id"].to_pylist(), users["country"].to_pylist(), strict=True))
    pairs = zip(events["subject_id"].to_pylist(), events["country"].to_pylist(), strict=True)
    assert all(country[subject] == where for subject, where in pairs)
    assert all(ip.endswith(".0/24") for ip in events["ip_prefix"].to_pylist())
    policy = veil("policy", "show", "events").stdout
    (veil.tmp / "events.yaml").write_text(policy)
    veil("policy", "validate", str(veil.tmp / "events.yaml"), "--shape", "events")


def test_rerun_replaces_instead_of_duplicating(veil: Veil) -> None:
    veil.run("--persons", "1500", "--seed", "9")
    veil.run("--persons", "1500", "--seed", "9")
    result = veil("report", "--output", str(veil.tmp / "out"), "--json")
    assert json.loads(result.stdout)["rows"] == 1500
    counts = {q["id"]: q for q in json.loads(result.stdout)["questions"]}["countries"]
    assert sum(counts["anonymized"].values()) == 1500


def test_duckdb_format(veil: Veil) -> None:
    veil.run("--persons", "1000", "--format", "duckdb")
    _assert_report_matches(veil.report(), 1000)


@pytest.mark.parametrize("kind", ["envelope", "list", "ndjson", "csv", "parquet"])
def test_file_source_formats(veil: Veil, kind: str, randomuser_sample: dict) -> None:
    records = randomuser_sample["results"]
    path = veil.tmp / f"users.{ {'envelope': 'json', 'list': 'json'}.get(kind, kind) }"
    if kind == "envelope":
        path.write_text(json.dumps(randomuser_sample))
    elif kind == "list":
        path.write_text(json.dumps(records))
    elif kind == "ndjson":
        path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    else:
        table = pa.Table.from_batches([flatten(records, "randomuser")[0]], schema=RANDOMUSER)
        if kind == "csv":
            pacsv.write_csv(table, path)
        else:
            pq.write_table(table, path)
    veil.run("--source", "file", "--input", str(path))
    _assert_report_matches(veil.report(), len(records))


@pytest.mark.e2e
def test_randomuser_api_end_to_end(veil: Veil) -> None:
    with run_fake_api() as api:
        veil.run(
            "--source",
            "randomuser",
            "--persons",
            "1200",
            "--seed",
            "abc",
            "--base-url",
            api.base_url + "/api/",
        )
    _assert_report_matches(veil.report(), 1200)


@pytest.mark.e2e
def test_fakerapi_end_to_end(veil: Veil) -> None:
    with run_fake_api() as api:
        veil.run(
            "--source",
            "fakerapi",
            "--persons",
            "1500",
            "--locale",
            "fr_FR",
            "--base-url",
            api.base_url + "/api/v2/",
        )
    _assert_report_matches(veil.report(), 1500)


def test_unknown_operator_is_a_clear_error(veil: Veil) -> None:
    policy = veil.tmp / "p.yaml"
    policy.write_text("name: p\ncolumns:\n  email_hash: {op: hsah, from: email}\n")
    result = veil.run("--policy", str(policy), ok=False)
    assert result.exit_code == 2
    assert "columns.email_hash.op" in result.stderr and "'hash'" in result.stderr
    assert not (veil.tmp / "out").exists()


def test_policy_naming_a_missing_column(veil: Veil) -> None:
    policy = veil.tmp / "p.yaml"
    policy.write_text(
        "name: p\non_unknown_column: drop\ncolumns:\n  mail: {op: hash, from: emial}\n"
    )
    result = veil.run("--policy", str(policy), ok=False)
    assert result.exit_code == 2 and "'email'" in result.stderr


def test_bad_key(veil: Veil) -> None:
    result = veil.run(env={"VEIL_MASTER_KEY": "not-a-key"}, ok=False)
    assert result.exit_code == 3 and "VEIL_MASTER_KEY" in result.stderr


def test_unreachable_api_writes_nothing(veil: Veil) -> None:
    result = veil.run(
        "--source",
        "randomuser",
        "--persons",
        "10",
        "--base-url",
        "http://127.0.0.1:9/api/",
        ok=False,
    )
    assert result.exit_code == 4
    assert not list((veil.tmp / "out").rglob("*.parquet")) if (veil.tmp / "out").exists() else True


def test_failed_run_keeps_previous_version(veil: Veil) -> None:
    veil.run("--persons", "800")
    before = sorted(p.relative_to(veil.tmp) for p in (veil.tmp / "out").rglob("*"))
    policy = veil.tmp / "p.yaml"
    policy.write_text("name: p\non_unknown_column: fail\ncolumns:\n  gender: {op: keep}\n")
    result = veil.run("--persons", "800", "--seed", "5", "--policy", str(policy), ok=False)
    assert result.exit_code == 2
    after = sorted(p.relative_to(veil.tmp) for p in (veil.tmp / "out").rglob("*"))
    assert after == before
    result = veil("report", "--output", str(veil.tmp / "out"), "--json")
    assert json.loads(result.stdout)["rows"] == 800


def test_runs_are_audited(veil: Veil) -> None:
    from .conftest import audit_entries

    ws = veil.tmp / "ws"
    veil.run("--persons", "500", "--seed", "2", "--workspace", str(ws))
    failed = veil.run(
        "--source",
        "file",
        "--input",
        str(veil.tmp / "missing.json"),
        "--workspace",
        str(ws),
        ok=False,
    )
    assert failed.exit_code != 0
    entries = [e for e in audit_entries(ws) if e["action"].startswith("run")]
    assert [e["action"] for e in entries] == ["run"]  # the bad input never started a run
    done = entries[0]
    assert done["target"]["dataset"] == "users" and done["target"]["version_id"]
    assert done["details"]["rows"] == 500 and done["details"]["policy_hash"]
    # a run that starts and fails is audited too (here: its privacy target is not met)
    policy = veil("policy", "show", "randomuser").stdout
    strict = veil.tmp / "strict.yaml"
    strict.write_text(
        policy + "privacy:\n  quasi_identifiers: [age_band, gender, city]\n  k: 5\n",
        encoding="utf-8",
    )
    refused = veil.run(
        "--persons", "500", "--policy", str(strict), "--workspace", str(ws), ok=False
    )
    assert refused.exit_code == 2
    last = [e for e in audit_entries(ws) if e["action"].startswith("run")][-1]
    assert last["action"] == "run.failed" and last["details"]["error"] == "PrivacyTargetError"
