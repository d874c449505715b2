"""The entity types a column can hold: category, sensitivity, and the operator veil suggests.

Categories: ``direct identifier`` (identifies a person alone: e-mail, phone, name, account
id…), ``quasi-identifier`` (identifies in combination: birth date, postcode, gender,
coordinates…), ``sensitive attribute`` (harmful if linked to a person: health, religion,
income, secrets, free text), ``non-personal``, and ``unknown`` (not classifiable: nested or
binary values, no values at all).

Sensitivity levels: 0 none, 1 low, 2 moderate, 3 high, 4 critical.

The suggested operator is one of veil's built-ins with parameters valid for the column's
Arrow type (``age_band`` needs a date or timestamp, ``geo_fuzz`` a latitude/longitude pair);
when the type does not allow the natural operator, a safe one (``drop``) is suggested.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

DIRECT = "direct identifier"
QUASI = "quasi-identifier"
SENSITIVE = "sensitive attribute"
NON_PERSONAL = "non-personal"
UNKNOWN = "unknown"

LEVELS = ("none", "low", "moderate", "high", "critical")
AGE_EDGES = [18, 31, 41, 51, 61, 71, 81, 91]
INCOME_EDGES = [0, 20000, 40000, 60000, 80000, 100000, 150000]


@dataclass(frozen=True)
class Entity:
    name: str
    category: str
    sensitivity: int
    description: str


_ENTITIES = (
    Entity("email", DIRECT, 3, "e-mail address"),
    Entity("phone", DIRECT, 3, "phone or fax number"),
    Entity("person_name", DIRECT, 3, "given, family or full name of a person"),
    Entity("street_address", DIRECT, 3, "street, house number or full address line"),
    Entity("identifier", DIRECT, 2, "a person's account, customer or user id"),
    Entity("username", DIRECT, 3, "login name, handle or nickname"),
    Entity("national_id", DIRECT, 4, "national id, tax, passport or licence number"),
    Entity("ssn", DIRECT, 4, "US social security number"),
    Entity("credit_card", DIRECT, 4, "payment card number (Luhn-valid)"),
    Entity("iban", DIRECT, 4, "bank account number (IBAN, mod-97 valid)"),
    Entity("ip_address", DIRECT, 2, "IPv4 or IPv6 address"),
    Entity("mac_address", DIRECT, 2, "network hardware (MAC) address"),
    Entity("url", DIRECT, 2, "personal web address or profile link"),
    Entity("image", DIRECT, 3, "picture of a person (URL or bytes)"),
    Entity("date_of_birth", QUASI, 3, "birth date"),
    Entity("age", QUASI, 2, "age in years"),
    Entity("gender", QUASI, 1, "gender, sex or salutation"),
    Entity("postcode", QUASI, 2, "postal code"),
    Entity("city", QUASI, 1, "city or town"),
    Entity("region", QUASI, 1, "state, region or province"),
    Entity("country", QUASI, 1, "country or nationality"),
    Entity("latitude", QUASI, 3, "latitude of a precise location"),
    Entity("longitude", QUASI, 3, "longitude of a precise location"),
    Entity("date", QUASI, 1, "date or time of an event about a person"),
    Entity("password", SENSITIVE, 4, "clear-text password or PIN"),
    Entity("password_hash", SENSITIVE, 4, "password hash, salt, token or key"),
    Entity("health", SENSITIVE, 4, "health data (diagnosis, blood type, medication)"),
    Entity("religion", SENSITIVE, 4, "religious belief"),
    Entity("income", SENSITIVE, 2, "salary or income"),
    Entity("free_text", SENSITIVE, 2, "free text that may mention anything"),
    Entity("none", NON_PERSONAL, 0, "not personal data"),
    Entity("unknown", UNKNOWN, 2, "could not be classified"),
)

ENTITIES: dict[str, Entity] = {e.name: e for e in _ENTITIES}
PERSONAL = frozenset(n for n in ENTITIES if n not in ("none", "unknown"))
DIRECT_TYPES = frozenset(n for n, e in ENTITIES.items() if e.category == DIRECT)


def _temporal(typ: pa.DataType) -> bool:
    return pa.types.is_timestamp(typ) or pa.types.is_date(typ)


def _numeric(typ: pa.DataType) -> bool:
    return pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_decimal(typ)


def _textual(typ: pa.DataType) -> bool:
    return pa.types.is_string(typ) or pa.types.is_large_string(typ)


def suggest_operator(
    entity: str,
    typ: pa.DataType,
    *,
    iso_dates: bool = False,
    pair: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The operator (``{"op": …, params}``) veil suggests for a column of this entity type.

    ``iso_dates``: text dates start with the year (``prefix`` can keep it). ``pair``: the
    (latitude, longitude) input columns when the column is one of a pair.
    """
    if pa.types.is_dictionary(typ):
        typ = typ.value_type
    nested = pa.types.is_nested(typ) or pa.types.is_union(typ)
    if entity in ("none",) and not nested:
        return {"op": "keep"}
    if entity in ("gender", "city", "region", "country"):
        return {"op": "keep"}
    if entity == "email":
        return {"op": "hash", "normalize": "trim_lower", "domain": "email"}
    if entity == "identifier":
        return {"op": "hash", "domain": "subject"}
    if entity in ("username", "ip_address", "mac_address"):
        return {"op": "hash", "domain": entity}
    if entity == "phone":
        return {"op": "mask", "kind": "phone", "keep_last": 2}
    if entity == "credit_card" and not nested:
        return {"op": "mask", "keep_last": 4}
    if entity == "iban" and not nested:
        return {"op": "mask", "keep_first": 2, "keep_last": 2}
    if entity == "postcode" and (_textual(typ) or pa.types.is_integer(typ)):
        return {"op": "generalize", "method": "prefix", "keep": 2}
    if entity == "date_of_birth":
        if _temporal(typ):
            return {"op": "generalize", "method": "age_band", "edges": AGE_EDGES}
        if _textual(typ) and iso_dates:
            return {"op": "generalize", "method": "prefix", "keep": 4, "pad": ""}
        return {"op": "drop"}
    if entity == "date":
        if _temporal(typ):
            return {"op": "generalize", "method": "date_trunc", "unit": "month"}
        if _textual(typ) and iso_dates:
            return {"op": "generalize", "method": "prefix", "keep": 7, "pad": ""}
        return {"op": "drop"}
    if entity == "age" and _numeric(typ):
        return {"op": "generalize", "method": "bins", "edges": AGE_EDGES}
    if entity == "income" and _numeric(typ):
        return {"op": "generalize", "method": "bins", "edges": INCOME_EDGES}
    if entity in ("latitude", "longitude") and pair is not None and _numeric(typ):
        return {
            "op": "geo_fuzz",
            "latitude": pair[0],
            "longitude": pair[1],
            "part": entity,
            "radius_m": 2000,
        }
    return {"op": "drop"}
