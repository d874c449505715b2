"""The built-in analytical questions, as DuckDB SQL over a small cube of user counts.

Both sides of a run are reduced to the same cube before any question is asked::

    cube(email_domain, country, city, age_band, gender, n, reg_days, reg_n)

``n`` counts users, ``reg_days`` sums days between registration and the reference date over
the ``reg_n`` users whose registration date is known. The anonymized side builds the cube with
SQL over the stored output; the raw side accumulates it batch by batch in memory during the
run (the raw rows are never stored). Every question below is then the same SQL on either cube,
so a difference between the two answers is the information the policy took away, nothing else.

Rules worth knowing:

- Gmail means ``gmail.com`` or ``googlemail.com``.
- "Germany" matches the country name in English and in the Faker API's locales (Deutschland,
  Allemagne, Alemania, Germania, Duitsland, Alemanha, Niemcy).
- Rankings use SQL ``rank()``: every country tied at the cut-off is included, so "top 3" can
  list more than three rows when counts tie; ties are ordered by name.
- "Over 60" means age > 60 at the reference date, i.e. bands whose lower bound is ≥ 61. The
  answer is exact only if 61 is a band edge; otherwise the report says it is approximate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import duckdb

GMAIL = ("gmail.com", "googlemail.com")
GERMANY = (
    "Germany",
    "Deutschland",
    "Allemagne",
    "Alemania",
    "Germania",
    "Duitsland",
    "Alemanha",
    "Niemcy",
)
CUBE_COLUMNS = ("email_domain", "country", "city", "age_band", "gender")
DAYS_PER_YEAR = 365.2425

_GMAIL_SQL = "email_domain IN ('gmail.com', 'googlemail.com')"
_GERMANY_SQL = "country IN (" + ", ".join(f"'{c}'" for c in GERMANY) + ")"
_LOWER = "TRY_CAST(regexp_extract(age_band, '^(\\d+)', 1) AS INTEGER)"


@dataclass(frozen=True)
class Question:
    id: str
    title: str
    kind: str  # "scalar", "ranking", "distribution"
    sql: str
    unit: str = ""


QUESTIONS: tuple[Question, ...] = (
    Question(
        "gmail_share_germany",
        "Share of users in Germany who use Gmail",
        "scalar",
        f"SELECT sum(n) FILTER (WHERE {_GMAIL_SQL}) / nullif(sum(n), 0) FROM cube "
        f"WHERE {_GERMANY_SQL}",
        "share",
    ),
    Question(
        "top3_countries_gmail",
        "Top 3 countries by Gmail users (ties included)",
        "ranking",
        f"""WITH g AS (SELECT country AS key, sum(n)::BIGINT AS users FROM cube
                 WHERE {_GMAIL_SQL} AND country IS NOT NULL GROUP BY country)
                 SELECT key, users, rank() OVER (ORDER BY users DESC) AS rank FROM g
                 QUALIFY rank <= 3 ORDER BY rank, key""",
        "users",
    ),
    Question(
        "gmail_users_over_60",
        "Users over 60 who use Gmail",
        "scalar",
        f"SELECT coalesce(sum(n), 0)::BIGINT FROM cube WHERE {_GMAIL_SQL} AND {_LOWER} >= 61",
        "users",
    ),
    Question(
        "email_providers",
        "E-mail providers",
        "distribution",
        "SELECT coalesce(email_domain, '(invalid)') AS key, sum(n)::BIGINT AS users FROM cube "
        "GROUP BY 1 ORDER BY users DESC, key",
        "users",
    ),
    Question(
        "countries",
        "Countries",
        "distribution",
        "SELECT coalesce(country, '(unknown)') AS key, sum(n)::BIGINT AS users FROM cube "
        "GROUP BY 1 ORDER BY users DESC, key",
        "users",
    ),
    Question(
        "age_groups",
        "Age groups",
        "distribution",
        f"SELECT coalesce(age_band, '(unknown)') AS key, sum(n)::BIGINT AS users FROM cube "
        f"GROUP BY age_band ORDER BY {_LOWER} NULLS LAST, key",
        "users",
    ),
    Question(
        "avg_days_since_registration",
        "Average time since registration",
        "scalar",
        "SELECT sum(reg_days) / nullif(sum(reg_n), 0) FROM cube",
        "days",
    ),
    Question(
        "age_gender",
        "Age and gender",
        "distribution",
        f"SELECT coalesce(age_band, '(unknown)') || ' / ' || coalesce(gender, '(unknown)') AS key, "
        f"sum(n)::BIGINT AS users FROM cube GROUP BY age_band, gender "
        f"ORDER BY {_LOWER} NULLS LAST, age_band, gender",
        "users",
    ),
    Question(
        "gender",
        "Gender",
        "distribution",
        "SELECT coalesce(gender, '(unknown)') AS key, sum(n)::BIGINT AS users FROM cube "
        "GROUP BY 1 ORDER BY users DESC, key",
        "users",
    ),
    Question(
        "top_country",
        "Country most users come from (ties included)",
        "ranking",
        """WITH g AS (SELECT country AS key, sum(n)::BIGINT AS users FROM cube
                WHERE country IS NOT NULL GROUP BY country)
                SELECT key, users, rank() OVER (ORDER BY users DESC) AS rank FROM g
                QUALIFY rank = 1 ORDER BY key""",
        "users",
    ),
    Question(
        "top_city",
        "City most users come from (ties included)",
        "ranking",
        """WITH g AS (SELECT city || ', ' || coalesce(country, '?') AS key, sum(n)::BIGINT AS users
                FROM cube WHERE city IS NOT NULL GROUP BY city, country)
                SELECT key, users, rank() OVER (ORDER BY users DESC) AS rank FROM g
                QUALIFY rank = 1 ORDER BY key""",
        "users",
    ),
)


def over_60_is_exact(bands: list[str]) -> bool:
    """True when no age band straddles 60/61 (so 'over 60' is a union of whole bands)."""
    for band in bands:
        m = re.fullmatch(r"(\d+)-(\d+)", band)
        if m and int(m.group(1)) <= 60 < int(m.group(2)):
            return False
    return True


def ask(con: duckdb.DuckDBPyConnection, question: Question) -> Any:
    """The answer to one question on the ``cube`` relation of ``con``."""
    rows = con.sql(question.sql).fetchall()
    if question.kind == "scalar":
        value = rows[0][0] if rows else None
        return None if value is None else (int(value) if question.unit == "users" else float(value))
    if question.kind == "ranking":
        return [{"key": k, "users": int(u), "rank": int(r)} for k, u, r in rows]
    return {str(k): int(u) for k, u in rows}


def ask_all(con: duckdb.DuckDBPyConnection, *, has_registration: bool) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for q in QUESTIONS:
        if q.id == "avg_days_since_registration" and not has_registration:
            answers[q.id] = None
            continue
        answers[q.id] = ask(con, q)
    return answers
