"""A seeded, vectorised generator of users in the randomuser.me v1.4 and FakerAPI persons shapes.

``SyntheticSource(shape="randomuser", persons=30_000, seed=0)`` yields flat record batches whose
schema is exactly ``veil.sources.shapes.RANDOMUSER`` (or ``FAKERAPI``). No network, no files.
``shape="events"`` yields the behavioural events of the same randomuser-shape users instead
(``veil.sources.shapes.EVENTS``; see ``veil.sources.synthetic_events``).

How a person is made (reference data in ``_synthetic_data``)
- A nationality (randomuser) or locale (FakerAPI) first, with plausible, non-uniform shares;
  then everything else conditionally on it: given names by language and gender and family
  names (common ones more often), a real city weighted by population with its state, a
  postcode in the country's format starting with a real prefix of that city, coordinates
  jittered about 2 km around the city centre, the city's time zone, phone numbers in national
  format, a national id with a valid check digit where the scheme has one (null where
  randomuser has none: IR, NZ, TR, UA), and an e-mail address made from the name at a
  provider with realistic national shares.
- Ages 18–90 at ``as_of`` following an account-holder age profile; registration within the
  20 years before ``as_of``, never before the 18th birthday, recent years more likely.
- Login: a UUID v4, an adjective+animal+3 digits user name, a common password and an
  8-character salt. ``login_md5``/``sha1``/``sha256`` are random hex of the right length, **not**
  hashes of salt+password (hashing row by row would cost more than all the rest).

Determinism: randomness comes in fixed chunks of ``CHUNK_ROWS`` persons, chunk ``i`` drawing
from ``np.random.SeedSequence([seed, i])``. A chunk is always generated whole and then cut to
``batch_rows``, so the same seed gives the same users whatever the batch size, and fewer
``persons`` give a prefix of more. Changing the reference data changes the users.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from veil.errors import ConfigError
from veil.sources import _synthetic_data as data
from veil.sources._templates import Template, compile_template, fixed_width, render
from veil.sources.base import DEFAULT_BATCH_ROWS, ProgressCallback, Quarantine, projection
from veil.sources.shapes import FAKERAPI, RANDOMUSER, SHAPES, TS

#: persons per unit of randomness; changing it changes every generated user
CHUNK_ROWS = 10_000
MAX_AGE, MIN_AGE, REGISTRATION_YEARS = 90, 18, 20
FAKERAPI_PAGE = 1000
JITTER_DEG = 0.02  # ~2.2 km of latitude
FAKERAPI_IMAGE = "http://placeimg.com/640/480/people"
NAT_ALIASES = {"UK": "GB", "EN": "GB", "USA": "US"}

_DAY_MS = 86_400_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_Fields = dict[str, np.ndarray]

# --- text ------------------------------------------------------------------------------------

_FOLD = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "Ae",
        "ø": "o",
        "Ø": "O",
        "œ": "oe",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ı": "i",
        "þ": "th",
        "ð": "d",
    }
)


def slug(text: str) -> str:
    """Lower-case ASCII fold of a name for e-mail parts: ``Horst-Günter`` → ``horst-gunter``."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_FOLD)).encode("ascii", "ignore")
    return re.sub(r"[^a-z0-9-]", "", ascii_text.decode().lower()).strip("-")


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _names(pools: dict[str, str], keys: str) -> list[tuple[str, str]]:
    """(display, slug) pairs of the '+'-joined pools; ``shown=Latin`` gives the slug's source."""
    out = []
    for key in keys.split("+"):
        for item in _split(pools[key]):
            shown, _, latin = item.partition("=")
            out.append((shown, slug(latin or shown)))
    return out


# --- compiled reference data -----------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """Uniform choice inside contiguous groups of one flat vocabulary (front-skewable)."""

    start: np.ndarray
    size: np.ndarray

    @classmethod
    def of(cls, sizes: Sequence[int]) -> Choice:
        size = np.asarray(sizes, np.int64)
        return cls(np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64), size)

    def draw(self, group: np.ndarray, u: np.ndarray, skew: float = 1.0) -> np.ndarray:
        """Index per row; ``skew`` > 1 favours the front of each group (lists are by popularity)."""
        size = self.size[group]
        return self.start[group] + np.minimum((u**skew * size).astype(np.int64), size - 1)


@dataclass(frozen=True)
class Weighted:
    """Weighted choice inside groups: group ``g`` spans ``[g, g + 1)`` of one cumulative axis."""

    edges: np.ndarray
    last: np.ndarray  # index of each group's last item

    @classmethod
    def of(cls, groups: Sequence[Sequence[float] | np.ndarray]) -> Weighted:
        edges, last, count = [], [], 0
        for g, weights in enumerate(groups):
            cum = np.cumsum(np.asarray(weights, np.float64))
            cum = g + cum / cum[-1]
            cum[-1] = g + 1.0
            edges.append(cum)
            count += len(cum)
            last.append(count - 1)
        return cls(np.concatenate(edges), np.asarray(last, np.int64))

    def draw(self, group: np.ndarray | int, u: np.ndarray) -> np.ndarray:
        hit = np.searchsorted(self.edges, group + u, side="right")
        return np.minimum(hit, self.last[group])


