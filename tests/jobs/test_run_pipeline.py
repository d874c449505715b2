"""run_pipeline through the library: a source failing mid-run leaves the previous version."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from veil.errors import SourceError
from veil.jobs import RunConfig, run_pipeline
from veil.keys import Keyring
from veil.policy import builtin_policy
from veil.sinks import open_sink
from veil.sources.fakeapi import run_fake_api
from veil.sources.randomuser import RandomUserSource

REF = datetime(2026, 11, 22, tzinfo=UTC)


def _config(source, out: Path, keyring: Keyring) -> RunConfig:
    return RunConfig(source=source, policy=builtin_policy("randomuser"), keyring=keyring,
                     output=str(out), reference_date=REF, report=out / "report")


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.e2e
def test_source_failing_mid_run_keeps_previous_version(tmp_path: Path, keyring: Keyring) -> None:
    out = tmp_path / "out"
    with run_fake_api() as api:
        ok = RandomUserSource(persons=1000, page_size=250, base_url=api.base_url + "/api/",
                              concurrency=1, sleep=lambda s: None)
        first = run_pipeline(_config(ok, out, keyring))
    before = _tree(out)
    # page 3 and every retry of it fail: the run must abort after writing pages 1-2
    with run_fake_api(faults={n: "500" for n in range(3, 20)}) as api:
        failing = RandomUserSource(persons=1000, page_size=250, seed="other", concurrency=1,
                                   base_url=api.base_url + "/api/", max_retries=2,
                                   sleep=lambda s: None)
        with pytest.raises(SourceError):
            run_pipeline(_config(failing, out, keyring))
    assert _tree(out) == before
    sink = open_sink(str(out), format="parquet", encrypt=True, keyring=keyring)
    assert sink.current("users")["run_id"] == first.run_id
    assert sink.read("users").num_rows == 1000


def test_rerun_is_deterministic(tmp_path: Path, keyring: Keyring) -> None:
    from veil.sources.synthetic import SyntheticSource

    a = run_pipeline(_config(SyntheticSource(persons=3000, seed=4), tmp_path / "a", keyring))
    b = run_pipeline(_config(SyntheticSource(persons=3000, seed=4), tmp_path / "b", keyring))

    def read(name: str) -> pa.Table:
        sink = open_sink(str(tmp_path / name), format="parquet", encrypt=True, keyring=keyring)
        return sink.read("users")

    ta, tb = read("a"), read("b")
    assert ta.equals(tb) and a.rows == b.rows == 3000
    assert a.report is not None and a.report["all_match"]


def test_record_suppression_is_counted_in_the_manifest(tmp_path: Path, keyring: Keyring) -> None:
    from veil.policy import policy_from_dict
    from veil.sources.synthetic import SyntheticSource

    columns = dict(builtin_policy("randomuser").canonical()["columns"])
    columns["not_german"] = {
        "op": "suppress",
        "scope": "record",
        "from": "nat",
        "when": {"column": "nat", "op": "ne", "value": "DE"},
    }
    policy = policy_from_dict({"name": "germans-only", "columns": columns})
    source = SyntheticSource(persons=2000, seed=3)
    config = RunConfig(
        source=source, policy=policy, keyring=keyring, output=str(tmp_path / "o"),
        reference_date=REF, report=None,
    )
    result = run_pipeline(config)
    assert 0 < result.rows < 2000
    assert result.manifest["rows_suppressed"] == 2000 - result.rows
    table = open_sink(str(tmp_path / "o"), format="parquet", encrypt=True, keyring=keyring).read(
        "users"
    )
    assert set(table.column("nat").to_pylist()) == {"DE"}


def _privacy_policy(**privacy: object):
    from veil.policy import policy_from_dict

    columns = dict(builtin_policy("randomuser").canonical()["columns"])
    return policy_from_dict(
        {
            "name": "with-privacy",
            "subject_id": "subject_id",
            "columns": columns,
            "privacy": {
                "quasi_identifiers": ["age_band", "gender", "city"],
                "sensitive": ["email_domain"],
                "k": 5,
                **privacy,
            },
        }
    )


def test_privacy_fail_writes_nothing(tmp_path: Path, keyring: Keyring) -> None:
    from veil.errors import PrivacyTargetError
    from veil.sources.synthetic import SyntheticSource

    config = RunConfig(
        source=SyntheticSource(persons=3000, seed=8), policy=_privacy_policy(),
        keyring=keyring, output=str(tmp_path / "o"), reference_date=REF, report=None,
    )
    with pytest.raises(PrivacyTargetError, match="1-anonymous"):
        run_pipeline(config)
    sink = open_sink(str(tmp_path / "o"), format="parquet", encrypt=True, keyring=keyring)
    assert sink.current("users") is None


def test_privacy_enforce_makes_the_output_k_anonymous(tmp_path: Path, keyring: Keyring) -> None:
    from veil.risk import risk_report
    from veil.sources.synthetic import SyntheticSource

    policy = _privacy_policy(
        on_violation="enforce", max_suppression=0.05, hierarchies={"city": "builtin:geo"}
    )
    config = RunConfig(
        source=SyntheticSource(persons=3000, seed=8), policy=policy, keyring=keyring,
        output=str(tmp_path / "o"), reference_date=REF, report=tmp_path / "report",
    )
    result = run_pipeline(config)
    privacy = result.manifest["privacy"]
    assert privacy["before"]["k"] < 5 <= privacy["after"]["k"]
    assert privacy["enforcement"]["suppressed"] <= 0.05 * 3000
    assert result.manifest["rows_suppressed"] == 3000 - result.rows
    stored = open_sink(str(tmp_path / "o"), format="parquet", encrypt=True, keyring=keyring)
    table = stored.read("users")
    assert table.num_rows == result.rows
    assert risk_report(table, ["age_band", "gender", "city"]).k >= 5
    assert result.report is not None and result.report["privacy"]["after"]["k"] >= 5
