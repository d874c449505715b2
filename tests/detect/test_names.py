"""Column-name tokenisation and multilingual hints; no substring false positives."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from veil.detect.names import best_hint, hints, tokenize


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("e_mail", ("mail",)),  # "e" is dropped as a stop word; "mail" hints the e-mail
        ("EmailAddress", ("email", "address")),
        ("emailAddr", ("email", "addr")),
        ("user.email", ("user", "email")),
        ("EMAIL_ADDR", ("email", "addr")),
        ("geburtsDatum", ("geburts", "datum")),
        ("emailaddress", ("email", "address")),
        ("codepostal", ("code", "postal")),
        ("código postal", ("codigo", "postal")),
        ("address1", ("address", "1")),
        ("login_md5", ("login", "md5")),
        ("Straße", ("strasse",)),
        ("date_of_birth", ("date", "birth")),
    ],
)
def test_tokenize(name: str, tokens: tuple[str, ...]) -> None:
    assert tokenize(name) == tokens


@pytest.mark.parametrize(
    ("name", "entity"),
    [
        ("e_mail", "email"), ("EmailAddress", "email"), ("emailAddr", "email"),
        ("user.email", "email"), ("EMAIL_ADDR", "email"), ("courriel", "email"),
        ("correo_electronico", "email"),
        ("geburtsDatum", "date_of_birth"), ("geburtsdatum", "date_of_birth"),
        ("dob", "date_of_birth"), ("date_naissance", "date_of_birth"),
        ("fecha_de_nacimiento", "date_of_birth"), ("data_di_nascita", "date_of_birth"),
        ("geboortedatum", "date_of_birth"), ("data_nascimento", "date_of_birth"),
        ("telefon", "phone"), ("tel", "phone"), ("ph", "phone"), ("Handynummer", "phone"),
        ("telefoonnummer", "phone"), ("cellulare", "phone"),
        ("PLZ", "postcode"), ("zipcode", "postcode"), ("zip_code", "postcode"),
        ("codepostal", "postcode"), ("código postal", "postcode"), ("cep", "postcode"),
        ("nome", "person_name"), ("cognome", "person_name"), ("achternaam", "person_name"),
        ("Vorname", "person_name"), ("firstName", "person_name"), ("apellidos", "person_name"),
        ("addr", "street_address"), ("Straße", "street_address"),
        ("ssn", "ssn"), ("iban", "iban"), ("ip", "ip_address"), ("ipv4_addr", "ip_address"),
        ("lat", "latitude"), ("lng", "longitude"), ("lon", "longitude"),
        ("customer_id", "identifier"), ("Kundennummer", "identifier"),
        ("password", "password"), ("mot_de_passe", "password"), ("login_md5", "password_hash"),
        ("villenaissance", "city"), ("Geburtsort", "city"), ("nomprenom", "person_name"),
        ("geschlecht", "gender"), ("woonplaats", "city"), ("bundesland", "region"),
    ],
)  # fmt: skip
def test_hints(name: str, entity: str) -> None:
    best = best_hint(hints(name))
    assert best is not None and best.entity == entity


@pytest.mark.parametrize(
    ("name", "not_entity"),
    [
        ("description", "ip_address"),
        ("zip_code", "ip_address"),
        ("hostname", "person_name"),
        ("statement", "region"),
        ("statement", "date"),
        ("skip", "ip_address"),
        ("update", "date"),
        ("tipping_point", "ip_address"),
        ("username", "person_name"),
        ("product_id", "identifier"),
        ("filename", "person_name"),
        ("postage", "age"),
        ("villenaissance", "date_of_birth"),
    ],
)
def test_no_substring_false_positive(name: str, not_entity: str) -> None:
    assert not_entity not in {h.entity for h in hints(name)}


@given(st.text(max_size=60))
def test_any_name_tokenises(name: str) -> None:
    tokens = tokenize(name)
    assert all(t and t == t.lower() for t in tokens)
    hints(name)  # never raises
