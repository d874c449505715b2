"""The synthetic source: exact schemas, determinism, filters, realistic and valid values."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import jsonschema
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.errors import ConfigError
from veil.sources import _synthetic_data as data
from veil.sources import make_source
from veil.sources.base import Source
from veil.sources.shapes import FAKERAPI, RANDOMUSER
from veil.sources.synthetic import CHUNK_ROWS, SyntheticSource, model, slug

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)
SAMPLE = 20_000


def _table(**options: Any) -> pa.Table:
    source = SyntheticSource(**options)
    return pa.Table.from_batches(list(source.batches()), schema=source.schema)


@pytest.fixture(scope="module")
def users() -> list[dict[str, Any]]:
    return _table(persons=SAMPLE, seed=7).to_pylist()


@pytest.fixture(scope="module")
def persons() -> list[dict[str, Any]]:
    return _table(shape="fakerapi", persons=5_000, seed=7).to_pylist()


# --- schema, protocol, determinism -----------------------------------------------------------


@pytest.mark.parametrize(("shape", "schema"), [("randomuser", RANDOMUSER), ("fakerapi", FAKERAPI)])
def test_batches_have_exactly_the_shape_schema(shape: str, schema: pa.Schema) -> None:
    source = SyntheticSource(shape=shape, persons=1_500, batch_rows=1_000)
    batches = list(source.batches())
    assert [b.num_rows for b in batches] == [1_000, 500]
    for batch in batches:
        assert batch.schema.equals(schema, check_metadata=True)
    assert source.schema.equals(schema, check_metadata=True)


def test_source_protocol_fingerprint_and_registry() -> None:
    source = make_source("synthetic", shape="randomuser", persons=10, seed=3, nat=["de", "FR"])
    assert isinstance(source, Source) and isinstance(source, SyntheticSource)
    assert source.expected_rows() == 10 and source.quarantine.count == 0
    assert source.fingerprint() == {
        "source": "synthetic",
        "shape": "randomuser",
        "persons": 10,
        "seed": 3,
        "gender": None,
        "nat": ["DE", "FR"],
        "locale": None,
        "as_of": "2026-01-01T00:00:00+00:00",
    }
    json.dumps(source.fingerprint())


def test_zero_persons_yield_nothing() -> None:
    assert list(SyntheticSource(persons=0).batches()) == []


@pytest.mark.parametrize("shape", ["randomuser", "fakerapi"])
def test_same_seed_same_users_and_other_seed_other_users(shape: str) -> None:
    first, again = (
        _table(shape=shape, persons=3_000, seed=11),
        _table(shape=shape, persons=3_000, seed=11),
    )
    other = _table(shape=shape, persons=3_000, seed=12)
    assert first.equals(again)
    assert first.column("email").to_pylist() != other.column("email").to_pylist()


def test_fewer_persons_give_a_prefix_of_more() -> None:
    big = _table(persons=2 * CHUNK_ROWS + 345, seed=5)
    for persons in (1, 17, CHUNK_ROWS, CHUNK_ROWS + 1):
        assert _table(persons=persons, seed=5).equals(big.slice(0, persons))


@pytest.mark.parametrize("batch_rows", [1_000, 3_333, CHUNK_ROWS, 50_000])
def test_users_do_not_depend_on_batch_rows(batch_rows: int) -> None:
    persons = CHUNK_ROWS + 2_345
    source = SyntheticSource(persons=persons, seed=9, batch_rows=batch_rows)
    seen: list[int] = []
    batches = list(source.batches(progress=seen.append))
    assert all(b.num_rows == batch_rows for b in batches[:-1])
    assert 0 < batches[-1].num_rows <= batch_rows
    assert sum(seen) == persons and seen == [b.num_rows for b in batches]
    reference = _table(persons=persons, seed=9, batch_rows=persons)
    assert pa.Table.from_batches(batches).equals(reference)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**63),
    persons=st.integers(0, 3_000),
    batch_rows=st.integers(1, 4_000),
    shape=st.sampled_from(["randomuser", "fakerapi"]),
)
def test_any_split_gives_bounded_batches_of_the_same_users(
    seed: int, persons: int, batch_rows: int, shape: str
) -> None:
    source = SyntheticSource(shape=shape, persons=persons, seed=seed, batch_rows=batch_rows)
    batches = list(source.batches())
    assert all(0 < b.num_rows <= batch_rows for b in batches)
    assert sum(b.num_rows for b in batches) == persons
    whole = _table(shape=shape, persons=persons, seed=seed, batch_rows=max(persons, 1))
    assert pa.Table.from_batches(batches, schema=source.schema).equals(whole)


def test_nat_order_does_not_matter() -> None:
    assert _table(persons=500, nat=["FR", "DE"]).equals(_table(persons=500, nat=["DE", "fr"]))


# --- filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["randomuser", "fakerapi"])
@pytest.mark.parametrize("gender", ["male", "female"])
def test_gender_is_honoured(shape: str, gender: str) -> None:
    rows = _table(shape=shape, persons=2_000, gender=gender).to_pylist()
    assert {r["gender"] for r in rows} == {gender}
    if shape == "randomuser":
        titles = {
            "male": {"Mr", "Monsieur"},
            "female": {"Ms", "Mrs", "Miss", "Madame", "Mademoiselle"},
        }[gender]
        assert {r["name_title"] for r in rows} <= titles


def test_gender_is_about_half_each(users: list[dict]) -> None:
    share = sum(r["gender"] == "female" for r in users) / len(users)
    assert 0.47 < share < 0.53


@pytest.mark.parametrize("nat", [["DE"], ["fr", "CH"], "NL,NO"])
def test_nat_is_honoured(nat: list[str] | str) -> None:
    codes = {c.strip().upper() for c in (nat.split(",") if isinstance(nat, str) else nat)}
    rows = _table(persons=1_500, nat=nat).to_pylist()
    assert {r["nat"] for r in rows} == codes
    names = {c.code: c.name for c in data.COUNTRIES}
    assert all(r["location_country"] == names[r["nat"]] for r in rows)


@pytest.mark.parametrize(
    ("locale", "country", "code", "phone_prefix", "street"),
    [
        ("en_US", "United States", "US", "+1", "{n} {s}"),
        ("en_GB", "United Kingdom", "GB", "+44", "{n} {s}"),
        ("de_DE", "Deutschland", "DE", "+49", "{s} {n}"),
        ("fr_FR", "France", "FR", "+33", "{n}, {s}"),
        ("es_ES", "España", "ES", "+34", "{s}, {n}"),
        ("it_IT", "Italia", "IT", "+39", "{s} {n}"),
        ("nl_NL", "Nederland", "NL", "+31", "{s} {n}"),
        ("pt_BR", "Brasil", "BR", "+55", "{s}, {n}"),
    ],
)
def test_locale_is_honoured(
    locale: str, country: str, code: str, phone_prefix: str, street: str
) -> None:
    rows = _table(shape="fakerapi", persons=400, locale=locale).to_pylist()
    assert {(r["address_country"], r["address_country_code"]) for r in rows} == {(country, code)}
    for r in rows:
        assert r["phone"].startswith(phone_prefix) and re.fullmatch(r"\+\d{10,13}", r["phone"])
        assert r["address_street"] == street.format(
            n=r["address_building_number"], s=r["address_street_name"]
        )


def test_no_locale_gives_a_realistic_mix(persons: list[dict]) -> None:
    codes = Counter(r["address_country_code"] for r in persons)
    assert len(codes) >= 12
    assert codes.most_common(1)[0][0] == "US"
    assert codes["US"] / len(persons) < 0.4


# --- people ----------------------------------------------------------------------------------


def _age(born: datetime, at: datetime) -> int:
    years = at.year - born.year
    try:
        anniversary = born.replace(year=at.year)
    except ValueError:
        anniversary = born.replace(year=at.year, day=28)
    return years - (anniversary > at)


def test_ages_and_registration(users: list[dict]) -> None:
    for r in users[:3_000]:
        assert 18 <= r["dob_age"] <= 90
        assert r["dob_age"] == _age(r["dob_date"], AS_OF)
        assert AS_OF - timedelta(days=366 * 20) < r["registered_date"] < AS_OF
        assert r["registered_age"] == _age(r["registered_date"], AS_OF)
        assert _age(r["dob_date"], r["registered_date"]) >= 18
    ages = Counter(r["dob_age"] for r in users)
    assert min(ages) == 18 and max(ages) == 90
    assert 0.10 < sum(n for a, n in ages.items() if a > 60) / len(users) < 0.35


def test_as_of_moves_the_ages() -> None:
    as_of = datetime(2000, 2, 29, 12, tzinfo=UTC)
    for r in _table(persons=2_000, as_of=as_of).to_pylist():
        assert 18 <= r["dob_age"] == _age(r["dob_date"], as_of) <= 90
        assert r["registered_date"] < as_of


def test_fakerapi_birthdays_are_adult_midnights(persons: list[dict]) -> None:
    for r in persons:
        born = r["birthday"]
        assert (born.hour, born.minute, born.second, born.microsecond) == (0, 0, 0, 0)
        assert 18 <= _age(born, AS_OF) <= 90


def test_fakerapi_ids_count_within_pages_of_1000() -> None:
    table = _table(shape="fakerapi", persons=2_500, batch_rows=700)
    assert table.column("id").to_pylist() == [*range(1, 1001), *range(1, 1001), *range(1, 501)]
    rows = table.slice(0, 200).to_pylist()
    assert {r["address_id"] for r in rows} == {1}
    assert {r["image"] for r in rows} == {"http://placeimg.com/640/480/people"}
    assert all(re.fullmatch(r"http://[a-z0-9-]+\.[a-z.]+", r["website"]) for r in rows)


def test_nationalities_have_plausible_shares(users: list[dict]) -> None:
    shares = {nat: n / len(users) for nat, n in Counter(r["nat"] for r in users).items()}
    assert set(shares) == set(data.NATS)
    assert max(shares, key=shares.__getitem__) == "US"
    assert 0.10 < shares["US"] < 0.25
    assert min(shares["DE"], shares["FR"], shares["GB"], shares["BR"], shares["IN"]) > 3 * max(
        shares["NZ"], shares["DK"], shares["IE"]
    )


def _cities() -> dict[tuple[str, str], tuple[str, float, float]]:
    out = {}
    for country in data.COUNTRIES:
        for line in country.cities.strip().splitlines():
            city, state, lat, lon, *_ = line.strip().split("|")
            out[country.name, city] = (state, float(lat), float(lon))
    return out


def test_city_state_and_coordinates_belong_together(users: list[dict]) -> None:
    cities = _cities()
    assert all(15 <= sum(1 for k in cities if k[0] == c.name) <= 40 for c in data.COUNTRIES)
    for r in users:
        state, lat, lon = cities[r["location_country"], r["location_city"]]
        assert r["location_state"] == state
        assert abs(r["location_coordinates_latitude"] - lat) < 0.2
        assert abs(r["location_coordinates_longitude"] - lon) < 0.4
        assert data.TIMEZONES[r["location_timezone_offset"]] == r["location_timezone_description"]
    berlin = [r for r in users if r["location_city"] == "Berlin"]
    assert berlin and {r["location_timezone_offset"] for r in berlin} == {"+1:00"}


POSTCODES = {
    "AU": r"\d{4}",
    "BR": r"\d{5}-\d{3}",
    "CA": r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] \d[ABCEGHJ-NPRSTV-Z]\d",
    "CH": r"[1-9]\d{3}",
    "DE": r"\d{5}",
    "DK": r"[1-9]\d{3}",
    "ES": r"(0[1-9]|[1-4]\d|5[0-2])\d{3}",
    "FI": r"\d{5}",
    "FR": r"\d{5}",
    "GB": r"[A-Z]{1,2}\d[A-Z\d]? \d[ABD-HJLNP-UW-Z]{2}",
    "IE": r"[AC-FHKNPRTV-Y]\d{2} [0-9AC-FHKNPRTV-Y]{4}",
    "IN": r"[1-8]\d{5}",
    "IR": r"\d{10}",
    "MX": r"\d{5}",
    "NL": r"[1-9]\d{3} [A-Z]{2}",
    "NO": r"\d{4}",
    "NZ": r"\d{4}",
    "RS": r"\d{5}",
    "TR": r"(0[1-9]|[1-7]\d|8[01])\d{3}",
    "UA": r"\d{5}",
    "US": r"\d{5}",
}


def test_postcodes_follow_the_national_format(users: list[dict]) -> None:
    assert set(POSTCODES) == set(data.NATS)
    for r in users:
        assert re.fullmatch(POSTCODES[r["nat"]], r["location_postcode"]), r["nat"]


PHONES = {
    "US": (r"\(\d{3}\) \d{3}-\d{4}", r"\(\d{3}\) \d{3}-\d{4}"),
    "DE": (r"0\d{2,4}-\d{6,8}", r"01[567]\d-\d{7,8}"),
    "FR": (r"0[1-5](-\d{2}){4}", r"0[67](-\d{2}){4}"),
    "GB": (r"0\d{2,4} \d{3,6}( \d{4})?", r"07\d{3} \d{6}"),
    "NL": (r"\(0\d{2,3}\) \d{6,7}", r"\(06\) \d{8}"),
    "DK": (r"\d{8}", r"\d{8}"),
}


@pytest.mark.parametrize("nat", sorted(PHONES))
def test_phone_numbers_follow_the_national_format(users: list[dict], nat: str) -> None:
    phone, cell = PHONES[nat]
    rows = [r for r in users if r["nat"] == nat]
    assert rows
    for r in rows:
        assert re.fullmatch(phone, r["phone"]) and re.fullmatch(cell, r["cell"])


# --- national ids: independent validators -----------------------------------------------------


def _digits(text: str) -> list[int]:
    return [int(c) for c in text if c.isdigit()]


def _luhn(text: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(_digits(text))):
        total += (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d
    return total % 10 == 0


def _cpf(text: str) -> bool:
    d = _digits(text)
    first = sum(x * w for x, w in zip(d[:9], range(10, 1, -1), strict=True)) * 10 % 11 % 10
    second = sum(x * w for x, w in zip(d[:10], range(11, 1, -1), strict=True)) * 10 % 11 % 10
    return d[9:] == [first, second]


def _ean13(text: str) -> bool:
    d = _digits(text)
    return sum(x * (3 if i % 2 else 1) for i, x in enumerate(d)) % 10 == 0


def _bsn(text: str) -> bool:
    d = _digits(text)
    return (sum(x * w for x, w in zip(d[:8], range(9, 1, -1), strict=True)) - d[8]) % 11 == 0


def _tfn(text: str) -> bool:
    weights = (1, 4, 3, 7, 5, 8, 6, 9, 10)
    return sum(x * w for x, w in zip(_digits(text), weights, strict=True)) % 11 == 0


_VD = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
_VP = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]


def _verhoeff(text: str) -> bool:
    check = 0
    for i, d in enumerate(reversed(_digits(text))):
        check = _VD[check][_VP[i % 8][d]]
    return check == 0 and text[0] not in "01"


def _dob(r: dict) -> str:
    return r["dob_date"].strftime("%d%m%y")


def _insee(v: str, r: dict) -> bool:
    sex = "1" if r["gender"] == "male" else "2"
    return (
        v[0] == sex
        and v[1:5] == r["dob_date"].strftime("%y%m")
        and int(v[14:]) == 97 - int(v[:13]) % 97
    )


def _hetu(v: str, r: dict) -> bool:
    century = "-" if r["dob_date"].year < 2000 else "A"
    number = int(v[:6] + v[7:10])
    return (
        v[:6] == _dob(r)
        and v[6] == century
        and 2 <= int(v[7:10]) <= 899
        and v[10] == "0123456789ABCDEFHJKLMNPRSTUVWXY"[number % 31]
    )


def _fnr(v: str, r: dict) -> bool:
    d = _digits(v)
    k1 = (11 - sum(x * w for x, w in zip(d, (3, 7, 6, 1, 8, 9, 4, 5, 2), strict=False)) % 11) % 11
    k2 = (
        11 - sum(x * w for x, w in zip(d, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=False)) % 11
    ) % 11
    return v[:6] == _dob(r) and d[9:] == [k1, k2]


def _svnr(v: str, r: dict) -> bool:
    area, born, letter, rest = v.split(" ")
    serial = int(rest[:2])
    seq = [*_digits(area + born), *divmod(ord(letter) - 64, 10), *_digits(rest[:2])]
    products = [x * w for x, w in zip(seq, (2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1), strict=True)]
    return (
        born == _dob(r)
        and letter == slug(r["name_last"])[0].upper()
        and (serial >= 50) == (r["gender"] == "female")
        and sum(p // 10 + p % 10 for p in products) % 10 == int(rest[2])
    )


IDS: dict[str, tuple[str, Any]] = {
    "AU": ("TFN", lambda v, r: re.fullmatch(r"\d{9}", v) and _tfn(v)),
    "BR": ("CPF", lambda v, r: re.fullmatch(r"\d{3}\.\d{3}\.\d{3}-\d{2}", v) and _cpf(v)),
    "CA": ("SIN", lambda v, r: re.fullmatch(r"[1-9]\d{8}", v) and _luhn(v)),
    "CH": ("AVS", lambda v, r: re.fullmatch(r"756\.\d{4}\.\d{4}\.\d{2}", v) and _ean13(v)),
    "DE": ("SVNR", lambda v, r: re.fullmatch(r"\d{2} \d{6} [A-Z] \d{3}", v) and _svnr(v, r)),
    "DK": ("CPR", lambda v, r: re.fullmatch(r"\d{6}-\d{4}", v) and v[:6] == _dob(r)),
    "ES": (
        "DNI",
        lambda v, r: (
            re.fullmatch(r"\d{8}-[A-Z]", v) and v[9] == "TRWAGMYFPDXBNJZSQVHLCKE"[int(v[:8]) % 23]
        ),
    ),
    "FI": ("HETU", lambda v, r: re.fullmatch(r"\d{6}[-A]\d{3}[0-9A-Y]", v) and _hetu(v, r)),
    "FR": ("INSEE", lambda v, r: re.fullmatch(r"[12]\d{12} \d{2}", v) and _insee(v, r)),
    "GB": (
        "NINO",
        lambda v, r: re.fullmatch(
            r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] \d{2} \d{2} \d{2} [A-D]",
            v,
        ),
    ),
    "IE": (
        "PPS",
        lambda v, r: (
            re.fullmatch(r"\d{7}[A-W]", v)
            and v[7]
            == "WABCDEFGHIJKLMNOPQRSTUV"[
                sum(int(c) * w for c, w in zip(v[:7], range(8, 1, -1), strict=True)) % 23
            ]
        ),
    ),
    "IN": ("UIDAI", lambda v, r: re.fullmatch(r"\d{12}", v) and _verhoeff(v)),
    "MX": ("NSS", lambda v, r: re.fullmatch(r"\d{2} \d{2} \d{2} \d{4} \d", v) and _luhn(v)),
    "NL": ("BSN", lambda v, r: re.fullmatch(r"\d{9}", v) and _bsn(v)),
    "NO": ("FN", lambda v, r: re.fullmatch(r"\d{11}", v) and _fnr(v, r)),
    "RS": ("SID", lambda v, r: re.fullmatch(r"\d{9}", v)),
    "US": (
        "SSN",
        lambda v, r: re.fullmatch(r"(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}", v),
    ),
}


@pytest.mark.parametrize("nat", data.NATS)
def test_national_ids_are_valid(users: list[dict], nat: str) -> None:
    rows = [r for r in users if r["nat"] == nat]
    assert rows
    if nat not in IDS:  # randomuser has no id for these
        assert {(r["id_name"], r["id_value"]) for r in rows} == {("", None)}
        return
    name, valid = IDS[nat]
    for r in rows:
        assert r["id_name"] == name
        assert valid(r["id_value"], r), (nat, r["id_value"])


# --- e-mail and login ------------------------------------------------------------------------

EMAIL = re.compile(r"[a-z0-9]+([._-][a-z0-9]+)*@[a-z0-9]+([.-][a-z0-9]+)*\.[a-z]{2,}")


def test_emails_are_valid_mostly_unique_and_made_from_the_name(users: list[dict]) -> None:
    emails = [r["email"] for r in users]
    assert all(EMAIL.fullmatch(e) for e in emails)
    assert len(set(emails)) / len(emails) > 0.97
    for r in users[:2_000]:
        local = r["email"].split("@")[0]
        assert slug(r["name_last"]) in local or slug(r["name_first"]) in local


def _domains(users: list[dict], nat: str) -> Counter[str]:
    return Counter(r["email"].split("@")[1] for r in users if r["nat"] == nat)


@pytest.mark.parametrize(
    ("nat", "locals_"),
    [
        ("DE", {"web.de", "gmx.de", "t-online.de"}),
        ("FR", {"orange.fr", "free.fr", "laposte.net", "sfr.fr"}),
        ("CH", {"bluewin.ch", "gmx.ch"}),
        ("GB", {"btinternet.com"}),
        ("NL", {"ziggo.nl", "kpnmail.nl"}),
        ("BR", {"uol.com.br", "bol.com.br"}),
        ("IN", {"yahoo.co.in", "rediffmail.com"}),
        ("UA", {"ukr.net"}),
    ],
)
def test_email_providers_have_national_shares(
    users: list[dict], nat: str, locals_: set[str]
) -> None:
    domains = _domains(users, nat)
    total = sum(domains.values())
    assert 0.20 < domains["gmail.com"] / total < 0.75
    assert domains.most_common(1)[0][0] == "gmail.com"
    assert locals_ <= set(domains)


def test_local_providers_stay_at_home(users: list[dict]) -> None:
    elsewhere = Counter(
        r["nat"] for r in users if r["email"].endswith(("@orange.fr", "@web.de", "@ukr.net"))
    )
    assert set(elsewhere) == {"FR", "DE", "UA"}
    de = _domains(users, "DE")
    assert 0.20 < de["gmail.com"] / sum(de.values()) < 0.60


def test_fakerapi_emails_follow_the_locale() -> None:
    rows = _table(shape="fakerapi", persons=1_000, locale="fr_FR").to_pylist()
    domains = Counter(r["email"].split("@")[1] for r in rows)
    assert all(EMAIL.fullmatch(r["email"]) for r in rows)
    assert {"orange.fr", "free.fr"} <= set(domains) and "web.de" not in domains


def test_login_and_picture_formats(users: list[dict]) -> None:
    for r in users[:2_000]:
        assert re.fullmatch(
            r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", r["login_uuid"]
        )
        assert re.fullmatch(r"[a-z]+[1-9]\d{2}", r["login_username"])
        assert re.fullmatch(r"[A-Za-z0-9]{8}", r["login_salt"]) and r["login_password"]
        for column, width in (("login_md5", 32), ("login_sha1", 40), ("login_sha256", 64)):
            assert re.fullmatch(f"[0-9a-f]{{{width}}}", r[column])
        who = "men" if r["gender"] == "male" else "women"
        number = re.fullmatch(
            rf"https://randomuser\.me/api/portraits/{who}/(\d{{1,2}})\.jpg", r["picture_large"]
        )
        assert number
        assert r["picture_medium"] == r["picture_large"].replace("portraits/", "portraits/med/")
        assert r["picture_thumbnail"] == r["picture_large"].replace(
            "portraits/", "portraits/thumb/"
        )
    assert len({r["login_uuid"] for r in users}) == len(users)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Horst-Günter", "horst-gunter"),
        ("Kulaksızoğlu", "kulaksizoglu"),
        ("O'Brien", "obrien"),
        ("Van Andel", "vanandel"),
        ("Weiß", "weiss"),
        ("Sørensen", "sorensen"),
        ("Đorđe", "dorde"),
        ("İbrahim", "ibrahim"),
    ],
)
def test_slug(name: str, expected: str) -> None:
    assert slug(name) == expected


def test_every_name_has_a_usable_slug() -> None:
    m = model()
    for column in (m.given_slug, m.family_slug):
        assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in column.to_pylist())
    assert all(n >= 40 for n in m.given.size) and all(n >= 60 for n in m.family.size)


# --- the records validate as API JSON ---------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _randomuser_json(r: dict) -> dict:
    return {
        "gender": r["gender"],
        "name": {"title": r["name_title"], "first": r["name_first"], "last": r["name_last"]},
        "location": {
            "street": {"number": r["location_street_number"], "name": r["location_street_name"]},
            "city": r["location_city"],
            "state": r["location_state"],
            "country": r["location_country"],
            "postcode": r["location_postcode"],
            "coordinates": {
                "latitude": str(r["location_coordinates_latitude"]),
                "longitude": str(r["location_coordinates_longitude"]),
            },
            "timezone": {
                "offset": r["location_timezone_offset"],
                "description": r["location_timezone_description"],
            },
        },
        "email": r["email"],
        "login": {
            k: r[f"login_{k}"]
            for k in ("uuid", "username", "password", "salt", "md5", "sha1", "sha256")
        },
        "dob": {"date": _iso(r["dob_date"]), "age": r["dob_age"]},
        "registered": {"date": _iso(r["registered_date"]), "age": r["registered_age"]},
        "phone": r["phone"],
        "cell": r["cell"],
        "id": {"name": r["id_name"], "value": r["id_value"]},
        "picture": {k: r[f"picture_{k}"] for k in ("large", "medium", "thumbnail")},
        "nat": r["nat"],
    }


def _fakerapi_json(r: dict) -> dict:
    return {
        **{
            k: r[k]
            for k in ("id", "firstname", "lastname", "email", "phone", "gender", "website", "image")
        },
        "birthday": r["birthday"].strftime("%Y-%m-%d"),
        "address": {
            "id": r["address_id"],
            "street": r["address_street"],
            "streetName": r["address_street_name"],
            "buildingNumber": r["address_building_number"],
            "city": r["address_city"],
            "zipcode": r["address_zipcode"],
            "country": r["address_country"],
            "country_code": r["address_country_code"],
            "latitude": r["address_latitude"],
            "longitude": r["address_longitude"],
        },
    }


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads(resources.files("veil.schemas").joinpath(name).read_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_randomuser_records_validate_against_the_api_schema(users: list[dict]) -> None:
    sample = users[::50]  # 400 records, every nat
    document = {
        "results": [_randomuser_json(r) for r in sample],
        "info": {"seed": "7", "results": len(sample), "page": 1, "version": "1.4"},
    }
    errors = list(_validator("randomuser_response.schema.json").iter_errors(document))
    assert errors == []


def test_fakerapi_records_validate_against_the_api_schema(persons: list[dict]) -> None:
    sample = persons[::12]
    document = {
        "status": "OK",
        "code": 200,
        "locale": "en_US",
        "seed": None,
        "total": len(sample),
        "data": [_fakerapi_json(r) for r in sample],
    }
    errors = list(_validator("fakerapi_persons_response.schema.json").iter_errors(document))
    assert errors == []


# --- bad arguments ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "hint"),
    [
        ({"shape": "randomusr"}, "randomuser"),
        ({"persons": -1}, "persons"),
        ({"persons": 2.5}, "persons"),
        ({"seed": -3}, "seed"),
        ({"batch_rows": 0}, "batch_rows"),
        ({"gender": "other"}, "gender"),
        ({"nat": ["DEE"]}, "'DE'"),
        ({"nat": ["UK"]}, "'GB'"),
        ({"nat": []}, "nat"),
        ({"shape": "fakerapi", "nat": ["DE"]}, "locale"),
        ({"shape": "fakerapi", "locale": "de_XX"}, "de_DE"),
        ({"locale": "de_DE"}, "nat"),
        ({"as_of": "2026-01-01"}, "as_of"),
    ],
)
def test_bad_arguments_raise_config_errors(options: dict, hint: str) -> None:
    with pytest.raises(ConfigError) as caught:
        SyntheticSource(**options)
    assert hint in str(caught.value)


def test_unknown_nat_lists_the_valid_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        SyntheticSource(nat=["DE", "ZZ"])
    assert all(code in str(caught.value) for code in data.NATS)


def test_columns_narrow_without_changing_users() -> None:
    full = _table(persons=500, seed=12)
    narrow = pa.Table.from_batches(
        list(SyntheticSource(persons=500, seed=12).batches(columns=["email", "nat"]))
    )
    assert narrow.column_names == [n for n in full.column_names if n in ("email", "nat")]
    assert narrow.equals(full.select(narrow.column_names))