@dataclass(frozen=True)
class Model:
    """The reference data as flat Arrow vocabularies and numpy tables, indexed by country."""

    codes: pa.Array
    country_name: pa.Array
    nat_weight: np.ndarray
    given: Choice  # group: country * 2 + female
    given_name: pa.Array
    given_slug: pa.Array
    given_initial: pa.Array
    family: Choice  # group: country
    family_name: pa.Array
    family_slug: pa.Array
    family_initial: np.ndarray  # (k, 1) upper-case ASCII byte, for ids that carry it
    city: Weighted
    city_name: pa.Array
    city_state: pa.Array
    city_prefix: pa.Array
    city_lat: np.ndarray
    city_lon: np.ndarray
    city_tz: np.ndarray
    street: Choice
    street_name: pa.Array
    street_max: np.ndarray
    email: Weighted
    domain: pa.Array
    web: Weighted
    web_tld: pa.Array
    templates: tuple[Template, ...]
    formats: dict[str, Choice]  # phone, cell, e164, id, postcode → alternatives per country
    id_name: pa.Array
    has_id: np.ndarray
    french_titles: np.ndarray
    tz_offset: pa.Array
    tz_description: pa.Array
    locale_country: np.ndarray
    locale_country_name: pa.Array
    locale_number_first: np.ndarray
    locale_separator: pa.Array


def _strings(values: Sequence[str]) -> pa.Array:
    return pa.array(list(values), pa.string())


def _name_tables(countries: Sequence[data.CountryData]) -> dict[str, Any]:
    given: list[tuple[str, str]] = []
    given_sizes: list[int] = []
    for country in countries:
        for pools in (data.GIVEN_MALE, data.GIVEN_FEMALE):
            names = _names(pools, country.given)
            given += names
            given_sizes.append(len(names))
    family = [_names(data.FAMILY, c.family) for c in countries]
    flat = [pair for names in family for pair in names]
    initials = [(s[:1] or "x").upper().encode() for _, s in flat]
    return {
        "given": Choice.of(given_sizes),
        "given_name": _strings([shown for shown, _ in given]),
        "given_slug": _strings([s for _, s in given]),
        "given_initial": _strings([s[:1] for _, s in given]),
        "family": Choice.of([len(names) for names in family]),
        "family_name": _strings([shown for shown, _ in flat]),
        "family_slug": _strings([s for _, s in flat]),
        "family_initial": np.frombuffer(b"".join(initials), np.uint8).reshape(-1, 1),
    }


def _city_tables(countries: Sequence[data.CountryData], tz_keys: list[str]) -> dict[str, Any]:
    rows: list[tuple[str, str, float, float, str, int]] = []
    weights: list[list[float]] = []
    for country in countries:
        group: list[float] = []
        for line in country.cities.strip().splitlines():
            city, state, lat, lon, pop, prefixes, *tz = line.strip().split("|")
            tz_index = tz_keys.index(tz[0] if tz else country.tz)
            for prefix in prefixes.split():
                rows.append((city, state, float(lat), float(lon), prefix, tz_index))
                group.append(float(pop) / len(prefixes.split()))
        weights.append(group)
    return {
        "city": Weighted.of(weights),
        "city_name": _strings([r[0] for r in rows]),
        "city_state": _strings([r[1] for r in rows]),
        "city_lat": np.array([r[2] for r in rows]),
        "city_lon": np.array([r[3] for r in rows]),
        "city_prefix": _strings([r[4] for r in rows]),
        "city_tz": np.array([r[5] for r in rows], np.int64),
    }


def _format_tables(countries: Sequence[data.CountryData]) -> dict[str, Any]:
    templates: list[Template] = []
    formats: dict[str, Choice] = {}
    for kind in ("phone", "cell", "e164", "id", "postcode"):
        starts, sizes = [], []
        for country in countries:
            texts = _format_texts(country, kind)
            starts.append(len(templates))
            sizes.append(len(texts))
            check = country.id_check if kind == "id" else None
            templates += [compile_template(text, check) for text in texts]
        formats[kind] = Choice(np.array(starts, np.int64), np.array(sizes, np.int64))
    return {"templates": tuple(templates), "formats": formats}


def _format_texts(country: data.CountryData, kind: str) -> list[str]:
    if kind == "id":
        return [country.id_template or ""]
    if kind == "postcode":
        return [country.postcode_suffix]
    return " ".join(getattr(country, kind).split()).split("|")


