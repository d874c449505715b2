"""Free-text detection: each entity with positives and hard negatives, context, robustness."""

from __future__ import annotations

from itertools import pairwise

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.detect.text import ENTITIES, Span, find_spans


def found(text: str, entities: list[str] | None = None, min_score: float = 0.5) -> list[tuple]:
    return [(text[s.start : s.end], s.entity) for s in find_spans([text], entities, min_score)[0]]


@pytest.mark.parametrize(
    ("text", "value", "entity"),
    [
        ("write to anna.schmidt@web.de please", "anna.schmidt@web.de", "EMAIL"),
        ("Kontakt: jürgen.groß@gmx.de", "jürgen.groß@gmx.de", "EMAIL"),
        ("call me on +49 30 12345678 today", "+49 30 12345678", "PHONE"),
        ("Telefon: 0171/2345678", "0171/2345678", "PHONE"),
        ("appelez le 06 12 34 56 78 svp", "06 12 34 56 78", "PHONE"),
        ("text me at (202) 555-0143", "(202) 555-0143", "PHONE"),
        ("il mio cellulare è 312 345 6789", "312 345 6789", "PHONE"),
        ("paid with card 4111 1111 1111 1111 yesterday", "4111 1111 1111 1111", "CREDIT_CARD"),
        ("Amex 3782-822463-10005 on file", "3782-822463-10005", "CREDIT_CARD"),
        ("IBAN DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX", "DE89 3704 0044 0532 0130 00", "IBAN"),
        ("refund to GB29NWBK60161331926819.", "GB29NWBK60161331926819", "IBAN"),
        ("login blocked from 203.0.113.7", "203.0.113.7", "IP_ADDRESS"),
        ("client 2001:db8::8a2e:370:7334 connected", "2001:db8::8a2e:370:7334", "IP_ADDRESS"),
        ("my SSN is 123-45-6788", "123-45-6788", "US_SSN"),
        ("see https://example.com/a?b=1.", "https://example.com/a?b=1", "URL"),
        ("reset via www.shop.de/konto", "www.shop.de/konto", "URL"),
        ("born on 14.03.1985 in Köln", "14.03.1985", "DATE"),
        ("Fecha de nacimiento: 21 de abril de 1976", "21 de abril de 1976", "DATE"),
        ("date of birth: March 14, 1985", "March 14, 1985", "DATE"),
    ],
)
def test_positives(text: str, value: str, entity: str) -> None:
    assert (value, entity) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112 was declined",  # Luhn fails
        "IBAN DE89 3704 0044 0532 0130 01",  # mod-97 fails
        "IBAN DE89 3704 0044 0532 0130",  # too short for DE
        "SSN 666-12-3456",  # never issued
        "SSN 000-12-3456 and 123-00-4567 and 912-34-5678 and 123-45-0000",
        "after updating to version 1.2.3.4 the app crashes",
        "running build 10.0.19045.3803",
        "firmware v2.14.1 installed",
        "order #4839201 shipped, tracking 1Z999AA10123456784",
        "ISBN 978-3-16-148410-0 arrived damaged",
        "the invoice was €1.299,00 and $49.99",
        "created 2025-03-15 14:22:10 by the system",
        "delivery on 14.03.2025, order of 2024-01-05",  # dates, but no birth
        "ticket at 12:30:45 and MAC 00:1a:2b:3c:4d:5e",
        "the number 42 and the year 2024",
    ],
)
def test_hard_negatives(text: str) -> None:
    assert found(text) == []


def test_context_raises_and_lowers() -> None:
    [[plain]] = find_spans(["9517843021"], ["PHONE"], min_score=0.0)
    [[called]] = find_spans(["please call 9517843021"], ["PHONE"], min_score=0.0)
    [[ordered]] = find_spans(["order 9517843021"], ["PHONE"], min_score=0.0)
    assert ordered.score < plain.score < called.score
    assert plain.score < 0.5 <= called.score  # digits alone are too weak
    assert found("Social security number 123 45 6788") == [("123 45 6788", "US_SSN")]
    assert found("123 45 6788") == []
    assert found("Telefon: 0301234567") == [("0301234567", "PHONE")]
    version, ip = "version 1.2.3.4", "from 1.2.3.4"
    assert found(version) == [] and found(ip) == [("1.2.3.4", "IP_ADDRESS")]


def test_scores_and_entities_filter() -> None:
    text = "mail a@example.com or call +33 6 12 34 56 78"
    assert found(text, ["EMAIL"]) == [("a@example.com", "EMAIL")]
    spans = find_spans([text])[0]
    assert all(isinstance(s, Span) and 0.5 <= s.score <= 1.0 for s in spans)
    assert [s.entity for s in spans] == ["EMAIL", "PHONE"]
    with pytest.raises(ValueError, match="unknown entities"):
        find_spans([text], ["PASSPORT"])


def test_person_is_opt_in_and_low_confidence() -> None:
    text = "Frau Anna Müller hat angerufen"
    assert found(text) == []
    assert found(text, ["PERSON"]) == [("Anna Müller", "PERSON")]
    [[span]] = find_spans([text], ["PERSON"])
    assert span.score < 0.95


def test_nulls_and_arrow_inputs() -> None:
    values = ["a@example.com", None, "", "nothing here"]
    out = find_spans(pa.array(values))
    assert [len(s) for s in out] == [1, 0, 0, 0]
    chunked = pa.chunked_array([values[:2], values[2:]])
    assert find_spans(chunked) == out
    assert find_spans(pa.array(values, pa.large_string())) == out
    assert find_spans([]) == []
    with pytest.raises(TypeError):
        find_spans(pa.array([1, 2]))


def test_overlaps_resolve_to_the_containing_span() -> None:
    text = "see https://example.com/u?mail=bob@example.org now"
    assert found(text) == [("https://example.com/u?mail=bob@example.org", "URL")]
    for spans in find_spans([text, "IBAN DE89370400440532013000 tel 030 1234567"]):
        assert all(a.end <= b.start for a, b in pairwise(spans))


def test_unicode_offsets_are_characters() -> None:
    text = "🙂 Grüße — écrivez à zoë@exemple.fr 📞 +33 6 12 34 56 78"
    got = found(text)
    assert ("zoë@exemple.fr", "EMAIL") in got and ("+33 6 12 34 56 78", "PHONE") in got


def test_very_long_strings_do_not_crash_or_stall() -> None:
    long = "1" * 200_000 + " a@example.com " + "9." * 50_000 + " x" * 50_000 + "@" * 10_000
    [spans] = find_spans([long], list(ENTITIES))
    assert any(s.entity == "EMAIL" for s in spans)
    digits = " ".join(["4111"] * 50_000)
    find_spans([digits])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=120)), max_size=8))
def test_any_text_gives_valid_spans(texts: list[str | None]) -> None:
    out = find_spans(texts, list(ENTITIES), min_score=0.0)
    assert len(out) == len(texts)
    for text, spans in zip(texts, out, strict=True):
        assert text is not None or spans == []
        for a, b in pairwise(spans):
            assert a.end <= b.start
        for s in spans:
            assert text is not None and 0 <= s.start < s.end <= len(text)
