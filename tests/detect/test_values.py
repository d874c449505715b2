"""Value validators, each with positives and negatives."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.detect import values as v

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def luhn_reference(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return total % 10 == 0


def test_luhn() -> None:
    good = ["4111111111111111", "378282246310005", "5555555555554444", "79927398713"]
    bad = ["4111111111111112", "378282246310006", "12345", "abcd", ""]
    assert v.luhn_valid(pa.array(good)).all()
    assert not v.luhn_valid(pa.array(bad)).any()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="0123456789", min_size=1, max_size=19), min_size=1))
def test_luhn_matches_reference(numbers: list[str]) -> None:
    got = v.luhn_valid(pa.array(numbers))
    assert got.tolist() == [luhn_reference(n) for n in numbers]


def test_luhn_on_slices() -> None:
    arr = pa.array(["x", "4111111111111111", "4111111111111112"]).slice(1)
    assert v.luhn_valid(arr).tolist() == [True, False]


def test_iban_mod97() -> None:
    good = [
        "DE89370400440532013000",
        "GB82WEST12345698765432",
        "FR1420041010050500013M02606",
        "NL91ABNA0417164300",
    ]
    bad = [
        "DE89370400440532013001",
        "GB82WEST12345698765433",
        "NL91ABNA0417164301",
        "DE8937040044053201300099999999999999999",
    ]
    assert v.iban_valid(pa.array(good)).all()
    assert not v.iban_valid(pa.array(bad)).any()


def test_ssn_invalid_ranges() -> None:
    ok, dashed = v.ssn_valid(pa.array([
        "123-45-6789", "078-05-1121", "000-12-3456", "666-12-3456", "900-12-3456",
        "999-12-3456", "123-00-4567", "123-45-0000", "123456789", "12-345-6789",
    ]))  # fmt: skip
    assert ok.tolist() == [True, True, False, False, False, False, False, False, True, False]
    assert dashed.tolist() == [True, True] + [False] * 8


def test_phone_via_phonenumbers() -> None:
    possible, valid = v.phone_valid(
        pa.array(["+49 30 901820", "+33 1 42 68 53 00", "(212) 555-0123", "020 7946 0018"])
    )
    assert possible == 1.0 and valid >= 0.75
    possible, valid = v.phone_valid(pa.array(["+1 0", "+999 12", "12"]))
    assert valid == 0.0


def profile(values: list[str]) -> dict[str, int]:
    counts, _ = v.string_profile(pa.array(values, pa.string()), NOW)
    return counts


@pytest.mark.parametrize(
    ("validator", "good", "bad"),
    [
        ("email", ["alice@example.com", "j.doe+x@mail.co.uk"], ["alice@", "a b@c.de", "@x.com"]),
        ("ipv4", ["192.168.0.1", "8.8.8.8"], ["256.1.1.1", "1.2.3", "1.2.3.4.5"]),
        ("ipv6", ["fe80::1", "2001:db8::ff00:42:8329"], ["fe80:::1:::", "12:34", "abc"]),
        ("mac", ["00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5e"], ["00:1A:2B:3C:4D", "00:1A-2B:3C"]),
        ("uuid", ["9a723211-0e87-41f1-b1e4-ed1a15226b80"], ["9a723211-0e87-41f1-b1e4"]),
        ("url", ["https://example.com/a?b=1", "www.example.org"], ["example", "http//x"]),
        ("card", ["4111 1111 1111 1111", "5555-5555-5555-4444"], ["4111 1111 1111 1112",
                                                                  "1234 5678 9012 3456"]),
        ("iban", ["DE89 3704 0044 0532 0130 00"], ["DE89 3704 0044 0532 0130 01"]),
        ("postcode_distinct", ["SW1A 1AA", "1012 AB", "K1A 0B1", "01310-100"], ["ABCDE", "1"]),
        ("hash_crypt", ["$2b$12$" + "a" * 53, "$argon2id$v=19$m=65536$abcdefgh"], ["$2b$", "x"]),
        ("hex_digest", ["d41d8cd98f00b204e9800998ecf8427e", "a" * 64], ["abc", "g" * 32]),
        ("street", ["Hauptstraße 5", "12 rue de la Paix", "377 Michael Springs",
                    "Calle Mayor 3", "Via Roma 12"], ["Berlin", "hello"]),
        ("person_name", ["Marie Curie", "Hans Müller", "José García"], ["x1", "4711"]),
        ("gender_word", ["male", "Weiblich", "femme"], ["blue", "yes"]),
        ("country", ["Germany", "DE", "Allemagne", "España"], ["Blorbia"]),
        ("date", ["1990-05-17", "17.05.1990", "2024-01-02T10:00:00Z"], ["1990-13-45", "x"]),
    ],
)  # fmt: skip
def test_validator(validator: str, good: list[str], bad: list[str]) -> None:
    assert profile(good)[validator] == len(good)
    assert profile(bad)[validator] == 0


def test_birth_dates_vs_event_dates() -> None:
    rng = np.random.default_rng(0)
    births = 2026 - rng.integers(18, 90, 500)
    events = 2026 - rng.integers(0, 3, 500)
    months = np.full(500, 6.0)
    assert v.date_stats(births.astype(float), months, NOW)["birth_like"] == 1.0
    assert v.date_stats(events.astype(float), months, NOW)["birth_like"] == 0.0
    future = births.astype(float) + 100
    assert v.date_stats(future, months, NOW)["birth_like"] == 0.0


def test_long_and_unicode_values_do_not_break() -> None:
    values = ["x" * 1_000_000, "😀" * 300, "\u0000\u200b", "Ünïcödé ß", ""]
    counts, stats = v.string_profile(pa.array(values), NOW)
    assert stats["max_length"] == 1_000_000
    assert counts["email"] == 0


def test_folded_lower() -> None:
    assert v.folded_lower(pa.array(["Straße", "ÉCOLE", "abc"])).to_pylist() == [
        "strasse",
        "ecole",
        "abc",
    ]
    assert pc.all(pc.string_is_ascii(v.folded_lower(pa.array(["Çà"])))).as_py()


def test_shipped_name_lists_without_faker(monkeypatch: pytest.MonkeyPatch) -> None:
    from veil.detect import lexicons

    monkeypatch.setattr(lexicons, "_faker_lists", lambda module, attrs: None)
    lexicons.given_names.cache_clear()
    lexicons.family_names.cache_clear()
    try:
        assert {"marie", "hans", "jose"} <= lexicons.given_names()
        assert {"muller", "garcia", "smith"} <= lexicons.family_names()
    finally:
        lexicons.given_names.cache_clear()
        lexicons.family_names.cache_clear()