def _provider_tables(countries: Sequence[data.CountryData]) -> dict[str, Any]:
    domains, shares, tlds, tld_shares = [], [], [], []
    for country in countries:
        pairs = [item.rsplit(":", 1) for item in country.email.split()]
        domains += [d for d, _ in pairs]
        shares.append([float(s) for _, s in pairs])
        web = (
            {"com": 80, "net": 12, "org": 8}
            if country.tld == "com"
            else {country.tld: 55, "com": 30, "net": 10, "org": 5}
        )
        tlds += list(web)
        tld_shares.append(list(web.values()))
    return {
        "email": Weighted.of(shares),
        "domain": _strings(domains),
        "web": Weighted.of(tld_shares),
        "web_tld": _strings(tlds),
    }


def _locale_tables(codes: list[str]) -> dict[str, Any]:
    locales = list(data.LOCALES.values())
    separators = [_street_separator(loc.street_format) for loc in locales]
    return {
        "locale_country": np.array([codes.index(loc.country) for loc in locales], np.int64),
        "locale_country_name": _strings([loc.country_name for loc in locales]),
        "locale_number_first": np.array([first for first, _ in separators]),
        "locale_separator": _strings([sep for _, sep in separators]),
    }


def _street_separator(fmt: str) -> tuple[bool, str]:
    """('{number}, {street}') → (number first, ', ')."""
    match = re.fullmatch(r"\{(number|street)\}(.*)\{(?:number|street)\}", fmt)
    if match is None:
        raise ValueError(f"bad street format {fmt!r}")
    return match[1] == "number", match[2]


@functools.cache
def model() -> Model:
    """The compiled reference data (built once per process, on first use)."""
    countries = data.COUNTRIES
    codes = [c.code for c in countries]
    tz_keys = list(data.TIMEZONES)
    return Model(
        codes=_strings(codes),
        country_name=_strings([c.name for c in countries]),
        nat_weight=np.array([c.weight for c in countries]),
        street=Choice.of([len(_split(c.streets)) for c in countries]),
        street_name=_strings([s for c in countries for s in _split(c.streets)]),
        street_max=np.array([c.street_max for c in countries], np.int64),
        id_name=_strings([c.id_name for c in countries]),
        has_id=np.array([c.id_template is not None for c in countries]),
        french_titles=np.array([c.titles == "fr" for c in countries]),
        tz_offset=_strings(tz_keys),
        tz_description=_strings(list(data.TIMEZONES.values())),
        **_name_tables(countries),
        **_city_tables(countries, tz_keys),
        **_format_tables(countries),
        **_provider_tables(countries),
        **_locale_tables(codes),
    )


@functools.cache
def _vocab() -> dict[str, pa.Array]:
    numbers = [str(i) for i in range(10_000)] + [f"{i:02d}" for i in range(100)] + [""]
    return {
        "numbers": _strings(numbers),
        "adjectives": _strings(_split(data.ADJECTIVES)),
        "animals": _strings(_split(data.ANIMALS)),
        "passwords": _strings(_split(data.PASSWORDS)),
        "genders": _strings(["male", "female"]),
        "titles": _strings(["Mr", "Ms", "Mrs", "Miss", "Monsieur", "Madame", "Mademoiselle"]),
        "separators": _strings(["", ".", "_", "-"]),
        "empty": _strings([""]),
        "pictures": _strings(
            [
                f"https://randomuser.me/api/portraits/{size}{who}/"
                for size in ("", "med/", "thumb/")
                for who in ("men", "women")
            ]
        ),
    }


# --- time ------------------------------------------------------------------------------------


def _years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February in a common year
        return moment.replace(year=moment.year - years, day=28)


def _epoch_ms(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)


@dataclass(frozen=True)
class Clock:
    """``as_of`` and its anniversaries (``as_of`` minus k years, k = 0..MAX_AGE + 1), in ms."""

    now: int
    anniversary: np.ndarray
    _ascending: np.ndarray

    @classmethod
    def at(cls, as_of: datetime) -> Clock:
        ms = np.array([_epoch_ms(_years_before(as_of, k)) for k in range(MAX_AGE + 2)], np.int64)
        return cls(int(ms[0]), ms, ms[1:][::-1].copy())

    def whole_years(self, ts: np.ndarray) -> np.ndarray:
        """Completed years between each timestamp and ``as_of``."""
        return len(self._ascending) - np.searchsorted(self._ascending, ts, side="left")


@functools.cache
def _age_table() -> tuple[np.ndarray, np.ndarray]:
    ages = np.arange(MIN_AGE, MAX_AGE + 1)
    weight = np.zeros(len(ages))
    for first, last, w in data.AGE_PROFILE:
        weight[(ages >= first) & (ages <= last)] = w
    cum = np.cumsum(weight)
    return ages, cum / cum[-1]


