"""Word lists for ``pseudonym``: Faker's provider data (MIT licence), read as class attributes.

Only the data is used (``first_names_male``, ``last_names``, ``street_suffixes``, the address
format strings…); Faker's own random generator never runs. Every list is built once per
locale (cached), deduplicated in first-seen order, and kept as a pyarrow string array; the
order is part of the mapping (a surrogate is ``list[PRF(value) mod len(list)]``), so a Faker
upgrade that changes a list changes the surrogates: the version is pinned in
``requirements.lock``.

Locales: a Faker locale string (``de_DE``) or a randomuser.me nationality code (``DE``), see
:data:`NAT_LOCALES`. A locale without a person provider of its own uses its language's, and
English locales add the large generic ``en`` lists (7,000 first names) to their own.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DEFAULT_LOCALE = "en_US"

#: the locales ``pseudonym`` accepts (a Faker person provider exists for each, or its language)
SUPPORTED_LOCALES: tuple[str, ...] = (
    "da_DK", "de_AT", "de_CH", "de_DE", "en_AU", "en_CA", "en_GB", "en_IE", "en_IN", "en_NZ",
    "en_US", "es_ES", "es_MX", "fa_IR", "fi_FI", "fr_CH", "fr_FR", "hr_HR", "it_IT", "nl_BE",
    "nl_NL", "no_NO", "pt_BR", "pt_PT", "sv_SE", "tr_TR", "uk_UA",
)  # fmt: skip

#: randomuser.me ``nat`` codes (and a few more countries) → locale
NAT_LOCALES: dict[str, str] = {
    "AT": "de_AT", "AU": "en_AU", "BE": "nl_BE", "BR": "pt_BR", "CA": "en_CA", "CH": "de_CH",
    "DE": "de_DE", "DK": "da_DK", "ES": "es_ES", "FI": "fi_FI", "FR": "fr_FR", "GB": "en_GB",
    "HR": "hr_HR", "IE": "en_IE", "IN": "en_IN", "IR": "fa_IR", "IT": "it_IT", "MX": "es_MX",
    "NL": "nl_NL", "NO": "no_NO", "NZ": "en_NZ", "PT": "pt_PT", "SE": "sv_SE", "TR": "tr_TR",
    "UA": "uk_UA", "UK": "en_GB", "US": "en_US",
}  # fmt: skip

# person module fallbacks for locales Faker has no person provider for
_PERSON_FALLBACK = {"en_AU": "en_US", "en_CA": "en_US"}
# a locale without an address provider borrows one
_ADDRESS_FALLBACK = {"tr_TR": "en_US", "hr_HR": "en_US", "nl_BE": "nl_NL", "pt_PT": "pt_BR"}
_MIN_SLUGS = 20  # fewer ASCII-spellable names than this: e-mails use en_US's (e.g. uk_UA)

_FOLD = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "œ": "oe", "Œ": "oe", "ł": "l",
     "Ł": "l", "đ": "d", "Đ": "d", "þ": "th", "Þ": "th", "ð": "d", "ı": "i"}
)  # fmt: skip
_NOT_SLUG = re.compile(r"[^a-z0-9]")


def slug(name: str) -> str:
    """``name`` as lowercase ASCII letters and digits (accents folded), for e-mails."""
    folded = unicodedata.normalize("NFKD", name.translate(_FOLD))
    ascii_ = "".join(c for c in folded if not unicodedata.combining(c))
    return _NOT_SLUG.sub("", ascii_.lower())


def _words(value: Any) -> list[str]:
    """A Faker list attribute (tuple, list or weighted OrderedDict) as a list of strings."""
    if isinstance(value, dict):
        value = list(value)
    return [str(v) for v in value]


def _dedup(*lists: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(w for words in lists for w in words if w))


def _provider(kind: str, locale: str) -> Any | None:
    try:
        return importlib.import_module(f"faker.providers.{kind}.{locale}").Provider
    except ModuleNotFoundError:
        return None


@dataclass(frozen=True)
class Names:
    """One locale's names: first names by gender (male, female, all), last names, and the
    ASCII slugs of both (for e-mails and usernames)."""

    first: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
    last: tuple[str, ...]
    first_slug: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
    last_slug: tuple[str, ...]


def _slugs(words: tuple[str, ...], fallback: tuple[str, ...]) -> tuple[str, ...]:
    out = _dedup(slug(w) for w in words)
    return out if len(out) >= _MIN_SLUGS else fallback


@cache
def names(locale: str) -> Names:
    """The name lists of a supported locale (built once)."""
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    modules = [_provider("person", _PERSON_FALLBACK.get(locale, locale))]
    if locale.startswith("en_"):
        modules.append(_provider("person", "en"))  # the large generic English lists
    male: list[str] = []
    female: list[str] = []
    last: list[str] = []
    for p in modules:
        if p is None:
            continue
        every = _words(getattr(p, "first_names", ()))
        male += _words(getattr(p, "first_names_male", ())) or every
        female += _words(getattr(p, "first_names_female", ())) or every
        last += _words(getattr(p, "last_names", ()))
    first = (_dedup(male), _dedup(female), _dedup(male, female))
    if not first[2] or not last:
        raise ValueError(f"no name lists for locale {locale!r}")
    default = names(DEFAULT_LOCALE) if locale != DEFAULT_LOCALE else None
    fb_first = default.first_slug if default else ((), (), ())
    fb_last = default.last_slug if default else ()
    first_slug = (
        _slugs(first[0], fb_first[0]),
        _slugs(first[1], fb_first[1]),
        _slugs(first[2], fb_first[2]),
    )
    return Names(first, _dedup(last), first_slug, _slugs(_dedup(last), fb_last))


@dataclass(frozen=True)
class Bank:
    """Lists of several locales (and genders) in one array: list ``[i, g]`` is
    ``values[offsets[i, g] : offsets[i, g] + lengths[i, g]]``, so one ``take`` serves every
    row whatever its locale and gender."""

    values: pa.Array
    offsets: np.ndarray = field(repr=False)
    lengths: np.ndarray = field(repr=False)
    #: the values lowercased, and for each the position of its first equal lowercased value
    lowered: pa.Array = field(repr=False)
    canon: np.ndarray = field(repr=False)


@cache
def bank(locales: tuple[str, ...], table: str) -> Bank:
    """``table`` is ``first``/``first_slug`` (3 lists per locale: male, female, all) or
    ``last``/``last_slug`` (one)."""
    lists: list[list[tuple[str, ...]]] = []
    for loc in locales:
        value = getattr(names(loc), table)
        lists.append(list(value) if table.startswith("first") else [value])
    flat: list[str] = []
    offsets = np.zeros((len(locales), len(lists[0])), dtype=np.int64)
    lengths = np.zeros_like(offsets)
    for i, per_locale in enumerate(lists):
        for g, words in enumerate(per_locale):
            offsets[i, g], lengths[i, g] = len(flat), len(words)
            flat += words
    values = pa.array(flat, pa.string())
    lowered = pc.utf8_lower(values)
    canon = pc.index_in(lowered, value_set=lowered).to_numpy(zero_copy_only=False)
    return Bank(values, offsets, lengths, lowered, canon.astype(np.int64))


# --- street addresses: Faker's format strings, compiled to a small tree -------------------


@dataclass(frozen=True)
class Words:
    """One word from a list, chosen by stream ``sid``."""

    sid: int
    words: pa.Array


@dataclass(frozen=True)
class Choice:
    """One of ``options`` (repeated options weigh more), chosen by stream ``sid``."""

    sid: int
    options: tuple[Seq, ...]


@dataclass(frozen=True)
class Seq:
    """Parts joined: literal text, :class:`Words`, :class:`Choice`."""

    parts: tuple[str | Words | Choice, ...]


# Faker formats whose provider overrides the method the format string would drive
_STREET_NAME_FORMATS: dict[str, tuple[str, ...]] = {"uk_UA": ("{{street_title}}",)}
_TOKEN = re.compile(r"\{\{(\w+)\}\}")
_DIGITS = {
    "#": [str(d) for d in range(10)],
    "%": [str(d) for d in range(1, 10)],
    "?": [chr(c) for c in range(ord("A"), ord("Z") + 1)],
}
_DIGITS["!"], _DIGITS["@"] = _DIGITS["#"], _DIGITS["%"]
# formats with these parts are left out: a street address here is a number and a street
_SKIP = ("secondary_address", "rd_number", "\n", "PO Box", "country", "state", "city")


class _Compiler:
    def __init__(self, locale: str, address: Any) -> None:
        self.locale = locale
        self.names = names(locale)
        self.address = address
        self.next_sid = 0
        self.in_street_name = False
        self.arrays: dict[tuple[str, ...], pa.Array] = {}

    def sid(self) -> int:
        self.next_sid += 1
        return self.next_sid - 1

    def words(self, values: tuple[str, ...]) -> Words:
        arr = self.arrays.get(values)
        if arr is None:
            arr = self.arrays[values] = pa.array(values, pa.string())
        return Words(self.sid(), arr)

    def choice(self, formats: Iterable[str] | str) -> Choice | None:
        if isinstance(formats, str):
            formats = (formats,)
        options = [self.template(f) for f in formats if not any(s in f for s in _SKIP)]
        kept = tuple(o for o in options if o is not None)
        return Choice(self.sid(), kept) if kept else None

    def template(self, text: str) -> Seq | None:
        parts: list[str | Words | Choice] = []
        for i, piece in enumerate(_TOKEN.split(text)):
            if i % 2 == 0:
                if piece:
                    parts.append(piece)
                continue
            node = self.token(piece)
            if node is None:
                return None
            parts.append(node)
        return Seq(tuple(parts))

    def number(self, fmt: str) -> Seq:
        if fmt.startswith("#"):
            fmt = "%" + fmt[1:]  # no house number 007
        return Seq(tuple(self.words(tuple(_DIGITS[c])) if c in _DIGITS else c for c in fmt))

    def token(self, name: str) -> Words | Choice | None:
        a = self.address
        if name == "first_name":
            return self.words(self.names.first[2])
        if name == "last_name":
            return self.words(self.names.last)
        if name == "building_number":
            numbers = getattr(a, "building_number_formats", ("###",))
            return Choice(self.sid(), tuple(self.number(f) for f in numbers))
        if name == "street_name" and not self.in_street_name:
            self.in_street_name = True  # a format that names itself is left out
            try:
                own = _STREET_NAME_FORMATS.get(self.locale, ())
                return self.choice(own or getattr(a, "street_name_formats", ()))
            finally:
                self.in_street_name = False
        plural = name.replace("suffix", "suffixes").replace("prefix", "prefixes")
        candidates = (plural.replace("title", "titles"), name + "s", name.replace("dk_", "") + "s")
        for attr in candidates:
            value = getattr(a, attr, None)
            if isinstance(value, tuple | list | dict) and value:
                return self.words(_dedup(_words(value)))
        return None


@cache
def street_address(locale: str) -> Choice:
    """The compiled street-address formats of a locale (names from the locale's lists)."""
    for source in (locale, _ADDRESS_FALLBACK.get(locale, DEFAULT_LOCALE), DEFAULT_LOCALE):
        address = _provider("address", source)
        if address is None:
            continue
        tree = _Compiler(locale, address).choice(getattr(address, "street_address_formats", ()))
        if tree is not None:
            return tree
    raise ValueError(f"no street address formats for locale {locale!r}")
