"""``veil risk``: measures of a file or a run's output, and the linkage attack, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from veil.risk import enforce, risk_report
from veil.sinks import read_dataset

from ..risk.test_arx_adult import compare
from .conftest import KEY_HEX, Veil

DATA = Path(__file__).parents[1] / "risk" / "data"
QIS = [c for c in compare.COLUMNS if c != "salary-class"]  # salary-class is the sensitive one


def test_measures_a_csv_with_its_delimiter_sniffed(veil: Veil) -> None:
    result = veil(
        "risk",
        str(DATA / "adult.csv"),
        "--qi",
        ",".join(QIS),
        "--sensitive",
        "salary-class",
        "--json",
    )
    got = json.loads(result.stdout)["risk"]
    table, _ = compare.load()
    want = risk_report(table, QIS, ["salary-class"]).to_dict()
    assert got["k"] == want["k"] == 1
    assert got["uniqueness"] == want["uniqueness"]
    assert got["sensitive"][0]["t"] == want["sensitive"][0]["t"]


def test_attack_on_a_k_anonymous_release_stays_under_one_over_k(veil: Veil) -> None:
    table, hierarchies = compare.load()
    table = table.append_column("person", pa.array([f"p{i}" for i in range(table.num_rows)]))
    release = enforce(table, hierarchies, 5, max_suppression=0.04).apply(table)
    pq.write_table(release, veil.tmp / "release.parquet")
    pq.write_table(table, veil.tmp / "roll.parquet")  # the adversary's voter roll
    args = [
        "risk",
        str(veil.tmp / "release.parquet"),
        "--qi",
        ",".join([*QIS, "salary-class"]),
        "--population",
        str(veil.tmp / "roll.parquet"),
        "--attack",
        "--truth",
        "person",
    ]
    for name in hierarchies:
        args += ["--hierarchy", f"{name}={DATA / f'adult_hierarchy_{name}.csv'}"]
    attack = json.loads(veil(*args, "--json").stdout)["attack"]
    assert attack["k"] >= 5 and attack["linked"] == release.num_rows
    assert attack["expected_rate"] <= attack["max_risk"] <= 0.2
    assert attack["truth_compatible"] == release.num_rows
    assert attack["simulated_rate"] <= 0.2
    text = veil(*args).stdout  # the table view names measures, never values
    assert "expected re-identification rate" in text and "Bachelors" not in text


def test_attack_on_raw_data_reidentifies_most_people(veil: Veil) -> None:
    result = veil(
        "risk",
        str(DATA / "adult.csv"),
        "--qi",
        ",".join(QIS),
        "--population",
        str(DATA / "adult.csv"),
        "--attack",
        "--json",
    )
    attack = json.loads(result.stdout)["attack"]
    assert attack["expected_rate"] > 0.5 and attack["unique_matches"] > 10_000


def test_a_dataset_written_by_a_run(veil: Veil) -> None:
    veil.run("--persons", "3000", "--seed", "4")
    out = str(veil.tmp / "out")
    result = veil("risk", "users", "--output", out, "--qi", "age_band,gender,country", "--json")
    got = json.loads(result.stdout)
    from veil.keys import Keyring

    table = read_dataset(out, "users", Keyring.from_key(bytes.fromhex(KEY_HEX)))
    want = risk_report(table, ["age_band", "gender", "country"])
    assert got["dataset"].endswith("users") and got["risk"]["k"] == want.k
    assert got["risk"]["records"] == 3000


def test_population_renames_and_size(veil: Veil, tmp_path: Path) -> None:
    table, _ = compare.load()
    renamed = table.rename_columns([f"raw_{c}" for c in table.column_names])
    pq.write_table(renamed, tmp_path / "pop.parquet")
    result = veil(
        "risk",
        str(DATA / "adult.csv"),
        "--qi",
        "sex=raw_sex",
        "--qi",
        "age=raw_age",
        "--population",
        str(tmp_path / "pop.parquet"),
        "--attack",
        "--json",
    )
    attack = json.loads(result.stdout)["attack"]
    assert attack["quasi_identifiers"] == ["sex", "age"] and attack["linked"] == table.num_rows
    sized = veil(
        "risk", str(DATA / "adult.csv"), "--qi", "sex,age", "--population", "300000", "--json"
    )
    assert "population size 300000" in json.loads(sized.stdout)["risk"]["journalist"]["basis"]


def test_clear_errors(veil: Veil) -> None:
    adult = str(DATA / "adult.csv")
    cases = [
        (["risk", adult, "--qi", "nope"], "columns not in the table"),
        (["risk", adult, "--qi", "age", "--attack"], "--attack needs --population"),
        (["risk", adult, "--qi", "age", "--population", "10", "--attack"], "records, not its size"),
        (["risk", "missing.csv", "--qi", "age"], "no such file"),
        (["risk", "users", "--output", str(veil.tmp / "none"), "--qi", "age"], "neither a file"),
        (["risk", adult, "--qi", "age", "--truth", "x"], "only apply with --attack"),
    ]
    for args, message in cases:
        result = veil(*args, ok=False)
        assert result.exit_code != 0
        assert message in result.output + (result.stderr or ""), args
