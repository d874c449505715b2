"""Column classification: name hints and value evidence combined into one entity per column.

**Sampling.** ``scan_table`` looks at a deterministic sample of at most ``sample_rows`` rows:
every row gets a pseudo-random key, a SplitMix64 hash of (``seed``, its position in the
input), and the rows with the smallest keys are kept, in input order. This is a uniform
sample without replacement; it is the same for the same input and seed however the input is
split into batches, and it is computed over the batches as they stream by (bottom-k), so a
reader of any size is scanned in bounded memory. Tables with at most ``sample_rows`` rows
are scanned whole. Null counts are over the sample.

**Scoring.** For each column, every entity type gets a score in [0, 1] from the hints in its
name (:mod:`veil.detect.names`) and the share of sampled values each validator accepts
(:mod:`veil.detect.values`). Types with a strong validator (e-mail, IP, IBAN, card, UUID…)
can win on values alone; types that values cannot prove (city, user name, health…) need a
name hint and values that do not contradict it. The best score is the confidence; when the
runner-up is close, the evidence is *conflicting*. A column nothing points at is
``none`` (non-personal); nested and binary columns, and columns without values, are
``unknown`` with a reason. Then table context: a bare ``id`` (or unlabelled UUIDs) is a
person's identifier only if the table holds other direct identifiers; latitude and
longitude columns are paired for ``geo_fuzz``.

Nothing here keeps or reports a value: evidence is counts, shares and hint phrases.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from veil.detect import entities as ent
from veil.detect import names, values
from veil.detect.names import Hint
from veil.detect.sampling import sample_table
from veil.detect.vocab import PERSON_QUALIFIERS

REVIEW_BELOW = 0.8
_GENERIC_ID = frozenset({"id", "key", "nr", "no", "number", "nummer"})
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}"


@dataclass(frozen=True)
class ColumnReport:
    """What the scan found in one column (counts and hints only, never a value)."""

    column: str
    arrow_type: str
    entity: str
    confidence: float
    category: str
    sensitivity: int
    operator: dict[str, Any]
    evidence: dict[str, Any]
    reason: str = ""
    conflicting: bool = False
    alternatives: tuple[tuple[str, float], ...] = ()

    @property
    def review(self) -> bool:
        """Whether a person should check this column before accepting the draft."""
        return self.confidence < REVIEW_BELOW or self.conflicting or self.entity == "unknown"

    @property
    def sensitivity_label(self) -> str:
        return ent.LEVELS[self.sensitivity]

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "arrow_type": self.arrow_type,
            "entity": self.entity,
            "confidence": round(self.confidence, 3),
            "category": self.category,
            "sensitivity": self.sensitivity,
            "sensitivity_label": self.sensitivity_label,
            "operator": self.operator,
            "review": self.review,
            "conflicting": self.conflicting,
            "reason": self.reason,
            "alternatives": [[e, round(s, 3)] for e, s in self.alternatives],
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class ScanReport:
    """Per-column classification of a table, and how it was sampled."""

    columns: tuple[ColumnReport, ...]
    schema: pa.Schema
    rows_total: int
    rows_sampled: int
    sample_rows: int
    seed: int
    subject_id: str | None = None
    scanned_at: str = field(default="")

    def __getitem__(self, name: str) -> ColumnReport:
        for col in self.columns:
            if col.column == name:
                return col
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form: types, confidences, counts and hint phrases; no values."""
        return {
            "rows_total": self.rows_total,
            "rows_sampled": self.rows_sampled,
            "sample_rows": self.sample_rows,
            "seed": self.seed,
            "subject_id": self.subject_id,
            "scanned_at": self.scanned_at,
            "columns": [c.to_dict() for c in self.columns],
        }

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per column, for a table: column, type, confidence, evidence…"""
        out = []
        for c in self.columns:
            matched = c.evidence.get("matched", {})
            sampled = c.evidence.get("sampled", 0)
            top = sorted(matched.items(), key=lambda kv: -kv[1])[:3]
            evidence = ", ".join(f"{k} {v}/{sampled}" for k, v in top)
            hints = ", ".join(h["phrase"] for h in c.evidence.get("hints", []))
            if hints:
                evidence = f"name: {hints}" + (f"; {evidence}" if evidence else "")
            if c.reason:
                evidence = f"{evidence}; {c.reason}" if evidence else c.reason
            params = {k: v for k, v in c.operator.items() if k != "op"}
            op = c.operator["op"] + (
                " " + " ".join(f"{k}={v}" for k, v in params.items()) if params else ""
            )
            out.append(
                {
                    "column": c.column,
                    "type": c.entity,
                    "confidence": round(c.confidence, 2),
                    "evidence": evidence,
                    "category": c.category,
                    "sensitivity": f"{c.sensitivity} {c.sensitivity_label}",
                    "operator": op,
                    "review": c.review,
                }
            )
        return out


# --- one column ----------------------------------------------------------------------------


@dataclass
class _Verdict:
    entity: str
    confidence: float
    reason: str = ""
    conflicting: bool = False
    alternatives: tuple[tuple[str, float], ...] = ()
    generic_id: bool = False


def _kind(typ: pa.DataType) -> str:
    if pa.types.is_null(typ):
        return "null"
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return "string"
    if pa.types.is_integer(typ):
        return "integer"
    if pa.types.is_floating(typ) or pa.types.is_decimal(typ):
        return "float"
    if pa.types.is_timestamp(typ) or pa.types.is_date(typ):
        return "temporal"
    if pa.types.is_boolean(typ):
        return "boolean"
    if (
        pa.types.is_binary(typ)
        or pa.types.is_large_binary(typ)
        or pa.types.is_fixed_size_binary(typ)
    ):
        return "binary"
    if pa.types.is_nested(typ) or pa.types.is_union(typ):
        return "nested"
    return "other"


def profile_column(array: pa.Array, now: datetime) -> values.ValueProfile:
    """Validator counts and statistics of one sampled column (counts only)."""
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    kind = _kind(array.type)
    prof = values.ValueProfile(kind=kind, nulls=array.null_count)
    if kind in ("null", "nested", "binary", "other"):
        prof.sampled = len(array) - array.null_count
        return prof
    present = array.drop_null()
    prof.sampled = len(present)
    if not len(present):
        return prof
    if kind == "string":
        text = present.cast(pa.string())
        blank = pc.equal(pc.utf8_trim_whitespace(text), "")
        text = text.filter(pc.invert(blank))  # "" in a CSV means missing
        prof.nulls += len(present) - len(text)
        prof.sampled = len(text)
        if not len(text):
            return prof
        prof.matched, prof.stats = values.string_profile(text, now)
        if prof.frac("numeric") >= 0.95:
            numeric = text.filter(pc.match_substring_regex(text, values.NUMERIC))
            numbers = pc.cast(pc.replace_substring(numeric, ",", "."), pa.float64())
            prof.stats.update({"num_" + k: v for k, v in values.numeric_profile(numbers).items()})
    elif kind in ("integer", "float"):
        prof.stats = values.numeric_profile(present)
        if kind == "integer":
            counts, _ = values.string_profile(present.cast(pa.string()), now)
            prof.matched = {
                k: counts[k]
                for k in ("card", "luhn", "phone_shape", "phone_valid", "postcode_digits", "ssn")
                if counts.get(k)
            }
    elif kind == "temporal":
        year, month, _ = values.temporal_parts(present)
        prof.stats = values.date_stats(year, month, now)
        prof.matched = {"date": int((~np.isnan(year)).sum())}
    elif kind == "boolean":
        prof.stats = {}
    return prof


def _add(scores: dict[str, float], entity: str, score: float) -> None:
    scores[entity] = max(scores.get(entity, 0.0), min(score, 0.99))


def _string_scores(p: values.ValueProfile, h: dict[str, float], scores: dict[str, float]) -> None:
    f = p.frac
    st = p.stats
    strong_hint = max((v for k, v in h.items() if k != "none"), default=0.0)
    if f("email") >= 0.5:
        _add(scores, "email", 0.6 + 0.35 * f("email") + 0.04 * ("email" in h))
    uuid = f("uuid")
    if uuid >= 0.5:
        base = 0.55 + 0.25 * uuid + 0.05 * (st.get("distinct_ratio", 0) >= 0.9)
        _add(scores, "identifier", base + 0.14 * ("identifier" in h or "username" in h))
    ip = f("ipv4") + f("ipv6")
    if ip >= 0.5:
        _add(scores, "ip_address", 0.6 + 0.35 * ip + 0.04 * ("ip_address" in h))
    if f("mac") >= 0.5:
        _add(scores, "mac_address", 0.6 + 0.35 * f("mac") + 0.04 * ("mac_address" in h))
    if f("iban") >= 0.5:
        _add(scores, "iban", 0.6 + 0.35 * f("iban") + 0.04 * ("iban" in h))
    if f("card") >= 0.5:
        _add(scores, "credit_card", 0.55 + 0.4 * f("card") + 0.04 * ("credit_card" in h))
    if f("ssn_dashed") >= 0.5:
        _add(scores, "ssn", 0.55 + 0.3 * f("ssn_dashed") + 0.14 * ("ssn" in h))
    if "ssn" in h and f("ssn") >= 0.5:
        _add(scores, "ssn", 0.6 + 0.35 * f("ssn"))
    url = f("url")
    if url >= 0.5:
        image_share = f("image_url") / url
        if image_share >= 0.5 or "image" in h:
            _add(scores, "image", 0.55 + 0.25 * url + 0.15 * ("image" in h))
        _add(scores, "url", 0.5 + 0.3 * url + 0.15 * ("url" in h) - 0.2 * (image_share >= 0.5))
    secret_hint = "password_hash" in h or "password" in h
    if f("hash_crypt") >= 0.5:
        _add(scores, "password_hash", 0.6 + 0.35 * f("hash_crypt"))
    if f("hex_digest") >= 0.8 and st.get("distinct_lengths", 9) <= 2:
        _add(scores, "password_hash", 0.9 if secret_hint else 0.55)
    if "password_hash" in h and f("secretish") >= 0.8:
        _add(scores, "password_hash", 0.6 + 0.3 * f("secretish"))
    if "password" in h and f("secretish") >= 0.5 and f("hex_digest") < 0.5:
        _add(scores, "password", 0.55 + 0.4 * f("secretish"))
    # phone: text of digits and separators that is not a date, an SSN or a postcode
    shape = f("phone_shape") - f("date") - f("postcode_distinct") - f("ssn_dashed") - f("card")
    valid = f("phone_valid")
    if "phone" in h and shape >= 0.5:
        _add(scores, "phone", 0.5 + 0.45 * shape)
    elif shape >= 0.8 and f("phone_formatted") >= 0.5 and valid >= 0.5:
        _add(scores, "phone", 0.5 + 0.3 * valid + 0.05 * (f("phone_formatted") >= 0.9))
    post = min(1.0, f("postcode_distinct") + f("postcode_digits"))
    if "postcode" in h and post >= 0.5:
        _add(scores, "postcode", 0.55 + 0.4 * post)
    elif "postcode" in h:
        _add(scores, "postcode", 0.5)
    elif f("postcode_distinct") >= 0.8:
        _add(scores, "postcode", 0.55 + 0.2 * f("postcode_distinct"))
    if f("date") >= 0.8:
        _date_scores(f("date"), st, h, scores)
    street = f("street")
    if "street_address" in h and street >= 0.3:
        _add(scores, "street_address", 0.55 + 0.4 * min(1.0, street * 1.3))
    elif "street_address" in h and h["street_address"] >= 0.9:
        # house numbers: digits, maybe a letter
        house_numbers = f("has_digit") >= 0.9 and st["mean_length"] < 8
        _add(scores, "street_address", 0.6 + 0.25 * house_numbers)
    elif street >= 0.6:
        _add(scores, "street_address", 0.45 + 0.4 * street)
    shaped, person = f("name_shape"), f("person_name")
    hint_name = h.get("person_name", 0.0)
    if hint_name >= 0.9 and shaped >= 0.6:
        _add(scores, "person_name", 0.55 + 0.25 * shaped + 0.15 * person)
    elif hint_name > 0 and person >= 0.3:
        _add(scores, "person_name", 0.4 + 0.5 * person)
    elif person >= 0.6:
        _add(scores, "person_name", 0.3 + 0.55 * person)
    gender = f("gender_word") + f("gender_letter")
    if "gender" in h and gender >= 0.6:
        _add(scores, "gender", 0.6 + 0.35 * gender)
    elif f("gender_word") >= 0.9 and st.get("distinct_ratio", 1) <= 0.05:
        _add(scores, "gender", 0.85)
    country = f("country")
    if "country" in h:
        _add(scores, "country", 0.6 + 0.35 * country)
    elif country >= 0.9 and strong_hint == 0:
        _add(scores, "country", 0.55 + 0.2 * country)
    for hinted in ("city", "region"):
        if hinted in h:
            _add(scores, hinted, 0.55 + 0.35 * min(1.0, shaped + 0.3))
    if "username" in h:
        _add(scores, "username", 0.5 + 0.4 * f("secretish"))
    if "national_id" in h:
        _add(scores, "national_id", 0.6 + 0.3 * f("has_digit"))
    if "identifier" in h:
        _add(scores, "identifier", _id_score(h, st.get("distinct_ratio", 0.0)))
    for hinted in ("health", "religion", "income"):
        if hinted in h:
            _add(scores, hinted, 0.6 + 0.25 * h[hinted])
    text = f("free_text")
    if st.get("mean_words", 0) >= 4 and text >= 0.5:
        _add(scores, "free_text", 0.55 + 0.3 * text + 0.1 * ("free_text" in h))
    elif "free_text" in h:
        _add(scores, "free_text", 0.45)
    if "num_numbers" in st:
        _numeric_scores({k[4:]: v for k, v in st.items() if k.startswith("num_")}, p, h, scores)


def _id_score(h: dict[str, float], distinct: float) -> float:
    if h.get("identifier", 0) >= 0.75:
        return 0.7 + 0.25 * distinct
    return 0.45 + 0.35 * distinct


def _date_scores(
    share: float, st: dict[str, float], h: dict[str, float], scores: dict[str, float]
) -> None:
    birth_like = st.get("birth_like", 0.0) > 0
    if "date_of_birth" in h:
        _add(scores, "date_of_birth", 0.6 + 0.35 * share - 0.15 * (not birth_like))
    elif "age" in h and birth_like:
        _add(scores, "date_of_birth", 0.75)
    elif birth_like:
        _add(scores, "date_of_birth", 0.62 + 0.1 * ("date" not in h))
        _add(scores, "date", 0.55 + 0.1 * ("date" in h))
    else:
        _add(scores, "date", 0.6 + 0.3 * share + 0.05 * ("date" in h))


def _numeric_scores(
    st: dict[str, float], p: values.ValueProfile, h: dict[str, float], scores: dict[str, float]
) -> None:
    if not st.get("numbers"):
        return
    integral = st.get("integral_share", 0.0) >= 0.99
    distinct = st.get("distinct_ratio", 0.0)
    if "latitude" in h and st.get("lat_range", 0) >= 0.99:
        _add(scores, "latitude", 0.65 + 0.3 * st.get("decimals3_share", 0))
    if "longitude" in h and st.get("lon_range", 0) >= 0.99:
        _add(scores, "longitude", 0.65 + 0.3 * st.get("decimals3_share", 0))
    if "age" in h and st.get("age_range", 0) >= 0.95:
        _add(scores, "age", 0.9)
    if "postcode" in h and integral and st.get("min", -1) >= 0 and st.get("max", 1e9) < 1e6:
        _add(scores, "postcode", 0.85)
    if "phone" in h and integral and p.frac("phone_shape") >= 0.8:
        _add(scores, "phone", 0.8)
    if "credit_card" in h and p.frac("luhn") >= 0.8:
        _add(scores, "credit_card", 0.9)
    elif p.frac("card") >= 0.9:
        _add(scores, "credit_card", 0.8)
    if "ssn" in h and p.frac("ssn") >= 0.5:
        _add(scores, "ssn", 0.85)
    if h.get("street_address", 0) >= 0.9 and integral:
        _add(scores, "street_address", 0.85)
    if "national_id" in h and integral:
        _add(scores, "national_id", 0.8)
    if "identifier" in h and integral:
        _add(scores, "identifier", _id_score(h, distinct))
    for hinted in ("income", "health", "religion"):
        if hinted in h:
            _add(scores, hinted, 0.85)
    if "date_of_birth" in h and integral and st.get("min", 0) >= 1890 and st.get("max", 0) <= 2030:
        _add(scores, "date_of_birth", 0.75)


def _qualified_by_thing(name: str) -> bool:
    """A generic id word (``id``, ``no``) next to a word that is not a kind of person."""
    words = [t for t in names.tokenize(name) if not t.isdigit()]
    others = [t for t in words if t not in _GENERIC_ID]
    return bool(others) and not any(t in PERSON_QUALIFIERS for t in others)


def _hint_evidence(found: tuple[Hint, ...]) -> list[dict[str, Any]]:
    return [{"phrase": x.phrase, "entity": x.entity, "strength": x.strength} for x in found]


def classify_column(name: str, prof: values.ValueProfile) -> _Verdict:
    """The entity type of one column from its name and its value profile."""
    found = names.hints(name)
    h = names.hint_strengths(found)
    best = names.best_hint(found)
    kind = prof.kind
    if kind == "nested":
        return _Verdict("unknown", 0.5, "nested values (struct, list or map): flatten first")
    if kind == "binary":
        if best is not None and best.entity in ("image", "password_hash", "password"):
            return _Verdict(best.entity, 0.7, "binary values; name hint only")
        return _Verdict("unknown", 0.5, "binary values")
    if prof.sampled == 0:
        if best is not None and best.entity != "none" and best.strength >= 0.8:
            return _Verdict(best.entity, 0.4, "no values in the sample; name hint only")
        return _Verdict("unknown", 0.3, "no values in the sample")
    scores: dict[str, float] = {}
    if kind == "string":
        _string_scores(prof, h, scores)
    elif kind in ("integer", "float"):
        _numeric_scores(prof.stats, prof, h, scores)
    elif kind == "temporal":
        _date_scores(1.0, prof.stats, h, scores)
    elif kind == "boolean":
        for hinted in ("health", "religion"):
            if hinted in h:
                _add(scores, hinted, 0.7)
    if "none" in h and best is not None and best.entity == "none":
        # a non-personal name: values must be clearly personal to overrule it
        scores = {k: v - 0.15 for k, v in scores.items() if v - 0.15 >= 0.75}
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < 0.5:
        top = ranked[0][1] if ranked else 0.0
        why = "name says non-personal" if best is not None and best.entity == "none" else ""
        return _Verdict("none", round(0.9 - 0.5 * top, 3), why, alternatives=tuple(ranked[:2]))
    entity, score = ranked[0]
    conflicting = len(ranked) > 1 and ranked[1][1] >= 0.6 and ranked[1][1] >= score - 0.08
    generic_id = entity == "identifier" and h.get("identifier", 0) < 0.75 and "username" not in h
    if generic_id and "identifier" in h and _qualified_by_thing(name):
        return _Verdict("none", 0.7, "the id of a thing, not of a person", False, tuple(ranked[:2]))
    return _Verdict(entity, score, "", conflicting, tuple(ranked[1:3]), generic_id)


# --- the table -----------------------------------------------------------------------------


def _pairs(cols: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Latitude/longitude columns paired by the rest of their names (or the only pair)."""
    lats = [c for c, e in cols.items() if e == "latitude"]
    lons = [c for c, e in cols.items() if e == "longitude"]

    def stem(name: str, entity: str) -> tuple[str, ...]:
        return tuple(
            t
            for t in names.tokenize(name)
            if t not in {w for p in _stems(entity) for w in p.split()}
        )

    out: dict[str, tuple[str, str]] = {}
    for lat in lats:
        match = [lon for lon in lons if stem(lon, "longitude") == stem(lat, "latitude")]
        if not match and len(lats) == 1 and len(lons) == 1:
            match = lons
        if len(match) == 1:
            out[lat] = out[match[0]] = (lat, match[0])
    return out


