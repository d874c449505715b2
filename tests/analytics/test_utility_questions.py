"""The policy's own utility questions: asked of raw and anonymized data, errors reported."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from veil.analytics import utility
from veil.errors import ConfigError
from veil.jobs import RunConfig, run_pipeline
from veil.keys import Keyring
from veil.policy import builtin_policy, policy_from_dict
from veil.sources.synthetic import SyntheticSource

REF = datetime(2026, 11, 22, tzinfo=UTC)

QUESTIONS = [
    {"id": "users_by_country", "title": "Users per country",
     "sql": "SELECT country, count(*) FROM t GROUP BY 1"},
    {"id": "gmail_share_de", "title": "Gmail share in Germany", "tolerance": 0.0,
     "raw": "SELECT avg((lower(email) LIKE '%@gmail.com')::INT) FROM t "
            "WHERE location_country = 'Germany'",
     "anonymized": "SELECT avg((email_domain = 'gmail.com')::INT) FROM t "
                   "WHERE country = 'Germany'"},
    {"id": "mean_age", "title": "Mean age (band midpoints)", "tolerance": 0.05,
     "raw": "SELECT avg(dob_age) FROM t",
     "anonymized": "SELECT avg((split_part(age_band, '-', 1)::INT + "
                   "split_part(age_band, '-', 2)::INT) / 2.0) FROM t WHERE age_band LIKE '%-%'"},
    {"id": "everyone", "sql": "SELECT count(*) FROM t"},
]  # fmt: skip


def _policy(questions: list[dict[str, Any]], **extra: Any):
    columns = dict(builtin_policy("randomuser").canonical()["columns"])
    return policy_from_dict(
        {"name": "with-questions", "columns": columns, "questions": questions, **extra}
    )


def _run(tmp_path: Path, keyring: Keyring, policy, persons: int = 4000):
    config = RunConfig(
        source=SyntheticSource(persons=persons, seed=11), policy=policy, keyring=keyring,
        output=str(tmp_path / "o"), reference_date=REF, report=tmp_path / "o" / "report",
    )  # fmt: skip
    return run_pipeline(config)


def test_questions_are_answered_on_both_sides(tmp_path: Path, keyring: Keyring) -> None:
    result = _run(tmp_path, keyring, _policy(QUESTIONS))
    assert result.report is not None
    by_id = {q["id"]: q for q in result.report["questions"]}
    countries = by_id["users_by_country"]
    assert countries["source"] == "policy" and countries["match"]  # country is kept
    assert sum(countries["anonymized"].values()) == 4000
    gmail = by_id["gmail_share_de"]
    assert gmail["match"] and 0 < gmail["anonymized"] < 1 and gmail["raw"] == gmail["anonymized"]
    age = by_id["mean_age"]
    assert 0 < age["relative_error"] <= 0.05 and age["match"]  # bands lose a little
    assert by_id["everyone"]["raw"] == by_id["everyone"]["anonymized"] == 4000
    stored = json.loads((tmp_path / "o" / "report.json").read_text())
    assert [q["id"] for q in stored["questions"]][-4:] == [q["id"] for q in QUESTIONS]
    assert "Gmail share in Germany" in (tmp_path / "o" / "report.html").read_text()


def test_a_differing_answer_is_reported_not_hidden(tmp_path: Path, keyring: Keyring) -> None:
    strict = [{**QUESTIONS[2], "tolerance": 0.0}]
    result = _run(tmp_path, keyring, _policy(strict), persons=1500)
    assert result.report is not None
    entry = result.report["questions"][-1]
    assert entry["match"] is False and entry["relative_error"] > 0
    assert result.report["all_match"] is False


def test_raw_keys_not_in_the_output_are_counted_not_named(
    tmp_path: Path, keyring: Keyring
) -> None:
    question = {"id": "by_email", "raw": "SELECT email, count(*) FROM t GROUP BY 1",
                "anonymized": "SELECT email_domain, count(*) FROM t GROUP BY 1"}  # fmt: skip
    result = _run(tmp_path, keyring, _policy([question]), persons=500)
    assert result.report is not None
    entry = result.report["questions"][-1]
    assert entry["raw_only_keys"] == 500 and entry["raw"] == {}
    text = (tmp_path / "o" / "report.json").read_text()
    assert "@" not in text.split('"by_email"')[1]  # no raw e-mail address in the stored report


def test_veil_report_reanswers_the_output_side(tmp_path: Path, keyring: Keyring) -> None:
    from veil.jobs.run import make_report
    from veil.sinks import open_sink

    result = _run(tmp_path, keyring, _policy(QUESTIONS), persons=800)
    sink = open_sink(str(tmp_path / "o"), format="parquet", encrypt=True, keyring=keyring)
    report = make_report(sink, "users", REF, None, result.manifest)
    by_id = {q["id"]: q for q in report["questions"]}
    assert by_id["everyone"]["anonymized"] == 800 and "raw" not in by_id["everyone"]


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ({"id": "q", "sql": "SELECT nope FROM t"}, "question 'q'"),
        ({"id": "q", "sql": "SELECT country, gender, count(*) FROM t GROUP BY 1, 2"},
         "one value, or rows of"),
        ({"id": "q", "sql": "SELECT any_value(country) FROM t"}, "must be numbers"),
        ({"id": "q", "sql": "SELECT count(*) FROM read_csv('/etc/passwd')"}, "question 'q'"),
    ],
)  # fmt: skip
def test_bad_questions_fail_before_any_data_is_read(
    tmp_path: Path, keyring: Keyring, question: dict, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        _run(tmp_path, keyring, _policy([question]), persons=10)
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").rglob("*.parquet"))


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ([{"id": "q"}], "needs sql"),
        ([{"id": "q", "sql": "SELECT 1", "raw": "SELECT 1"}], "not both"),
        ([{"id": "q", "sql": "SELECT 1"}, {"id": "q", "sql": "SELECT 2"}], "used twice"),
        ([{"id": "gmail_share_germany", "sql": "SELECT 1"}], "built in"),
        ([{"id": "Bad Id", "sql": "SELECT 1"}], "pattern"),
    ],
)
def test_policy_validation(questions: list, message: str) -> None:
    with pytest.raises(Exception, match=message):
        _policy(questions)


def test_raw_columns_are_only_those_named() -> None:
    policy = _policy(QUESTIONS)
    names = ["email", "location_country", "dob_age", "login_password", "phone"]
    assert utility.raw_columns(policy, names) == ["email", "location_country", "dob_age"]
    table = utility.raw_table(policy, [], pa.schema([("location_country", pa.string())]))
    assert "country" in table.column_names  # the keep entry's output name
