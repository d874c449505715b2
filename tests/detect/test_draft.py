"""Draft policies load, compile against the scanned schema, and run."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.detect import draft_policy, scan_table
from veil.engines import compile_policy
from veil.keys import Keyring
from veil.policy import load_policy
from veil.sources.flatten import flatten

NOW = datetime(2026, 1, 1, tzinfo=UTC)
KEYRING = Keyring.from_key(bytes(range(32)))


def _run(batch: pa.RecordBatch, tmp_path: Path, name: str = "draft") -> tuple[str, pa.RecordBatch]:
    text = draft_policy(scan_table(batch, now=NOW), name)
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    policy = load_policy(path)
    assert policy.on_unknown_column == "fail"
    compiled = compile_policy(policy, batch.schema, KEYRING, NOW)
    return text, compiled.transform(batch)


def test_randomuser_draft_runs(randomuser_sample: dict, tmp_path: Path) -> None:
    batch = flatten(randomuser_sample["results"], "randomuser").batch
    text, out = _run(batch, tmp_path)
    assert out.num_rows == batch.num_rows
    policy = load_policy(tmp_path / "policy.yaml")
    assert policy.subject_id == "login_uuid"
    assert policy.referenced_inputs() == set(batch.schema.names)  # every column named
    assert "email_domain" in out.schema.names
    assert "login_password" not in out.schema.names
    assert out.column("email").to_pylist() != batch.column("email").to_pylist()
    for raw in batch.column("email").to_pylist()[:5]:
        assert raw not in text


def test_fakerapi_draft_runs(fakerapi_sample: dict, tmp_path: Path) -> None:
    batch = flatten(fakerapi_sample["data"], "fakerapi").batch
    _, out = _run(batch, tmp_path)
    assert out.num_rows == batch.num_rows
    assert "firstname" not in out.schema.names


def test_uncertain_columns_are_flagged(tmp_path: Path) -> None:
    batch = pa.RecordBatch.from_pydict({
        "email": [f"u{i}@example.com" for i in range(40)],
        "when": [f"19{50 + i % 40}-0{1 + i % 9}-15" for i in range(40)],  # birth-like, unnamed
        "blob": pa.array([b"\x00\x01"] * 40, pa.binary()),
    })  # fmt: skip
    text, out = _run(batch, tmp_path)
    assert "# REVIEW when" in text and "# REVIEW blob" in text
    assert "blob" not in out.schema.names


def test_awkward_column_names(tmp_path: Path) -> None:
    names = ["e-mail address", "name: first", "#tel", "zip 'code'", "ünïcödé", "a\nb", "123",
             "true", "null", "- dash"]  # fmt: skip
    batch = pa.RecordBatch.from_pydict({n: ["alice@example.com", "x"] for n in names})
    _, out = _run(batch, tmp_path)
    assert out.num_rows == 2


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=5, unique=True))
def test_any_column_names_give_a_loadable_policy(names: list[str]) -> None:
    import tempfile

    batch = pa.RecordBatch.from_pydict({n: ["a@b.co", None] for n in names})
    with tempfile.TemporaryDirectory() as tmp:
        _run(batch, Path(tmp))


def test_draft_of_a_typed_table(tmp_path: Path) -> None:
    n = 60
    batch = pa.RecordBatch.from_pydict({
        "customer_id": list(range(n)),
        "dob": pa.array([datetime(1960 + i % 40, 1 + i % 12, 1, tzinfo=UTC) for i in range(n)],
                        pa.timestamp("ms", tz="UTC")),
        "birth_text": [f"{1960 + i % 40}-01-01" for i in range(n)],
        "age": [20 + i % 50 for i in range(n)],
        "lat": [48.1 + i / 1000 for i in range(n)],
        "lng": [11.5 + i / 1000 for i in range(n)],
        "plz": [80331 + i for i in range(n)],
        "salary": [40000.0 + i for i in range(n)],
    })  # fmt: skip
    _text, out = _run(batch, tmp_path)
    policy = json.dumps(load_policy(tmp_path / "policy.yaml").canonical())
    assert "geo_fuzz" in policy and "age_band" in policy
    assert set(out.column("birth_text").to_pylist()) <= {str(y) for y in range(1960, 2000)}