def _stems(entity: str) -> list[str]:
    from veil.detect.vocab import VOCAB

    return list(VOCAB[entity])


def scan_table(
    table_or_batches: Any,
    sample_rows: int = 10_000,
    seed: int = 0,
    *,
    now: datetime | None = None,
) -> ScanReport:
    """Classify every column of a table, record batch, reader or iterable of batches.

    ``sample_rows``: at most this many rows are looked at (a deterministic uniform sample,
    see the module docstring). ``now``: the date ages are measured at (default: now, UTC).
    """
    sample_rows = max(1, int(sample_rows))
    checked: datetime = now or datetime.now(UTC)
    sample, total = sample_table(table_or_batches, sample_rows, seed)

    def _one(i: int) -> tuple[_Verdict, values.ValueProfile]:
        column = sample.column(i)
        array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
        try:
            prof = profile_column(array, checked)
            return classify_column(sample.schema.field(i).name, prof), prof
        except (pa.ArrowException, ValueError, TypeError, OverflowError) as exc:
            prof = values.ValueProfile(kind=_kind(array.type), sampled=len(array))
            return _Verdict("unknown", 0.3, f"could not profile ({type(exc).__name__})"), prof

    # columns are independent; Arrow compute releases the GIL, so threads use the cores
    workers = max(1, min(4, os.cpu_count() or 1, sample.num_columns))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(_one, range(sample.num_columns)))
    # a list, not a dict: a table may hold two columns of the same name
    verdicts = [(f.name, v, p, f) for f, (v, p) in zip(sample.schema, results, strict=True)]
    direct = [i for i, (_, v, _, _) in enumerate(verdicts)
              if v.entity in ent.DIRECT_TYPES and not v.generic_id]  # fmt: skip
    for i, (_, v, _, _) in enumerate(verdicts):
        if v.generic_id and not [j for j in direct if j != i]:
            v.entity, v.confidence = "none", 0.6
            v.reason = "id-like, but the table holds no other personal identifier"
    pairs = _pairs({n: v.entity for n, v, _, _ in verdicts})
    reports = []
    for i, (n, v, prof, fld) in enumerate(verdicts):
        iso = prof.kind == "string" and prof.frac("date") >= 0.8 and _iso_share(sample, i) >= 0.99
        info = ent.ENTITIES[v.entity]
        reports.append(
            ColumnReport(
                column=n,
                arrow_type=str(fld.type),
                entity=v.entity,
                confidence=round(float(v.confidence), 3),
                category=info.category,
                sensitivity=info.sensitivity,
                operator=ent.suggest_operator(v.entity, fld.type, iso_dates=iso, pair=pairs.get(n)),
                evidence=_evidence(n, prof),
                reason=v.reason,
                conflicting=v.conflicting,
                alternatives=tuple((e, round(float(s), 3)) for e, s in v.alternatives),
            )
        )
    return ScanReport(
        columns=tuple(reports),
        schema=sample.schema,
        rows_total=total,
        rows_sampled=sample.num_rows,
        sample_rows=sample_rows,
        seed=seed,
        subject_id=_subject(reports),
        scanned_at=checked.isoformat(),
    )


