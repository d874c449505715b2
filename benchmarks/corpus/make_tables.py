"""Make the labelled column-classification corpus in ``benchmarks/corpus/tables/``.

Deterministic: every table draws from ``numpy.random.default_rng([SEED, index])`` and a Faker
instance seeded from the same numbers, so rerunning gives the same files (for the same
faker version). Tables are written as CSV (types inferred when read back, as a user's
file would be) or Parquet (typed: timestamps, floats), alternately. ``labels.json`` maps
table → column → entity type (or ``"none"``).

The corpus covers seven locales (en, de, fr, es, it, nl, pt) with their own column names,
abbreviations (``tel``, ``dob``, ``zip``, ``fname``, ``cc_num``), naming styles (snake,
camelCase, UPPER, glued), misleading names (``description`` with product text,
``zip_code``, ``hostname``, ``statement``, ``id`` holding product codes, ``notes``), nulls,
junk values and mixed columns. Run: ``python benchmarks/corpus/make_tables.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from faker import Faker

SEED = 20261122
OUT = Path(__file__).parent / "tables"
NOW = datetime(2026, 1, 1, tzinfo=UTC)

Gen = Callable[[Faker, np.random.Generator, int], list[Any]]

LOCALES = {
    "en": "en_US", "gb": "en_GB", "de": "de_DE", "fr": "fr_FR", "es": "es_ES", "it": "it_IT",
    "nl": "nl_NL", "pt": "pt_BR", "pp": "pt_PT",
}  # fmt: skip

# field kind → column name per language (en is the default)
NAMES: dict[str, dict[str, str]] = {
    "first": {"en": "first_name", "de": "vorname", "fr": "prenom", "es": "nombre",
              "it": "nome", "nl": "voornaam", "pt": "nome"},
    "last": {"en": "last_name", "de": "nachname", "fr": "nom", "es": "apellidos",
             "it": "cognome", "nl": "achternaam", "pt": "sobrenome"},
    "full": {"en": "full_name", "de": "name", "fr": "nom_complet", "es": "nombre_completo",
             "it": "nome_completo", "nl": "naam", "pt": "nome_completo"},
    "email": {"en": "email", "de": "e_mail", "fr": "courriel", "es": "correo_electronico",
              "it": "email", "nl": "emailadres", "pt": "email"},
    "phone": {"en": "phone_number", "de": "telefon", "fr": "telephone", "es": "telefono",
              "it": "cellulare", "nl": "telefoonnummer", "pt": "telefone"},
    "street": {"en": "street_address", "de": "strasse", "fr": "adresse", "es": "direccion",
               "it": "indirizzo", "nl": "adres", "pt": "endereco"},
    "postcode": {"en": "zip_code", "de": "plz", "fr": "code_postal", "es": "codigo_postal",
                 "it": "cap", "nl": "postcode", "pt": "cep"},
    "city": {"en": "city", "de": "ort", "fr": "ville", "es": "ciudad", "it": "citta",
             "nl": "woonplaats", "pt": "cidade"},
    "region": {"en": "state", "de": "bundesland", "fr": "region", "es": "provincia",
               "it": "provincia", "nl": "provincie", "pt": "estado"},
    "country": {"en": "country", "de": "land", "fr": "pays", "es": "pais", "it": "paese",
                "nl": "land", "pt": "pais"},
    "dob": {"en": "date_of_birth", "de": "geburtsdatum", "fr": "date_de_naissance",
            "es": "fecha_de_nacimiento", "it": "data_di_nascita", "nl": "geboortedatum",
            "pt": "data_de_nascimento"},
    "gender": {"en": "gender", "de": "geschlecht", "fr": "sexe", "es": "sexo", "it": "sesso",
               "nl": "geslacht", "pt": "sexo"},
    "national_id": {"en": "ssn", "de": "steuer_id", "fr": "numero_securite_sociale",
                    "es": "dni", "it": "codice_fiscale", "nl": "bsn", "pt": "cpf"},
    "iban": {"en": "iban", "de": "iban", "fr": "iban", "es": "iban", "it": "iban",
             "nl": "rekeningnummer", "pt": "iban"},
    "age": {"en": "age", "de": "alter", "fr": "age", "es": "edad", "it": "eta",
            "nl": "leeftijd", "pt": "idade"},
    "salary": {"en": "salary", "de": "gehalt", "fr": "salaire", "es": "salario",
               "it": "stipendio", "nl": "salaris", "pt": "salario"},
    "customer_id": {"en": "customer_id", "de": "kundennummer", "fr": "numero_client",
                    "es": "id_cliente", "it": "codice_cliente", "nl": "klantnummer",
                    "pt": "id_cliente"},
    "notes": {"en": "notes", "de": "bemerkungen", "fr": "commentaire", "es": "observaciones",
              "it": "note", "nl": "opmerkingen", "pt": "observacoes"},
    "created": {"en": "created_at", "de": "erstellt_am", "fr": "date_inscription",
                "es": "fecha_registro", "it": "data_registrazione", "nl": "aangemaakt_op",
                "pt": "data_cadastro"},
}  # fmt: skip


def _choice(rng: np.random.Generator, options: list[Any], n: int) -> list[Any]:
    return [options[i] for i in rng.integers(0, len(options), n)]


def _dob(fake: Faker, rng: np.random.Generator, n: int) -> list[Any]:
    days = rng.integers(18 * 365, 90 * 365, n)
    return [(NOW - timedelta(days=int(d))).date() for d in days]


def _events(rng: np.random.Generator, n: int, years: float = 3.0) -> list[datetime]:
    secs = rng.integers(0, int(years * 365 * 86400), n)
    return [NOW - timedelta(seconds=int(s)) for s in secs]


def _region(fake: Faker) -> str:
    for method in ("state", "region", "province", "estado_nome", "administrative_unit"):
        if hasattr(fake, method):
            return str(getattr(fake, method)())
    return str(fake.city())


def _national_id(fake: Faker) -> str:
    for method in ("cpf", "nif", "ssn"):
        if hasattr(fake, method):
            return str(getattr(fake, method)())
    return str(fake.bothify("##########"))


def _bcrypt(rng: np.random.Generator) -> str:
    chars = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "$2b$12$" + "".join(chars[i] for i in rng.integers(0, 64, 53))


GENDERS = {
    "en": ["male", "female", "other"], "de": ["männlich", "weiblich", "divers"],
    "fr": ["homme", "femme"], "es": ["hombre", "mujer"], "it": ["maschio", "femmina"],
    "nl": ["man", "vrouw"], "pt": ["masculino", "feminino"],
}  # fmt: skip

# field kind → (label, generator)
KINDS: dict[str, tuple[str, Gen]] = {
    "first": ("person_name", lambda f, r, n: [f.first_name() for _ in range(n)]),
    "last": ("person_name", lambda f, r, n: [f.last_name() for _ in range(n)]),
    "full": ("person_name", lambda f, r, n: [f.name() for _ in range(n)]),
    "email": ("email", lambda f, r, n: [f.email() for _ in range(n)]),
    "phone": ("phone", lambda f, r, n: [f.phone_number() for _ in range(n)]),
    "street": ("street_address", lambda f, r, n: [f.street_address() for _ in range(n)]),
    "postcode": ("postcode", lambda f, r, n: [f.postcode() for _ in range(n)]),
    "city": ("city", lambda f, r, n: [f.city() for _ in range(n)]),
    "region": ("region", lambda f, r, n: [_region(f) for _ in range(n)]),
    "country": ("country", lambda f, r, n: [f.country() for _ in range(n)]),
    "dob": ("date_of_birth", _dob),
    "national_id": ("national_id", lambda f, r, n: [_national_id(f) for _ in range(n)]),
    "iban": ("iban", lambda f, r, n: [f.iban() for _ in range(n)]),
    "age": ("age", lambda f, r, n: r.integers(18, 90, n).tolist()),
    "salary": ("income", lambda f, r, n: (r.lognormal(10.6, 0.4, n) // 100 * 100).tolist()),
    "customer_id": ("identifier", lambda f, r, n: [f"{x:07d}" for x in r.permutation(n) + 1000]),
    "notes": ("free_text", lambda f, r, n: [f.paragraph(nb_sentences=2) for _ in range(n)]),
    "created": ("date", lambda f, r, n: _events(r, n)),
}
for lang, values in GENDERS.items():
    KINDS[f"gender_{lang}"] = ("gender", lambda f, r, n, v=values: _choice(r, v, n))

STYLES = ("snake", "camel", "upper", "glued", "pascal")


def styled(name: str, style: str) -> str:
    words = re.split(r"[_\s]+", name)
    if style == "camel":
        return words[0] + "".join(w.capitalize() for w in words[1:])
    if style == "pascal":
        return "".join(w.capitalize() for w in words)
    if style == "upper":
        return "_".join(w.upper() for w in words)
    if style == "glued":
        return "".join(words)
    return name


class Table:
    def __init__(self, name: str, index: int, locale: str, rows: int | None = None) -> None:
        self.name = name
        self.rng = np.random.default_rng([SEED, index])
        self.fake = Faker(LOCALES[locale])
        self.fake.seed_instance(SEED + index)
        self.rows = rows or int(self.rng.integers(200, 600))
        self.columns: dict[str, list[Any]] = {}
        self.labels: dict[str, str] = {}

    def add(self, name: str, label: str, values: list[Any], nulls: float = 0.0) -> None:
        if nulls:
            holes = self.rng.random(len(values)) < nulls
            values = [None if h else v for v, h in zip(values, holes, strict=True)]
        self.columns[name] = values
        self.labels[name] = label

    def kind(self, kind: str, name: str, nulls: float = 0.0) -> None:
        label, gen = KINDS[kind]
        self.add(name, label, gen(self.fake, self.rng, self.rows), nulls)

    def gen(self, fn: Callable[[Faker], Any]) -> list[Any]:
        return [fn(self.fake) for _ in range(self.rows)]


def person_table(name: str, index: int, lang: str, kinds: list[str], style: str) -> Table:
    locale = {"en": "en", "pt": "pt"}.get(lang, lang)
    t = Table(name, index, locale)
    for kind in kinds:
        base = kind.split("_")[0] if kind.startswith("gender") else kind
        col = styled(NAMES.get(base, {}).get(lang) or NAMES[base]["en"], style)
        if kind == "gender":
            kind = f"gender_{lang}"
        if kind == "national_id" and lang == "en":
            t.add(col, "ssn", t.gen(lambda f: f.ssn()))
            continue
        t.kind(kind, col, nulls=0.05 if t.rng.random() < 0.3 else 0.0)
    return t


CORE = ["customer_id", "first", "last", "email", "phone", "street", "postcode", "city",
        "country", "dob", "gender"]  # fmt: skip
VARIANTS = [
    (CORE, "snake"),
    (["first", "last", "email", "phone", "dob", "city", "region", "age", "salary", "notes",
      "created"], "camel"),
    (["customer_id", "full", "street", "postcode", "city", "national_id", "iban", "gender",
      "created"], "upper"),
]  # fmt: skip


def person_tables(start: int) -> list[Table]:
    tables = []
    index = start
    for lang in ("en", "de", "fr", "es", "it", "nl", "pt"):
        for v, (kinds, style) in enumerate(VARIANTS):
            if lang in ("it", "nl", "pt") and v == 2:
                style = "glued"
            t = person_table(f"{lang}_people_{v}", index, lang, kinds, style)
            if lang != "en" and v == 0:
                # day-first text dates, as a spreadsheet export would have them
                dob = next(c for c, lab in t.labels.items() if lab == "date_of_birth")
                t.columns[dob] = [d.strftime("%d.%m.%Y") if d else None for d in t.columns[dob]]
            tables.append(t)
            index += 1
    return tables


def special_tables(start: int) -> list[Table]:
    out = []
    i = start

    def new(name: str, locale: str = "en", rows: int | None = None) -> Table:
        nonlocal i
        t = Table(name, i, locale, rows)
        i += 1
        out.append(t)
        return t

    t = new("web_access_log")
    t.add("ts", "date", _events(t.rng, t.rows, 0.1))
    t.add("client_ip", "ip_address", t.gen(lambda f: f.ipv4_public()))
    t.add("user_uuid", "identifier", t.gen(lambda f: f.uuid4()))
    t.add("page_url", "none", t.gen(lambda f: f.uri()))
    t.add("status", "none", _choice(t.rng, [200, 200, 200, 301, 404, 500], t.rows))
    t.add("user_agent", "none", t.gen(lambda f: f.user_agent()))
    t.add("bytes", "none", t.rng.integers(200, 90000, t.rows).tolist())

    t = new("network_devices", "de")
    t.add("hostname", "none", t.gen(lambda f: f.hostname()))
    t.add("mac_address", "mac_address", t.gen(lambda f: f.mac_address()))
    t.add("ipv6", "ip_address", t.gen(lambda f: f.ipv6()))
    t.add("owner_email", "email", t.gen(lambda f: f.email()))
    t.add("firmware_version", "none", t.gen(lambda f: f.numerify("%.#.##")))
    t.add("last_seen", "date", _events(t.rng, t.rows, 0.5))

    t = new("payments", "gb")
    t.add("payment_id", "none", [f"PAY{x:08d}" for x in t.rng.permutation(t.rows)])
    t.add("card_holder", "person_name", t.gen(lambda f: f.name()))
    t.add("cc_num", "credit_card", t.gen(lambda f: f.credit_card_number()))
    t.add("iban", "iban", t.gen(lambda f: f.iban()))
    t.add("amount", "none", np.round(t.rng.gamma(2, 40, t.rows), 2).tolist())
    t.add("currency", "none", _choice(t.rng, ["GBP", "EUR", "USD"], t.rows))
    t.add("paid_at", "date", _events(t.rng, t.rows, 1))

    t = new("auth_accounts")
    t.add("id", "identifier", list(range(1, t.rows + 1)))
    t.add("username", "username", t.gen(lambda f: f.user_name()))
    t.add("email", "email", t.gen(lambda f: f.email()))
    t.add("password", "password", t.gen(lambda f: f.password()))
    t.add("password_hash", "password_hash", [_bcrypt(t.rng) for _ in range(t.rows)])
    t.add("pw_md5", "password_hash", t.gen(lambda f: f.md5()))
    t.add("salt", "password_hash", t.gen(lambda f: f.pystr(8, 8)))
    t.add("api_token", "password_hash", t.gen(lambda f: f.sha256()))
    t.add("last_login", "date", _events(t.rng, t.rows, 0.3))
    t.add("is_admin", "none", (t.rng.random(t.rows) < 0.05).tolist())

    t = new("patients", "de")
    t.add("patienten_id", "identifier", [f"P-{x:06d}" for x in t.rng.permutation(t.rows)])
    t.add("vorname", "person_name", t.gen(lambda f: f.first_name()))
    t.add("nachname", "person_name", t.gen(lambda f: f.last_name()))
    t.add("geburtsDatum", "date_of_birth", _dob(t.fake, t.rng, t.rows))
    t.add("diagnose", "health", _choice(t.rng, ["J45", "E11", "I10", "M54.5", "F32"], t.rows))
    t.add("blutgruppe", "health", _choice(t.rng, ["A+", "A-", "B+", "0+", "0-", "AB+"], t.rows))
    t.add("konfession", "religion", _choice(t.rng, ["rk", "ev", "ohne", "islam"], t.rows))
    t.add("station", "none", _choice(t.rng, ["A1", "B2", "C3", "ICU"], t.rows))
    t.add("aufnahme", "date", _events(t.rng, t.rows, 0.5))

    t = new("employees", "fr")
    t.add("employee_id", "identifier", [f"E{x:05d}" for x in t.rng.permutation(t.rows)])
    t.add("prenom", "person_name", t.gen(lambda f: f.first_name()))
    t.add("nom", "person_name", t.gen(lambda f: f.last_name()))
    t.add("job_title", "none", t.gen(lambda f: f.job()))
    t.add("departement_code", "none", _choice(t.rng, ["RH", "IT", "FIN", "OPS"], t.rows))
    t.add("salaire", "income", t.rng.integers(28000, 90000, t.rows).tolist())
    t.add("date_embauche", "date", _events(t.rng, t.rows, 10))
    t.add("tel_portable", "phone", t.gen(lambda f: f.phone_number()))

    t = new("products", "en")
    t.add(
        "id",
        "none",
        [
            f"SKU-{x:05d}-{c}"
            for x, c in zip(
                t.rng.permutation(t.rows) + 10000, _choice(t.rng, list("ABCD"), t.rows), strict=True
            )
        ],
    )
    t.add("product_name", "none", t.gen(lambda f: f.catch_phrase()))
    t.add("description", "free_text", t.gen(lambda f: f.paragraph(nb_sentences=3)))
    t.add("price", "none", np.round(t.rng.uniform(1, 500, t.rows), 2).tolist())
    t.add("category", "none", _choice(t.rng, ["tools", "garden", "kitchen", "toys"], t.rows))
    t.add("ean", "none", t.gen(lambda f: f.ean13()))
    t.add("in_stock", "none", (t.rng.random(t.rows) < 0.8).tolist())

    t = new("servers")
    t.add("hostname", "none", t.gen(lambda f: f.hostname(2)))
    t.add("os", "none", _choice(t.rng, ["linux", "windows", "bsd"], t.rows))
    t.add("cpu_cores", "none", _choice(t.rng, [2, 4, 8, 16, 32], t.rows))
    t.add("statement", "none", _choice(t.rng, ["SELECT 1", "VACUUM", "ANALYZE", "COMMIT"], t.rows))
    t.add("uptime_days", "none", t.rng.integers(0, 900, t.rows).tolist())
    t.add("description", "free_text", t.gen(lambda f: f.sentence(nb_words=10)))

    t = new("bank_statements", "nl")
    t.add("rekeningnummer", "iban", t.gen(lambda f: f.iban()))
    t.add("statement", "none", [f"AFS-{x:06d}" for x in t.rng.permutation(t.rows)])
    t.add("statement_date", "date", _events(t.rng, t.rows, 2))
    t.add("saldo", "none", np.round(t.rng.normal(2000, 1500, t.rows), 2).tolist())
    t.add("omschrijving", "free_text", t.gen(lambda f: f.sentence(nb_words=8)))

    t = new("misleading_names")
    t.add("description", "free_text", t.gen(lambda f: f.paragraph(nb_sentences=2)))
    t.add("zip_code", "postcode", t.gen(lambda f: f.zipcode()))
    t.add("hostname", "none", t.gen(lambda f: f.hostname()))
    t.add("statement", "none", _choice(t.rng, ["open", "closed", "pending"], t.rows))
    t.add("notes", "free_text", t.gen(lambda f: f.sentence(nb_words=12)))
    t.add("tipping_point", "none", np.round(t.rng.uniform(0, 1, t.rows), 3).tolist())
    t.add("shipment_mode", "none", _choice(t.rng, ["air", "sea", "road"], t.rows))
    t.add("updated", "date", _events(t.rng, t.rows, 1))

    t = new("abbreviations")
    t.add("fname", "person_name", t.gen(lambda f: f.first_name()))
    t.add("lname", "person_name", t.gen(lambda f: f.last_name()))
    t.add("dob", "date_of_birth", [d.isoformat() for d in _dob(t.fake, t.rng, t.rows)])
    t.add("tel", "phone", t.gen(lambda f: f.phone_number()))
    t.add("addr", "street_address", t.gen(lambda f: f.street_address()))
    t.add("zip", "postcode", t.gen(lambda f: f.zipcode_plus4()))
    t.add("SSN", "ssn", t.gen(lambda f: f.ssn()))
    t.add("lat", "latitude", [float(x) for x in t.gen(lambda f: f.latitude())])
    t.add("lng", "longitude", [float(x) for x in t.gen(lambda f: f.longitude())])
    t.add("ip", "ip_address", t.gen(lambda f: f.ipv4()))

    t = new("mixed_content", "de")
    contact = [t.fake.email() if r < 0.8 else t.fake.phone_number() for r in t.rng.random(t.rows)]
    t.add("kontakt", "email", contact)
    phones = [t.fake.phone_number() if r > 0.15 else "n/a" for r in t.rng.random(t.rows)]
    t.add("Handynummer", "phone", phones)
    dobs = _dob(t.fake, t.rng, t.rows)
    t.add(
        "GebDatum",
        "date_of_birth",
        [d.strftime("%d.%m.%Y") if i % 3 else d.isoformat() for i, d in enumerate(dobs)],
    )
    t.add("PLZ", "postcode", t.rng.integers(1067, 99998, t.rows).tolist())
    t.add("Wohnort", "city", t.gen(lambda f: f.city()))
    t.add("Kundennummer", "identifier", t.rng.permutation(t.rows).tolist())
    t.add(
        "Anmerkung",
        "free_text",
        [t.fake.paragraph(nb_sentences=2) if r < 0.5 else None for r in t.rng.random(t.rows)],
    )

    t = new("locations", "it")
    t.add("id_utente", "identifier", t.gen(lambda f: f.uuid4()))
    t.add("latitudine", "latitude", [float(x) for x in t.gen(lambda f: f.latitude())])
    t.add("longitudine", "longitude", [float(x) for x in t.gen(lambda f: f.longitude())])
    t.add("registrato_il", "date", _events(t.rng, t.rows, 2))
    t.add("dispositivo", "none", _choice(t.rng, ["ios", "android", "web"], t.rows))

    t = new("sensors", "nl")
    t.add("sensor_id", "none", [f"S{x:04d}" for x in t.rng.integers(0, 50, t.rows)])
    t.add("temperatuur", "none", np.round(t.rng.normal(18, 4, t.rows), 1).tolist())
    t.add("vochtigheid", "none", np.round(t.rng.uniform(20, 90, t.rows), 1).tolist())
    t.add("gemeten_op", "date", _events(t.rng, t.rows, 0.1))
    t.add("geo_lat", "latitude", np.round(t.rng.uniform(50.8, 53.5, t.rows), 5).tolist())
    t.add("geo_lon", "longitude", np.round(t.rng.uniform(3.4, 7.2, t.rows), 5).tolist())

    t = new("orders_es", "es")
    t.add("pedido", "none", [f"PED-{x:06d}" for x in t.rng.permutation(t.rows)])
    t.add("cliente_id", "identifier", t.rng.permutation(t.rows).tolist())
    t.add("nombreCompleto", "person_name", t.gen(lambda f: f.name()))
    t.add("direccionEnvio", "street_address", t.gen(lambda f: f.street_address()))
    t.add("codigoPostal", "postcode", t.gen(lambda f: f.postcode()))
    t.add("importe", "none", np.round(t.rng.gamma(2, 30, t.rows), 2).tolist())
    t.add("fechaPedido", "date", _events(t.rng, t.rows, 1))

    t = new("survey_pt", "pp")
    t.add("respondente", "none", list(range(t.rows)))
    t.add("idade", "age", t.rng.integers(16, 85, t.rows).tolist())
    t.add("sexo", "gender", _choice(t.rng, ["M", "F"], t.rows))
    t.add("distrito", "region", t.gen(lambda f: f.distrito()))
    t.add("religiao", "religion", _choice(t.rng, ["católica", "nenhuma", "outra"], t.rows))
    t.add("rendimento", "income", t.rng.integers(700, 5000, t.rows).tolist())
    t.add("comentarios", "free_text", t.gen(lambda f: f.paragraph(nb_sentences=2)))
    t.add("satisfacao", "none", t.rng.integers(1, 6, t.rows).tolist())

    t = new("gb_customers", "gb")
    t.add("CustomerRef", "identifier", [f"C{x:06d}" for x in t.rng.permutation(t.rows)])
    t.add("Title", "gender", _choice(t.rng, ["Mr", "Mrs", "Ms", "Miss", "Dr"], t.rows))
    t.add("Forename", "person_name", t.gen(lambda f: f.first_name()))
    t.add("Surname", "person_name", t.gen(lambda f: f.last_name()))
    t.add("Postcode", "postcode", t.gen(lambda f: f.postcode()))
    t.add("NINumber", "national_id", t.gen(lambda f: f.ssn()))
    t.add("MobileNo", "phone", t.gen(lambda f: f.cellphone_number()))
    t.add("Website", "url", t.gen(lambda f: f.url()))
    t.add("Photo", "image", t.gen(lambda f: f.image_url()))

    # harder cases: names that say nothing, glued names, and near-misses
    t = new("export_unnamed", "de")
    t.add("c1", "email", t.gen(lambda f: f.free_email()))
    t.add("c2", "iban", t.gen(lambda f: f.iban()))
    t.add("c3", "date_of_birth", [d.isoformat() for d in _dob(t.fake, t.rng, t.rows)])
    t.add("c4", "postcode", t.gen(lambda f: f.postcode()))  # bare digits: a known hard case
    t.add("c5", "phone", t.gen(lambda f: f.phone_number()))
    t.add("c6", "person_name", t.gen(lambda f: f.name()))
    t.add("c7", "none", np.round(t.rng.uniform(0, 100, t.rows), 2).tolist())
    t.add("c8", "street_address", t.gen(lambda f: f.street_address()))

    t = new("crm_glued", "fr")
    t.add("idclient", "identifier", [f"CL{x:06d}" for x in t.rng.permutation(t.rows)])
    t.add("nomprenom", "person_name", t.gen(lambda f: f.name()))
    t.add("datenaissance", "date_of_birth", _dob(t.fake, t.rng, t.rows))
    t.add("numerotelephone", "phone", t.gen(lambda f: f.phone_number()))
    t.add("adressemail", "email", t.gen(lambda f: f.email()))
    t.add("codepostal", "postcode", t.gen(lambda f: f.postcode()))
    t.add("villenaissance", "city", t.gen(lambda f: f.city()))
    t.add("montantcommande", "none", np.round(t.rng.gamma(2, 50, t.rows), 2).tolist())

    t = new("app_events", "en")
    t.add("event_id", "none", t.gen(lambda f: f.uuid4()))
    t.add("userId", "identifier", [f"u_{x:06d}" for x in t.rng.integers(0, 50_000, t.rows)])
    t.add("eventName", "none", _choice(t.rng, ["open", "click", "purchase", "close"], t.rows))
    t.add("eventTime", "date", _events(t.rng, t.rows, 0.05))
    t.add("deviceModel", "none", _choice(t.rng, ["Pixel 8", "iPhone 15", "Galaxy S24"], t.rows))
    t.add("appVersion", "none", _choice(t.rng, ["1.2.0", "1.3.1", "2.0.0"], t.rows))
    t.add("ipAddress", "ip_address", t.gen(lambda f: f.ipv4()))
    t.add("sessionSeconds", "none", t.rng.integers(1, 3600, t.rows).tolist())

    t = new("insurance_it", "it")
    t.add("numeroPolizza", "none", [f"POL{x:07d}" for x in t.rng.permutation(t.rows)])
    t.add("codiceFiscale", "national_id", t.gen(lambda f: f.ssn()))
    t.add("nomeCompleto", "person_name", t.gen(lambda f: f.name()))
    t.add(
        "dataNascita",
        "date_of_birth",
        [d.strftime("%d/%m/%Y") for d in _dob(t.fake, t.rng, t.rows)],
    )
    t.add("premioAnnuo", "none", np.round(t.rng.uniform(200, 2000, t.rows), 2).tolist())
    t.add("regione", "region", t.gen(_region))
    t.add("malattiePregresse", "health", _choice(t.rng, ["nessuna", "diabete", "asma"], t.rows))
    t.add("dataInizio", "date", _events(t.rng, t.rows, 3))
    return out


def synthetic_tables(start: int) -> list[Table]:
    from veil.sources.synthetic import SyntheticSource

    ru_labels = {
        "gender": "gender", "name_title": "gender", "name_first": "person_name",
        "name_last": "person_name", "location_street_number": "street_address",
        "location_street_name": "street_address", "location_city": "city",
        "location_state": "region", "location_country": "country",
        "location_postcode": "postcode", "location_coordinates_latitude": "latitude",
        "location_coordinates_longitude": "longitude", "location_timezone_offset": "none",
        "location_timezone_description": "none", "email": "email", "login_uuid": "identifier",
        "login_username": "username", "login_password": "password",
        "login_salt": "password_hash", "login_md5": "password_hash",
        "login_sha1": "password_hash", "login_sha256": "password_hash",
        "dob_date": "date_of_birth", "dob_age": "age", "registered_date": "date",
        "registered_age": "none", "phone": "phone", "cell": "phone", "id_name": "none",
        "id_value": "national_id", "picture_large": "image", "picture_medium": "image",
        "picture_thumbnail": "image", "nat": "country",
    }  # fmt: skip
    fk_labels = {
        "id": "identifier", "firstname": "person_name", "lastname": "person_name",
        "email": "email", "phone": "phone", "birthday": "date_of_birth", "gender": "gender",
        "address_id": "none", "address_street": "street_address",
        "address_street_name": "street_address", "address_building_number": "street_address",
        "address_city": "city", "address_zipcode": "postcode", "address_country": "country",
        "address_country_code": "country", "address_latitude": "latitude",
        "address_longitude": "longitude", "website": "url", "image": "image",
    }  # fmt: skip
    out = []
    for j, (shape, labels) in enumerate((("randomuser", ru_labels), ("fakerapi", fk_labels))):
        t = Table(f"synthetic_{shape}", start + j, "en", 500)
        src = SyntheticSource(shape=shape, persons=t.rows, seed=start + j, as_of=NOW)
        table = pa.Table.from_batches(list(src.batches()))
        for name in table.column_names:
            t.add(name, labels[name], table.column(name).to_pylist())
        out.append(t)
    return out


def write(t: Table, index: int) -> str:
    table = pa.table(t.columns)
    if index % 2:
        path = OUT / f"{t.name}.parquet"
        pq.write_table(table, path, compression="zstd")
    else:
        path = OUT / f"{t.name}.csv"
        pacsv.write_csv(table, path)
    return path.name


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*"):
        if old.suffix in (".csv", ".parquet"):
            old.unlink()
    tables = person_tables(0)
    tables += special_tables(100)
    tables += synthetic_tables(200)
    labels = {}
    for i, t in enumerate(tables):
        labels[write(t, i)] = t.labels
    (OUT / "labels.json").write_text(json.dumps(labels, indent=1, ensure_ascii=False) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(
        f"{len(tables)} tables, {sum(len(v) for v in labels.values())} columns, "
        f"{total / 1e6:.2f} MB in {OUT}"
    )


if __name__ == "__main__":
    main()