def _date_parts(ms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    day = (ms // _DAY_MS).astype("datetime64[D]")
    year, month = day.astype("datetime64[Y]"), day.astype("datetime64[M]")
    return (
        year.astype(np.int64) + 1970,
        (month - year.astype("datetime64[M]")).astype(np.int64) + 1,
        (day - month.astype("datetime64[D]")).astype(np.int64) + 1,
    )


_TWO_DIGITS = np.array([[48 + i // 10, 48 + i % 10] for i in range(100)], np.uint8)


# --- persons ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class People:
    """One chunk of persons: indexes into the model plus what several columns share."""

    country: np.ndarray
    female: np.ndarray
    given: np.ndarray
    family: np.ndarray
    city: np.ndarray
    street: np.ndarray
    number: np.ndarray
    dob: np.ndarray  # ms since the epoch
    fields: _Fields  # per-row bytes that id templates embed
    yy: np.ndarray  # two-digit year of birth (e-mail numbers)


def draw_people(
    m: Model, rng: np.random.Generator, country: np.ndarray, female: np.ndarray, clock: Clock
) -> People:
    """Names, address and birth date of each row, conditional on its country and gender."""
    n = len(country)
    given = m.given.draw(country * 2 + female, rng.random(n), skew=1.3)
    family = m.family.draw(country, rng.random(n), skew=1.25)
    city = m.city.draw(country, rng.random(n))
    street = m.street.draw(country, rng.random(n))
    number = 1 + (rng.random(n) ** 2 * m.street_max[country]).astype(np.int64)
    dob = _draw_dob(rng, clock, n)
    year, month, day = _date_parts(dob)
    fields = {
        "dd": _TWO_DIGITS[day],
        "mm": _TWO_DIGITS[month],
        "yy": _TWO_DIGITS[year % 100],
        "sex": (49 + female).astype(np.uint8)[:, None],
        "century": np.where(year < 2000, ord("-"), ord("A")).astype(np.uint8)[:, None],
        "initial": m.family_initial[family],
    }
    return People(country, female, given, family, city, street, number, dob, fields, year % 100)


def _draw_dob(rng: np.random.Generator, clock: Clock, n: int) -> np.ndarray:
    """Birth instants whose whole-year age at ``as_of`` follows the age profile (18-90)."""
    ages, cum = _age_table()
    age = ages[np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(ages) - 1)]
    low = clock.anniversary[age + 1] + _DAY_MS  # a day of margin: a midnight floor stays inside
    high = clock.anniversary[age] - 2 * _DAY_MS  # leaves room to register after turning 18
    return low + (rng.random(n) * (high - low)).astype(np.int64)


def draw_registered(rng: np.random.Generator, clock: Clock, dob: np.ndarray) -> np.ndarray:
    """Registration in the 20 years before ``as_of``, after the 18th birthday, recent likelier."""
    low = np.maximum(clock.anniversary[REGISTRATION_YEARS] + 1, dob + 6575 * _DAY_MS)
    span = clock.now - low
    return low + np.minimum((rng.random(len(dob)) ** 0.75 * span).astype(np.int64), span - 1)


def pick(kind: np.ndarray, choices: Sequence[pa.Array]) -> pa.Array:
    """Row i from ``choices[kind[i]]``; a choice of length 1 is a constant."""
    lengths = np.array([len(c) for c in choices], np.int64)
    base = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    row = np.where(lengths[kind] == 1, 0, np.arange(len(kind)))
    return pa.concat_arrays(choices).take(pa.array(base[kind] + row))


#: e-mail local parts: (first part, separator, second part, chance of a number, weight);
#: parts 0 first name, 1 its initial, 2 family name, 3 nothing
_EMAIL_PATTERNS = np.array(
    [
        (0, 1, 2, 0.55, 30),
        (0, 0, 2, 0.70, 18),
        (1, 1, 2, 0.50, 8),
        (1, 0, 2, 0.70, 10),
        (0, 2, 2, 0.60, 6),
        (2, 1, 0, 0.50, 5),
        (0, 0, 3, 1.00, 10),
        (2, 0, 3, 1.00, 4),
        (0, 3, 2, 0.50, 3),
        (2, 0, 1, 0.80, 3),
    ]
)
_EMAIL_CHOICE = Weighted.of([_EMAIL_PATTERNS[:, 4]])


def email_addresses(m: Model, rng: np.random.Generator, p: People) -> pa.Array:
    """``first.last87@gmail.com``-style addresses: name-derived local part, national provider."""
    n, vocab = len(p.country), _vocab()
    pattern = _EMAIL_PATTERNS[_EMAIL_CHOICE.draw(0, rng.random(n))]
    first, last = m.given_slug.take(pa.array(p.given)), m.family_slug.take(pa.array(p.family))
    parts = [first, m.given_initial.take(pa.array(p.given)), last, vocab["empty"]]
    kind = pattern[:, :3].astype(np.int64)
    u = rng.random(n)
    number = np.where(u < 0.35, 10_000 + p.yy, rng.integers(1, 10_000, n))
    number = np.where((u >= 0.35) & (u < 0.7), number % 99 + 1, number)
    number = np.where(rng.random(n) < pattern[:, 3], number, 10_100)  # 10_100: no number
    local = pc.binary_join_element_wise(
        pick(kind[:, 0], parts),
        vocab["separators"].take(pa.array(kind[:, 1])),
        pick(kind[:, 2], parts),
        vocab["numbers"].take(pa.array(number)),
        "",
    )
    domain = m.domain.take(pa.array(m.email.draw(p.country, rng.random(n))))
    return pc.binary_join_element_wise(local, "@", domain, "")


# --- login -----------------------------------------------------------------------------------

_ALNUM = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", np.uint8)
#: byte → its two hex digits, as one 16-bit word (native order: viewed back as bytes it reads right)
_HEX_PAIRS = np.frombuffer(b"".join(b"%02x" % i for i in range(256)), np.uint16)
#: a UUID's 36 characters from its 32 hex digits followed by a '-' (column 32)
_UUID_COLS = np.insert(np.arange(32), [8, 12, 16, 20], 32)


def hex_digits(raw: np.ndarray) -> np.ndarray:
    """An (n, k) byte matrix as its (n, 2k) matrix of lower-case hex digits (ASCII)."""
    return _HEX_PAIRS[raw].view(np.uint8)


def random_hex(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    return hex_digits(np.frombuffer(rng.bytes(n * width // 2), np.uint8).reshape(n, width // 2))


def uuid_text(digits: np.ndarray, variant: np.ndarray) -> pa.StringArray:
    """Version-4 UUID strings from (n, 32) hex digits and a variant index 0-3 per row."""
    digits[:, 12] = ord("4")
    digits[:, 16] = np.frombuffer(b"89ab", np.uint8)[variant]
    dashed = np.concatenate([digits, np.full((len(digits), 1), ord("-"), np.uint8)], axis=1)
    return fixed_width(np.take(dashed, _UUID_COLS, axis=1))


def uuid4(rng: np.random.Generator, n: int) -> pa.Array:
    digits = random_hex(rng, n, 32)
    return uuid_text(digits, rng.integers(0, 4, n))


def login_columns(rng: np.random.Generator, n: int) -> dict[str, pa.Array]:
    vocab = _vocab()
    adjective = rng.integers(0, len(vocab["adjectives"]), n)
    animal = rng.integers(0, len(vocab["animals"]), n)
    password = (rng.random(n) ** 2 * len(vocab["passwords"])).astype(np.int64)
    hashes = random_hex(rng, n, 32 + 40 + 64)
    return {
        "login_uuid": uuid4(rng, n),
        "login_username": pc.binary_join_element_wise(
            vocab["adjectives"].take(pa.array(adjective)),
            vocab["animals"].take(pa.array(animal)),
            vocab["numbers"].take(pa.array(rng.integers(100, 1000, n))),
            "",
        ),
        "login_password": vocab["passwords"].take(pa.array(password)),
        "login_salt": fixed_width(_ALNUM[rng.integers(0, len(_ALNUM), (n, 8))]),
        "login_md5": fixed_width(hashes[:, :32]),
        "login_sha1": fixed_width(hashes[:, 32:72]),
        "login_sha256": fixed_width(hashes[:, 72:]),
    }


# --- columns of the two shapes ---------------------------------------------------------------


def _formatted(
    m: Model, rng: np.random.Generator, kind: str, p: People, valid: np.ndarray | None = None
) -> pa.Array:
    tids = m.formats[kind].draw(p.country, rng.random(len(p.country)))
    return render(tids, m.templates, rng, p.fields, valid)


def _coordinates(
    m: Model, rng: np.random.Generator, city: np.ndarray, decimals: int
) -> tuple[pa.Array, pa.Array]:
    lat = m.city_lat[city] + rng.normal(0.0, JITTER_DEG, len(city))
    lon = m.city_lon[city] + rng.normal(0.0, JITTER_DEG, len(city)) / np.cos(np.radians(lat))
    return pa.array(np.round(lat, decimals)), pa.array(np.round(lon, decimals))


def _titles(m: Model, rng: np.random.Generator, p: People, age: np.ndarray) -> pa.Array:
    """Mr for men; Ms/Mrs/Miss for women (Miss mostly under 30); French forms for CH."""
    u = rng.random(len(age))
    young = age < 30
    miss = u < np.where(young, 0.35, 0.05)
    ms = ~miss & (u < np.where(young, 0.80, 0.45))
    title = np.where(p.female == 0, 0, np.where(miss, 3, np.where(ms, 1, 2)))
    title = np.where(m.french_titles[p.country], np.array([4, 5, 5, 6])[title], title)
    return _vocab()["titles"].take(pa.array(title))


def _pictures(rng: np.random.Generator, female: np.ndarray) -> list[pa.Array]:
    vocab = _vocab()
    number = vocab["numbers"].take(pa.array(rng.integers(0, 100, len(female))))
    return [
        pc.binary_join_element_wise(
            vocab["pictures"].take(pa.array(size * 2 + female)), number, ".jpg", ""
        )
        for size in range(3)
    ]


def randomuser_columns(
    m: Model, rng: np.random.Generator, clock: Clock, p: People, identity_only: bool = False
) -> dict[str, pa.Array]:
    """The randomuser columns of people ``p``. With ``identity_only``, only the ``IDENTITY``
    columns, the same values as in the whole set: it stops after the login columns, the last
    draws they depend on (what the events of these people need, at half the cost)."""
    n, take = len(p.country), pa.array
    lat, lon = _coordinates(m, rng, p.city, 4)
    tz = m.city_tz[p.city]
    age = clock.whole_years(p.dob)
    registered = draw_registered(rng, clock, p.dob)
    large, medium, thumbnail = _pictures(rng, p.female)
    head = {
        "gender": _vocab()["genders"].take(take(p.female)),
        "name_title": _titles(m, rng, p, age),
        "name_first": m.given_name.take(take(p.given)),
        "name_last": m.family_name.take(take(p.family)),
        "location_street_number": pa.array(p.number),
        "location_street_name": m.street_name.take(take(p.street)),
        "location_city": m.city_name.take(take(p.city)),
        "location_state": m.city_state.take(take(p.city)),
        "location_country": m.country_name.take(take(p.country)),
        "location_postcode": pc.binary_join_element_wise(
            m.city_prefix.take(take(p.city)), _formatted(m, rng, "postcode", p), ""
        ),
        "location_coordinates_latitude": lat,
        "location_coordinates_longitude": lon,
        "location_timezone_offset": m.tz_offset.take(take(tz)),
        "location_timezone_description": m.tz_description.take(take(tz)),
        "email": email_addresses(m, rng, p),
    }
    login = login_columns(rng, n)
    if identity_only:
        columns = {**head, **login, "registered_date": pa.array(registered, TS)}
        return {name: columns[name] for name in IDENTITY}
    return {
        **head,
        **login,
        "dob_date": pa.array(p.dob, TS),
        "dob_age": pa.array(age),
        "registered_date": pa.array(registered, TS),
        "registered_age": pa.array(clock.whole_years(registered)),
        "phone": _formatted(m, rng, "phone", p),
        "cell": _formatted(m, rng, "cell", p),
        "id_name": m.id_name.take(take(p.country)),
        "id_value": _formatted(m, rng, "id", p, valid=m.has_id[p.country]),
        "picture_large": large,
        "picture_medium": medium,
        "picture_thumbnail": thumbnail,
        "nat": m.codes.take(take(p.country)),
    }


def fakerapi_columns(
    m: Model, rng: np.random.Generator, p: People, locale: np.ndarray, first_row: int
) -> dict[str, pa.Array]:
    n, take = len(p.country), pa.array
    lat, lon = _coordinates(m, rng, p.city, 6)
    street = m.street_name.take(take(p.street))
    number = pc.cast(pa.array(p.number), pa.string())
    number_first = m.locale_number_first[locale].astype(np.int64)
    tld = m.web_tld.take(take(m.web.draw(p.country, rng.random(n))))
    last = m.family_slug.take(take(p.family))
    return {
        "id": pa.array((first_row + np.arange(n)) % FAKERAPI_PAGE + 1),
        "firstname": m.given_name.take(take(p.given)),
        "lastname": m.family_name.take(take(p.family)),
        "email": email_addresses(m, rng, p),
        "phone": _formatted(m, rng, "e164", p),
        "birthday": pa.array(p.dob - p.dob % _DAY_MS, TS),
        "gender": _vocab()["genders"].take(take(p.female)),
        "address_id": pa.array(np.ones(n, np.int64)),
        "address_street": pc.binary_join_element_wise(
            pick(number_first, [street, number]),
            m.locale_separator.take(take(locale)),
            pick(1 - number_first, [street, number]),
            "",
        ),
        "address_street_name": street,
        "address_building_number": number,
        "address_city": m.city_name.take(take(p.city)),
        "address_zipcode": pc.binary_join_element_wise(
            m.city_prefix.take(take(p.city)), _formatted(m, rng, "postcode", p), ""
        ),
        "address_country": m.locale_country_name.take(take(locale)),
        "address_country_code": m.codes.take(take(p.country)),
        "address_latitude": lat,
        "address_longitude": lon,
        "website": pc.binary_join_element_wise("http://", last, ".", tld, ""),
        "image": pa.repeat(pa.scalar(FAKERAPI_IMAGE), n),
    }


# --- arguments -------------------------------------------------------------------------------


def _suggest(value: str, choices: Sequence[str], aliases: dict[str, str] | None = None) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.5)
    hint = (aliases or {}).get(value) or (close[0] if close else None)
    return f"; did you mean {hint!r}?" if hint else ""


def check_shape(shape: str) -> str:
    if shape not in SHAPES:
        raise ConfigError(
            f"unknown shape {shape!r}{_suggest(str(shape), list(SHAPES))} "
            f"(choose {' or '.join(SHAPES)})"
        )
    return shape


def check_count(name: str, value: int, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ConfigError(f"{name} must be an integer ≥ {low}, got {value!r}")
    return int(value)


def check_gender(gender: str | None) -> str | None:
    if gender is None:
        return None
    value = str(gender).strip().lower()
    if value not in ("male", "female"):
        raise ConfigError(f"gender must be 'male', 'female' or None, got {gender!r}")
    return value


def check_nat(nat: Sequence[str] | str | None, shape: str) -> tuple[str, ...] | None:
    """Upper-cased randomuser nationality codes in canonical order (None: all 21)."""
    if nat is None:
        return None
    if shape == "fakerapi":
        raise ConfigError("nat applies to the randomuser shape; use locale for fakerapi")
    codes = [c.strip().upper() for c in (nat.split(",") if isinstance(nat, str) else nat)]
    if not [c for c in codes if c]:
        raise ConfigError("nat is empty: give nationality codes such as ['DE', 'FR'] or None")
    for code in codes:
        if code not in data.NATS:
            hint = _suggest(code, data.NATS, NAT_ALIASES)
            raise ConfigError(f"unknown nationality {code!r}{hint} (valid: {', '.join(data.NATS)})")
    return tuple(c for c in data.NATS if c in codes)  # canonical order: same set, same users


def check_locale(locale: str | None, shape: str) -> str | None:
    if locale is None:
        return None
    if shape != "fakerapi":
        raise ConfigError("locale applies to the fakerapi shape; use nat for randomuser")
    known = {name.lower(): name for name in data.LOCALES}
    value = known.get(str(locale).strip().replace("-", "_").lower())
    if value is None:
        raise ConfigError(
            f"unknown locale {locale!r}{_suggest(str(locale), list(data.LOCALES))}"
            f" (valid: {', '.join(data.LOCALES)})"
        )
    return value


def check_as_of(as_of: datetime) -> datetime:
    if not isinstance(as_of, datetime):
        raise ConfigError(f"as_of must be a datetime, got {type(as_of).__name__}")
    return as_of.replace(tzinfo=UTC) if as_of.tzinfo is None else as_of.astimezone(UTC)


# --- the source ------------------------------------------------------------------------------


class SyntheticSource:
    """Synthetic users in the randomuser or FakerAPI shape, or the events of the randomuser
    users (``shape="events"``): seeded, offline, bounded batches.

    ``nat`` restricts randomuser nationalities (None: all 21, with realistic shares);
    ``locale`` fixes the FakerAPI locale (None: a realistic mix of ``LOCALES``);
    ``gender`` fixes the gender (None: about half each). Ages are 18–90 at ``as_of``.
    With ``shape="events"``, ``persons`` is the number of users whose events are produced
    (about 10 each), and ``nat``/``gender`` select those users as for randomuser.
    """

    name = "synthetic"

    def __init__(
        self,
        shape: str = "randomuser",
        persons: int = 30_000,
        seed: int = 0,
        gender: str | None = None,
        nat: Sequence[str] | None = None,
        locale: str | None = None,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        as_of: datetime = datetime(2026, 1, 1, tzinfo=UTC),
    ) -> None:
        self.shape = check_shape(shape)
        self.schema: pa.Schema = SHAPES[self.shape]
        self.persons = check_count("persons", persons, 0)
        self.seed = check_count("seed", seed, 0)
        self.gender = check_gender(gender)
        self.nat = check_nat(nat, self.shape)
        self.locale = check_locale(locale, self.shape)
        self.batch_rows = check_count("batch_rows", batch_rows, 1)
        self.as_of = check_as_of(as_of)
        self.quarantine = Quarantine()
        self._events: int | None = None

    def __repr__(self) -> str:
        return f"SyntheticSource({', '.join(f'{k}={v!r}' for k, v in self.fingerprint().items())})"

    def fingerprint(self) -> dict[str, Any]:
        return {
            "source": self.name,
            "shape": self.shape,
            "persons": self.persons,
            "seed": self.seed,
            "gender": self.gender,
            "nat": list(self.nat) if self.nat else None,
            "locale": self.locale,
            "as_of": self.as_of.isoformat(),
        }

    def expected_rows(self) -> int:
        if self.shape != "events":
            return self.persons
        if self._events is None:  # exact: the event counts are cheap to draw alone
            from veil.sources.synthetic_events import count_events

            self._events = count_events(self, self._users())
        return self._events

    def _users(self) -> SyntheticSource:
        """The randomuser-shape source of the users whose events this source makes."""
        return SyntheticSource(
            "randomuser", self.persons, self.seed, self.gender, self.nat, as_of=self.as_of
        )

    def batches(
        self,
        progress: ProgressCallback | None = None,
        columns: Collection[str] | None = None,
    ) -> Iterator[pa.RecordBatch]:
        """Batches of at most ``batch_rows`` rows, the same users for the same seed.

        ``columns`` narrows the batches; the users are the same whatever it asks for.
        Users come in batches of exactly ``batch_rows`` (the last may be short); events in
        zero-copy slices of each user chunk's events, at most ``batch_rows`` each.
        """
        names = projection(self.schema, columns)
        cut = split if self.shape == "events" else rebatch
        for batch in cut(self._chunks(names), self.batch_rows):
            if progress is not None:
                progress(batch.num_rows)
            yield batch.select(names)

    def _chunks(self, names: list[str]) -> Iterator[pa.RecordBatch]:
        if self.shape == "events":
            from veil.sources.synthetic_events import event_chunks

            yield from event_chunks(self, self._users(), names)
            return
        generator = _ChunkGenerator(self)
        for index, rows in user_chunks(self.persons):
            yield generator.chunk(index).slice(0, rows)


def user_chunks(persons: int) -> Iterator[tuple[int, int]]:
    """(chunk index, persons used of it) for ``persons`` persons: chunks are always whole."""
    for index in range(-(-persons // CHUNK_ROWS)):
        yield index, min(CHUNK_ROWS, persons - index * CHUNK_ROWS)


#: the user columns that the events of a user carry (``veil.sources.synthetic_events``)
IDENTITY = ("login_uuid", "registered_date", "location_country")


class _ChunkGenerator:
    """Makes chunk ``i`` of a source's users, always whole, from ``SeedSequence([seed, i])``."""

    def __init__(self, source: SyntheticSource) -> None:
        self.model, self.clock, self.source = model(), Clock.at(source.as_of), source
        codes = self.model.codes.to_pylist()
        if source.shape == "randomuser":
            self.group = np.array([codes.index(c) for c in (source.nat or data.NATS)])
            weights = self.model.nat_weight[self.group]
        else:
            names = list(data.LOCALES)
            self.group = np.array(
                [names.index(source.locale)] if source.locale else range(len(names))
            )
            weights = np.array([data.LOCALES[names[i]].weight for i in self.group])
        self.group_choice = Weighted.of([weights])

    def chunk(self, index: int, identity_only: bool = False) -> pa.RecordBatch:
        """Chunk ``index``: whole, or (randomuser) only its ``IDENTITY`` columns."""
        rng = np.random.default_rng(np.random.SeedSequence([self.source.seed, index]))
        group = self.group[self.group_choice.draw(0, rng.random(CHUNK_ROWS))]
        if self.source.gender is None:
            female = (rng.random(CHUNK_ROWS) < 0.5).astype(np.int64)
        else:
            female = np.full(CHUNK_ROWS, int(self.source.gender == "female"), np.int64)
        m = self.model
        if self.source.shape == "randomuser":
            people = draw_people(m, rng, group, female, self.clock)
            columns = randomuser_columns(m, rng, self.clock, people, identity_only)
            schema = pa.schema([RANDOMUSER.field(f) for f in RANDOMUSER.names if f in columns])
            return pa.RecordBatch.from_arrays([columns[f.name] for f in schema], schema=schema)
        people = draw_people(m, rng, m.locale_country[group], female, self.clock)
        columns = fakerapi_columns(m, rng, people, group, index * CHUNK_ROWS)
        return pa.RecordBatch.from_arrays([columns[f] for f in FAKERAPI.names], schema=FAKERAPI)

    def identity(self, index: int) -> dict[str, pa.Array]:
        """What the events of chunk ``index``'s users carry of them (randomuser shape)."""
        batch = self.chunk(index, identity_only=True)
        return {name: batch.column(name) for name in IDENTITY}


def rebatch(chunks: Iterator[pa.RecordBatch], size: int) -> Iterator[pa.RecordBatch]:
    """Re-cut a stream of batches into batches of exactly ``size`` rows (the last may be short)."""
    pending: list[pa.RecordBatch] = []
    have = 0
    for chunk in chunks:
        while chunk.num_rows:
            take = min(size - have, chunk.num_rows)
            pending.append(chunk.slice(0, take))
            have, chunk = have + take, chunk.slice(take)
            if have == size:
                yield _concat(pending)
                pending, have = [], 0
    if have:
        yield _concat(pending)


def split(chunks: Iterator[pa.RecordBatch], size: int) -> Iterator[pa.RecordBatch]:
    """Cut each batch into near-equal slices of at most ``size`` rows (no copies)."""
    for chunk in chunks:
        parts = -(-chunk.num_rows // size)
        for k in range(parts):
            start = chunk.num_rows * k // parts
            yield chunk.slice(start, chunk.num_rows * (k + 1) // parts - start)


def _concat(batches: list[pa.RecordBatch]) -> pa.RecordBatch:
    if len(batches) == 1:
        return batches[0]
    if hasattr(pa, "concat_batches"):  # pyarrow >= 19
        return pa.concat_batches(batches)
    return pa.Table.from_batches(batches).combine_chunks().to_batches()[0]


__all__ = ["CHUNK_ROWS", "SyntheticSource", "slug"]
