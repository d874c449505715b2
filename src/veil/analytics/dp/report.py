"""The run report's questions in differentially private form.

The same questions as :mod:`veil.analytics.questions`, asked of an anonymized users table
through :class:`~veil.analytics.dp.queries.PrivateTable`, one subject per row. The budget is
split evenly over the eight measurements (δ over the three that discover keys):

1. Gmail share in Germany: a two-bin histogram (Gmail or not) over users in Germany; the
   share is the ratio of the noisy bins.
2. Top 3 countries by Gmail users: threshold top-k over undeclared countries.
3. Gmail users over 60: a count.
4. Average days since registration: a mean, clamped to [0, 36,525] days.
5. Age-band distribution over the bands of the policy's edges (a public domain).
6. Gender distribution over ``female``, ``male``.
7. and 8. Top country and top city: threshold top-1.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from veil.analytics.dp.queries import Answer, Bounds, PrivateTable, QueryError
from veil.analytics.questions import _GERMANY_SQL, _GMAIL_SQL, _LOWER
from veil.analytics.reports import DEFAULT_AGE_EDGES
from veil.operators.generalize import band_labels

MEASUREMENTS = 8
THRESHOLDED = 3
MAX_DAYS = 36_525
GENDERS = ("female", "male")


def report_view(table: PrivateTable, reference_date: datetime) -> PrivateTable:
    """``table`` with the derived columns the questions need, as a view in its connection."""
    present = set(table.columns)
    missing = {"email_domain", "country", "age_band", "gender"} - present
    if missing:
        raise QueryError(
            f"the DP report needs the columns of the built-in users policy; missing: "
            f"{', '.join(sorted(missing))}"
        )
    ref = reference_date.date().isoformat()
    days = (
        f"date_diff('day', registered_month::DATE, DATE '{ref}')"
        if "registered_month" in present
        else "NULL::BIGINT"
    )
    table.con.sql(
        f"CREATE OR REPLACE TEMP VIEW veil_dp_report AS SELECT *, "
        f"({_GMAIL_SQL}) AS veil_gmail, ({_GERMANY_SQL}) AS veil_germany, "
        f"coalesce({_LOWER} >= 61, FALSE) AS veil_over_60, {days} AS veil_days "
        f'FROM "{table.relation}"'
    )
    return PrivateTable(
        table.con,
        "veil_dp_report",
        subject=table.subject,
        ledger=table.ledger,
        analyst=table.analyst,
        dataset=table.dataset,
        confidence=table.confidence,
    )


def dp_report(
    table: PrivateTable,
    *,
    epsilon: float,
    delta: float,
    reference_date: datetime,
    age_edges: Sequence[float] = DEFAULT_AGE_EDGES,
) -> list[dict[str, Any]]:
    """Answer every question; each entry has the answer's value, interval and cost."""
    view = report_view(table, reference_date)
    eps = epsilon / MEASUREMENTS
    dlt = delta / THRESHOLDED
    one = Bounds(max_groups=1, max_rows=1)
    out: list[dict[str, Any]] = []

    def add(qid: str, title: str, answer: Answer, value: Any = None, interval: Any = None) -> None:
        entry = answer.to_dict()
        entry.update(id=qid, title=title)
        if value is not None:
            entry["value"], entry["interval"] = value, interval
        out.append(entry)

    split = view.histogram(
        "veil_gmail", [True, False], where="veil_germany", bounds=one, epsilon=eps
    )
    gmail, other = split.value["true"], split.value["false"]
    (g_lo, g_hi), (o_lo, o_hi) = split.interval["true"], split.interval["false"]
    share = _share(gmail, other)
    share_interval = (_share(max(g_lo, 0), max(o_hi, 0)), _share(max(g_hi, 0), max(o_lo, 0)))
    add(
        "gmail_share_germany",
        "Share of users in Germany who use Gmail",
        split,
        share,
        share_interval,
    )
    add(
        "top3_countries_gmail",
        "Top 3 countries by Gmail users",
        view.top_k("country", 3, where="veil_gmail", bounds=one, epsilon=eps, delta=dlt),
    )
    add(
        "gmail_users_over_60",
        "Gmail users over 60",
        view.count(where="veil_gmail AND veil_over_60", bounds=one, epsilon=eps),
    )
    if "registered_month" in table.columns:
        add(
            "avg_days_since_registration",
            "Average days since registration",
            view.mean("veil_days", lower=0, upper=MAX_DAYS, bounds=one, epsilon=eps),
        )
    add(
        "age_groups",
        "Users per age group",
        view.histogram("age_band", band_labels(list(age_edges)), bounds=one, epsilon=eps),
    )
    add(
        "genders",
        "Users per gender",
        view.histogram("gender", list(GENDERS), bounds=one, epsilon=eps),
    )
    add(
        "top_country",
        "Country most users come from",
        view.top_k("country", 1, bounds=one, epsilon=eps, delta=dlt),
    )
    add(
        "top_city",
        "City most users come from",
        view.top_k("city", 1, bounds=one, epsilon=eps, delta=dlt),
    )
    return out


def _share(part: int, rest: int) -> float | None:
    total = max(part, 0) + max(rest, 0)
    return max(part, 0) / total if total > 0 else None
