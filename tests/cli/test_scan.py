"""`veil scan`: the table, JSON, the draft policy `veil run` accepts, and no raw values."""

from __future__ import annotations

import copy
import json

import yaml

from .conftest import Veil

CANARY = "zz-canary-4417@veil-canary.example"


def test_scan_json_classifies_the_synthetic_columns(veil: Veil) -> None:
    result = veil("scan", "--persons", "1500", "--json")
    report = json.loads(result.stdout)
    by_name = {c["column"]: c for c in report["columns"]}
    assert by_name["email"]["entity"] == "email"
    assert by_name["phone"]["entity"] == "phone"
    assert by_name["dob_date"]["entity"] == "date_of_birth"
    assert by_name["login_password"]["category"] == "sensitive attribute"


def test_draft_policy_runs_as_it_is(veil: Veil) -> None:
    draft = veil.tmp / "draft.yaml"
    veil("scan", "--persons", "1500", "--write-policy", str(draft))
    policy = yaml.safe_load(draft.read_text())
    assert policy["on_unknown_column"] == "fail"
    veil.run("--persons", "1500", "--policy", str(draft), "--no-report")


def test_file_scan_never_prints_raw_values(veil: Veil, randomuser_sample: dict) -> None:
    doc = copy.deepcopy(randomuser_sample)
    doc["results"][0]["email"] = CANARY
    path = veil.tmp / "users.json"
    path.write_text(json.dumps(doc))
    plain = veil("scan", str(path))
    assert "email" in plain.stdout and CANARY not in plain.output
    shown = veil("scan", str(path), "--show-samples", env={"COLUMNS": "400"})
    assert CANARY not in shown.output
    assert "samples (masked)" in shown.stdout and "*" in shown.stdout


def test_unknown_source_is_a_clear_error(veil: Veil) -> None:
    result = veil("scan", "no-such-thing.csv", ok=False)
    assert result.exit_code == 2
    assert "neither a source name" in result.output
