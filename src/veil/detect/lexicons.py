"""Value dictionaries: given names, family names, country names and codes.

With ``faker`` installed, its person and address providers of the locales below give the
lists (a few thousand names). Without it, the compact lists shipped in ``detect/data/``
are used: ``given.txt`` and ``family.txt`` hold the most frequent names of the same locales
(the first 300 of each faker list; a name per line), ``countries.txt`` the ISO 3166 alpha-2
codes and the country names in those languages. Every entry is folded (lowercase, accents
removed) as :func:`veil.detect.names.fold` does, so lookups compare folded values.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from functools import cache
from importlib import resources

from veil.detect.names import fold

LOCALES = (
    "en_US", "en_GB", "en_AU", "en_CA", "en_IE", "en_IN", "de_DE", "de_AT", "de_CH", "fr_FR",
    "fr_CH", "es_ES", "es_MX", "it_IT", "nl_NL", "nl_BE", "pt_PT", "pt_BR", "da_DK", "fi_FI",
    "no_NO", "sv_SE", "tr_TR", "pl_PL",
)  # fmt: skip
FALLBACK_PER_LOCALE = 300


def _fold_all(values: Iterable[str]) -> set[str]:
    return {fold(v).strip().lower() for v in values if v and v.strip()}


def _faker_lists(module: str, attrs: tuple[str, ...]) -> list[list[str]] | None:
    """One list per locale of faker's ``module`` (person/address), or None without faker."""
    try:
        importlib.import_module("faker")
    except ImportError:
        return None
    out: list[list[str]] = []
    for locale in LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.{module}.{locale}").Provider
        except (ImportError, AttributeError):
            continue
        for attr in attrs:
            values = getattr(provider, attr, None)
            if values:
                out.append([str(v) for v in values])
    return out


def _shipped(name: str) -> set[str]:
    text = (resources.files("veil.detect") / "data" / name).read_text(encoding="utf-8")
    return {line.strip() for line in text.splitlines() if line.strip()}


@cache
def given_names() -> frozenset[str]:
    lists = _faker_lists("person", ("first_names", "first_names_female", "first_names_male"))
    if lists is None:
        return frozenset(_shipped("given.txt"))
    return frozenset(_fold_all(v for values in lists for v in values))


@cache
def family_names() -> frozenset[str]:
    lists = _faker_lists("person", ("last_names",))
    if lists is None:
        return frozenset(_shipped("family.txt"))
    return frozenset(_fold_all(v for values in lists for v in values))


@cache
def countries() -> frozenset[str]:
    """Country names (several languages) and ISO alpha-2 codes, folded."""
    return frozenset(_shipped("countries.txt"))


def fallback_lists() -> dict[str, list[str]]:
    """The compact lists shipped in ``detect/data`` (how they were made; needs faker)."""
    given: set[str] = set()
    family: set[str] = set()
    for locale in LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except (ImportError, AttributeError):
            continue
        given |= _fold_all(list(getattr(provider, "first_names", ()))[:FALLBACK_PER_LOCALE])
        family |= _fold_all(list(getattr(provider, "last_names", ()))[:FALLBACK_PER_LOCALE])
    names: set[str] = set()
    for values in _faker_lists("address", ("countries",)) or []:
        names |= _fold_all(values)
    codes = importlib.import_module("faker.providers.address").Provider.alpha_2_country_codes
    names |= {c.lower() for c in codes}
    return {
        "given.txt": sorted(given),
        "family.txt": sorted(family),
        "countries.txt": sorted(names),
    }
