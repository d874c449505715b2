"""Report questions: answers on a known cube, ties, raw-vs-anonymized comparison, HTML."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pytest

from veil.analytics import anonymized_cube, build_report, render_html
from veil.analytics.questions import over_60_is_exact
from veil.analytics.reports import RawCube, answers_of
from veil.sources.shapes import RANDOMUSER

REF = datetime(2026, 11, 22, tzinfo=UTC)


def _users() -> pa.Table:
    rows = [
        # domain,      country,   city,     band,    gender,   registered month
        ("gmail.com", "Germany", "Berlin", "61-70", "male", "2016-11-01"),
        ("gmail.com", "Germany", "Berlin", "31-40", "female", "2016-11-01"),
        ("web.de", "Germany", "Köln", "61-70", "female", "2020-11-01"),
        ("gmail.com", "France", "Paris", "71-80", "male", "2006-11-01"),
        ("orange.fr", "France", "Paris", "18-30", "female", "2006-11-01"),
        ("gmail.com", "Spain", "Madrid", "18-30", "male", "2016-11-01"),
        ("googlemail.com", "Norway", "Oslo", "51-60", "male", None),
    ]
    cols = list(zip(*rows, strict=True))
    return pa.table(
        {
            "email_domain": list(cols[0]),
            "country": list(cols[1]),
            "city": list(cols[2]),
            "age_band": list(cols[3]),
            "gender": list(cols[4]),
            "registered_month": pa.array(
                [None if d is None else datetime.fromisoformat(d).date() for d in cols[5]],
                pa.date32(),
            ),
        }
    )


@pytest.fixture
def answers() -> dict:
    con = duckdb.connect()
    con.register("users", _users())
    return answers_of(anonymized_cube(con, "users", REF))


def test_scalar_answers(answers: dict) -> None:
    assert answers["gmail_share_germany"] == pytest.approx(2 / 3)
    assert answers["gmail_users_over_60"] == 2
    # days from the middle of each registration month (November: 30 days, so the 1st + 15)
    # to the reference date, averaged over the 6 known
    days = [
        (REF.date() - datetime.fromisoformat(d).date()).days
        for d in [
            "2016-11-01",
            "2016-11-01",
            "2020-11-01",
            "2006-11-01",
            "2006-11-01",
            "2016-11-01",
        ]
    ]
    assert answers["avg_days_since_registration"] == pytest.approx(sum(days) / 6 - 15)


def test_rankings_include_ties(answers: dict) -> None:
    # Gmail users: Germany 2, France 1, Spain 1, Norway 1 (googlemail) → ranks 1, 2, 2, 2
    top3 = answers["top3_countries_gmail"]
    assert [(r["key"], r["rank"]) for r in top3] == [
        ("Germany", 1),
        ("France", 2),
        ("Norway", 2),
        ("Spain", 2),
    ]
    assert [r["key"] for r in answers["top_country"]] == ["Germany"]
    assert [r["key"] for r in answers["top_city"]] == ["Berlin, Germany", "Paris, France"]


def test_distributions(answers: dict) -> None:
    assert answers["age_groups"] == {"18-30": 2, "31-40": 1, "51-60": 1, "61-70": 2, "71-80": 1}
    assert answers["email_providers"]["gmail.com"] == 4
    assert answers["age_gender"]["61-70 / female"] == 1
    assert sum(answers["countries"].values()) == 7


def test_over_60_exactness() -> None:
    assert over_60_is_exact(["18-30", "51-60", "61-70", "91+"])
    assert not over_60_is_exact(["50-59", "60-69"])


def test_raw_cube_matches_exact_answers_and_report_compares() -> None:
    rows = [
        {
            "email": "a@gmail.com",
            "location_country": "Germany",
            "location_city": "Berlin",
            "gender": "male",
            "dob_date": datetime(1960, 1, 1, tzinfo=UTC),
            "registered_date": datetime(2016, 11, 20, tzinfo=UTC),
        },
        {
            "email": "b@web.de",
            "location_country": "Germany",
            "location_city": "Köln",
            "gender": "female",
            "dob_date": datetime(1990, 6, 1, tzinfo=UTC),
            "registered_date": datetime(2016, 11, 2, tzinfo=UTC),
        },
    ]
    raw = RawCube("randomuser", REF, [18, 31, 41, 51, 61, 71, 81, 91])
    batch = pa.RecordBatch.from_pylist(rows, schema=RANDOMUSER)
    raw.add(batch.slice(0, 1))
    raw.add(batch.slice(1))
    anon = pa.table(
        {
            "email_domain": ["gmail.com", "web.de"],
            "country": ["Germany"] * 2,
            "city": ["Berlin", "Köln"],
            "age_band": ["61-70", "31-40"],
            "gender": ["male", "female"],
            "registered_month": pa.array([datetime(2016, 11, 1).date()] * 2, pa.date32()),
        }
    )
    con = duckdb.connect()
    con.register("users", anon)
    report = build_report(anonymized_cube(con, "users", REF), raw.table(), meta={"rows": 2})
    by_id = {q["id"]: q for q in report["questions"]}
    assert by_id["gmail_share_germany"]["match"] and by_id["gmail_share_germany"]["raw"] == 0.5
    assert by_id["age_groups"]["raw"] == {"31-40": 1, "61-70": 1}
    avg = by_id["avg_days_since_registration"]
    assert avg["match"] and 0 < avg["relative_error"] < 0.01
    assert report["all_match"] is True
    html = render_html(report)
    assert (
        html.startswith("<!doctype html>")
        and "<svg" in html
        and "http" not in html.split("<body>")[1]
    )