def _iso_share(sample: pa.Table, index: int) -> float:
    col = sample.column(index).drop_null()
    if len(col) == 0:
        return 0.0
    col = pc.cast(col, pa.string())
    return pc.sum(pc.match_substring_regex(col, _ISO_DATE)).as_py() / len(col)


_SAFE_STATS = (
    "distinct_ratio", "mean_length", "mean_words", "integral_share", "decimals3_share",
    "lat_range", "lon_range", "age_range", "age_median", "age_spread", "future_share",
    "birth_like", "increasing_share",
)  # fmt: skip


def _evidence(name: str, prof: values.ValueProfile) -> dict[str, Any]:
    """Counts, shares and hints: aggregates that cannot reproduce a value (no min/max)."""
    stats = {k: round(float(v), 3) for k, v in prof.stats.items() if k in _SAFE_STATS}
    return {
        "kind": prof.kind,
        "sampled": prof.sampled,
        "nulls": prof.nulls,
        "matched": {k: int(v) for k, v in sorted(prof.matched.items()) if v},
        "hints": _hint_evidence(names.hints(name)),
        "stats": stats,
    }


def _subject(reports: list[ColumnReport]) -> str | None:
    """The column that best identifies the subject: an id column, else the e-mail."""
    ids = [r for r in reports if r.entity == "identifier"]
    if ids:
        best = max(ids, key=lambda r: (r.evidence["stats"].get("distinct_ratio", 0), r.confidence))
        return best.column
    emails = [r for r in reports if r.entity == "email"]
    return emails[0].column if emails else None
