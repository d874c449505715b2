"""Value validators: what fraction of a column's sampled values looks like each entity type.

Every validator takes a sample of non-null values and returns a boolean numpy mask, computed
over the whole array at once: regular expressions run in Arrow compute (RE2, linear time),
checksums (Luhn for card numbers, mod-97 for IBANs) run on a numpy matrix of character codes,
one column of the matrix at a time, never a Python loop per value. Only the phone validator
calls the ``phonenumbers`` library per value, on at most ``PHONE_SUBSAMPLE`` values that
passed a cheap regular-expression prefilter.

Values longer than ``MAX_CHARS`` are cut before validation (a 10 MB cell cannot slow a scan
down). :func:`profile` runs them all and returns counts only: it never keeps a value.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from veil.detect import lexicons

MAX_CHARS = 256
PHONE_SUBSAMPLE = 100
# national numbers (no +): tried in these regions, most common first
PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "PT", "BR", "AU", "IN", "CH")

EMAIL = r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$"  # noqa: E501
URL = r"^(?i)(?:https?|ftp)://[^\s/$.?#][^\s]*$|^(?i)www\.[^\s]+\.[a-z]{2,}[^\s]*$"
IMAGE_URL = r"(?i)\.(?:jpe?g|png|gif|webp|bmp|svg|heic)(?:\?[^\s]*)?$|(?i)/(?:portraits?|avatars?|photos?|images?|img|people)(?:/|$)"  # noqa: E501
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
IPV4 = rf"^{_OCTET}(?:\.{_OCTET}){{3}}$"
IPV6_PRE = r"^[0-9A-Fa-f:.]{2,45}$"
MAC = (
    r"^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$|^[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}$"
    r"|^[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}$"
)
UUID = r"^\{?[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}\}?$"
CARD_PRE = r"^\d{4}(?:[ \-]?\d{2,7}){2,4}$|^\d{13,19}$"
CARD_IIN = r"^(?:4\d{12}(?:\d{3}){0,2}|5[1-5]\d{14}|2[2-7]\d{14}|3[47]\d{13}|3(?:0[0-5]|[68]\d)\d{11,16}|6(?:011|5\d\d|4[4-9]\d)\d{12,15}|35\d{14}|(?:5018|5020|5038|6304|6759|676[1-3])\d{8,15})$"  # noqa: E501
IBAN_PRE = r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$"
SSN = r"^(?P<area>\d{3})(?P<sep>[\- ]?)(?P<group>\d{2})[\- ]?(?P<serial>\d{4})$"
PHONE_PRE = r"^(?:\+|00)?[\d\s().\-/]{6,24}$"
PHONE_EXT = r"(?i)\s*(?:x|ext\.?|extension|durchwahl)\s*\d{1,6}$"
PHONE_FORMATTED = r"^\+|^0|[\s().\-/]"
POSTCODE_DISTINCT = (
    r"^(?i)[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$"  # GB
    r"|^(?i)[A-Z]\d[A-Z]\s?\d[A-Z]\d$"  # CA
    r"|^\d{4}\s?[A-Za-z]{2}$"  # NL
    r"|^\d{5}-\d{3}$|^\d{4}-\d{3}$|^\d{2}-\d{3}$|^\d{3}-\d{4}$|^\d{5}-\d{4}$"  # BR PT PL JP US
    r"|^(?i)(?:D|A|CH|F|L|B|NL|DE)-\d{4,5}$"  # with country prefix
)
POSTCODE_DIGITS = r"^\d{4,5}$|^\d{3}\s?\d{2}$|^\d{6}$"
DATE_ISO = (
    r"^(?P<y>\d{4})[\-/](?P<m>\d{1,2})[\-/](?P<d>\d{1,2})(?:[T ][\d:.]+(?:Z|[+\-]\d{2}:?\d{2})?)?$"
)
DATE_DMY = r"^(?P<d>\d{1,2})[./\-](?P<m>\d{1,2})[./\-](?P<y>\d{4})(?:[ T][\d:.]+)?$"
BCRYPT = r"^\$(?:2[abxy]?|argon2(?:id|i|d)?|[156]|pbkdf2[\w\-]*|scrypt)\$[^\s]{8,}$"
HEX_DIGEST = r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128})$"  # noqa: E501
TOKEN = r"^[A-Za-z0-9+/_\-]{16,}={0,2}$"
SECRETISH = r"^[^\s]{6,64}$"
NUMERIC = r"^[+\-]?\d+(?:[.,]\d+)?$"
_STREET_WORDS = (
    "street|st|road|rd|avenue|ave|av|lane|ln|drive|dr|boulevard|blvd|bd|bvd|way|court|ct|place|"
    "pl|terrace|square|sq|highway|hwy|parkway|pkwy|circle|cir|trail|crescent|close|row|rue|"
    "chemin|impasse|allee|quai|cours|passage|route|calle|avenida|avda|paseo|plaza|camino|"
    "carrera|ronda|travesia|carretera|via|viale|piazza|corso|largo|vicolo|contrada|strada|rua|"
    "travessa|praca|estrada|alameda|straat|laan|weg|plein|gracht|kade|dijk|steeg|singel|dreef|"
    "strasse|str|gasse|platz|ring|damm|ufer|chaussee|steig|stieg|springs|mall|crossing|ridge|"
    "hills|park|view|heights|gardens|grove|mews|walk|point|ports|plaza|loop|pass|path|pike|"
    "rest|expressway|freeway|turnpike|vista|knoll|meadows|estates|manor|harbor|hollow"
)
STREET = (
    rf"(?:^|[\s,.'])(?:{_STREET_WORDS})(?:$|[\s,.])"
    r"|[a-z]{2}(?:strasse|str\.|weg|gasse|platz|allee|ring|damm|straat|laan|plein|gracht|kade|"
    r"dijk|steeg|singel|dreef)(?:$|[\s,])"
    r"|^\d{1,5}[a-z]?,?\s+[a-z]{2,}(?:\s+[a-z]+){0,4}$"
    r"|^[a-z][a-z\s'.\-]{2,40},?\s+\d{1,5}(?:\s?[a-z]|-\d{1,4})?$"
)
NAME_SHAPE = r"^\pL[\pL'’.\-]*(?:\s+\pL[\pL'’.\-]*){0,3}$"
GENDER_WORDS = frozenset(
    str.split(
        "male female man woman men women mann frau herr mannlich weiblich divers diverse homme "
        "femme hombre mujer masculino femenino maschio femmina uomo donna vrouw vrouwelijk "
        "mannelijk other non-binary nonbinary unknown mr mrs ms miss mx mme mlle monsieur "
        "madame mademoiselle sr sra srta signor signora sig sig.ra dhr mevr senhor senhora "
        "m. mme. masculin feminin fem masc feminino masculina feminina homem mulher outro outra"
    )
)
GENDER_LETTERS = frozenset(["m", "f", "w", "d", "h", "v", "x", "u"])


@dataclass
class ValueProfile:
    """Counts of sampled values each validator accepted (no values are kept)."""

    kind: str  # string, integer, float, temporal, boolean, binary, nested, null, other
    sampled: int = 0
    nulls: int = 0
    matched: dict[str, int] = field(default_factory=dict)
    stats: dict[str, float] = field(default_factory=dict)

    def frac(self, name: str) -> float:
        if self.sampled == 0:
            return 0.0
        return self.matched.get(name, 0) / self.sampled


def _mask(values: pa.Array, pattern: str) -> np.ndarray:
    out = pc.match_substring_regex(values, pattern)
    return np.asarray(out.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def folded_lower(values: pa.Array) -> pa.Array:
    """Lowercase, accents removed, ß → ss: the form the dictionaries hold."""
    if pc.all(pc.string_is_ascii(values)).as_py() is not False:
        return pc.ascii_lower(values)
    text = pc.replace_substring(values, "ß", "ss")
    text = pc.utf8_normalize(text, form="NFKD")
    text = pc.replace_substring_regex(text, r"\p{Mn}", "")
    return pc.utf8_lower(text)


def char_matrix(values: pa.Array, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Byte codes of each value, left-aligned in a (n, width) matrix, and the lengths.

    Values longer than ``width`` are cut; callers check the lengths first.
    """
    if values.offset:
        values = values.take(pa.array(np.arange(len(values))))
    n = len(values)
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)[: n + 1]
    data_buf = values.buffers()[2]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(1, np.uint8)
    )
    lengths = np.diff(offsets)
    clipped = np.minimum(lengths, width)
    rows = np.repeat(np.arange(n), clipped)
    starts = np.repeat(np.cumsum(clipped) - clipped, clipped)
    cols = np.arange(int(clipped.sum())) - starts
    mat = np.zeros((n, width), dtype=np.uint8)
    mat[rows, cols] = data[offsets[:-1][rows] + cols]
    return mat, lengths


def luhn_valid(digits: pa.Array) -> np.ndarray:
    """Luhn checksum of strings of 1–19 ASCII digits (others: False), vectorised."""
    width = 19
    mat, lengths = char_matrix(digits, width)
    ok = (lengths > 0) & (lengths <= width)
    # right-align: shift each row so that its last digit is in the last column
    idx = (np.arange(width)[None, :] - (width - lengths)[:, None]).clip(0, width - 1)
    right = np.take_along_axis(mat, idx, axis=1).astype(np.int64) - 48
    right[np.arange(width)[None, :] < (width - lengths)[:, None]] = 0
    ok &= ((right >= 0) & (right <= 9)).all(axis=1)
    double = (width - 1 - np.arange(width)) % 2 == 1
    doubled = right * 2
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    total = np.where(double[None, :], doubled, right).sum(axis=1)
    return ok & (total % 10 == 0)


def iban_valid(values: pa.Array) -> np.ndarray:
    """ISO 13616 mod-97 check of upper-case, space-free IBAN candidates, vectorised."""
    width = 34
    mat, lengths = char_matrix(values, width)
    ok = (lengths >= 15) & (lengths <= width)
    safe = np.clip(lengths, 1, width)
    # move the first four characters to the end
    idx = (np.arange(width)[None, :] + 4) % safe[:, None]
    chars = np.take_along_axis(mat, idx, axis=1).astype(np.int64)
    digit = (chars >= 48) & (chars <= 57)
    letter = (chars >= 65) & (chars <= 90)
    value = np.where(digit, chars - 48, chars - 55)
    state = np.zeros(len(lengths), dtype=np.int64)
    for j in range(width):
        live = j < lengths
        ok &= ~live | digit[:, j] | letter[:, j]
        mult = np.where(letter[:, j], 100, 10)
        state = np.where(live, (state * mult + value[:, j]) % 97, state)
    return ok & (state == 1)


def ssn_valid(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """US SSNs (area not 000/666/9xx, group not 00, serial not 0000): any form, and dashed."""
    parts = pc.extract_regex(values, SSN)
    matched = np.asarray(pc.is_valid(parts).to_numpy(zero_copy_only=False), dtype=bool)

    def _num(name: str) -> np.ndarray:
        col = pc.struct_field(parts, name).fill_null("0")
        col = pc.if_else(pc.equal(col, ""), "0", col)
        return np.asarray(pc.cast(col, pa.int64()).to_numpy(zero_copy_only=False))

    area, group, serial = _num("area"), _num("group"), _num("serial")
    sep = pc.struct_field(parts, "sep").fill_null("")
    dashed = np.asarray(pc.not_equal(sep, "").fill_null(False).to_numpy(zero_copy_only=False))
    ok = matched & (area != 0) & (area != 666) & (area < 900) & (group != 0) & (serial != 0)
    return ok, ok & dashed


def phone_valid(values: pa.Array) -> tuple[float, float]:
    """(possible, valid) fractions of phone candidates by ``phonenumbers``, on a sub-sample."""
    try:
        import phonenumbers
    except ImportError:  # pragma: no cover - a declared dependency
        return 1.0, 0.5
    texts = values.slice(0, PHONE_SUBSAMPLE).to_pylist()
    if not texts:
        return 0.0, 0.0
    possible = valid = 0
    for text in texts:
        text = str(text)
        if text.startswith("00"):
            text = "+" + text[2:]
        regions: tuple[str | None, ...] = (None,) if text.startswith("+") else PHONE_REGIONS
        is_possible = is_valid = False
        for region in regions:
            try:
                number = phonenumbers.parse(text, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_possible_number(number):
                is_possible = True
                if phonenumbers.is_valid_number(number):
                    is_valid = True
                    break
        possible += is_possible
        valid += is_valid
    return possible / len(texts), valid / len(texts)


def ipv6_valid(values: pa.Array) -> np.ndarray:
    pre = _mask(values, IPV6_PRE) & _mask(values, r":.*:")
    out = np.zeros(len(values), dtype=bool)
    for i in np.flatnonzero(pre)[:500]:
        try:
            out[i] = isinstance(
                ipaddress.ip_address(str(values[int(i)].as_py())), ipaddress.IPv6Address
            )
        except ValueError:
            out[i] = False
    return out


def date_parts(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month, day) as floats from ISO or day-first text dates; NaN where not a date."""
    n = len(values)
    year = np.full(n, np.nan)
    month = np.full(n, np.nan)
    day = np.full(n, np.nan)
    for pattern in (DATE_ISO, DATE_DMY):
        parts = pc.extract_regex(values, pattern)
        hit = np.asarray(pc.is_valid(parts).to_numpy(zero_copy_only=False), dtype=bool)
        hit &= np.isnan(year)
        if not hit.any():
            continue
        y, m, d = (
            np.asarray(
                pc.cast(pc.struct_field(parts, k).fill_null("0"), pa.float64()).to_numpy(
                    zero_copy_only=False
                )
            )
            for k in ("y", "m", "d")
        )
        lo, hi = np.minimum(m, d), np.maximum(m, d)  # day-first or month-first
        good = hit & (lo >= 1) & (lo <= 12) & (hi <= 31) & (y >= 1800) & (y <= 2200)
        year = np.where(good, y, year)
        month = np.where(good, lo, month)
        day = np.where(good, hi, day)
    return year, month, day


def temporal_parts(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if pa.types.is_date(values.type):
        values = values.cast(pa.timestamp("ms"))

    def _f(arr: pa.Array) -> np.ndarray:
        return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=float)

    return _f(pc.year(values)), _f(pc.month(values)), _f(pc.day(values))


def date_stats(year: np.ndarray, month: np.ndarray, now: datetime) -> dict[str, float]:
    """Ages the dates imply at ``now``, and whether they look like birth dates."""
    ok = ~np.isnan(year)
    if not ok.any():
        return {"dates": 0.0}
    ages = (now.year - year[ok]) + (now.month - month[ok]) / 12.0
    p5, p50, p95 = np.percentile(ages, [5, 50, 95])
    future = float((ages < 0).mean())
    in_range = float(((ages >= 0) & (ages <= 110)).mean())
    spread = float(p95 - p5)
    birth = future == 0.0 and in_range >= 0.98 and 16 <= p50 <= 90 and spread >= 15
    return {
        "dates": float(ok.sum()),
        "age_median": float(p50),
        "age_spread": spread,
        "future_share": future,
        "birth_like": float(birth),
    }


@cache
def _value_set(words: frozenset[str]) -> pa.Array:
    return pa.array(sorted(words), pa.string())


def _in_set(values: pa.Array, words: frozenset[str]) -> np.ndarray:
    if not words or len(values) == 0:
        return np.zeros(len(values), dtype=bool)
    found = pc.is_in(values, value_set=_value_set(words))
    return np.asarray(found.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def name_scores(folded: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(name-shaped, some word a given name, some word a family name) per value."""
    shaped = _mask(folded, NAME_SHAPE)
    words = pc.utf8_split_whitespace(pc.replace_substring_regex(folded, r"[\-.,]", " "))
    flat = pc.list_flatten(words)
    parents = np.asarray(pc.list_parent_indices(words).to_numpy(zero_copy_only=False))
    n = len(folded)

    def _any(names: frozenset[str]) -> np.ndarray:
        hits = _in_set(flat, names)
        return (
            np.bincount(parents[hits], minlength=n)[:n] > 0
            if len(parents)
            else np.zeros(n, dtype=bool)
        )

    return shaped, _any(lexicons.given_names()), _any(lexicons.family_names())


def _where(
    mask: np.ndarray, values: pa.Array, check: Callable[[pa.Array], np.ndarray]
) -> np.ndarray:
    """``check`` run on the values where ``mask`` holds only; False elsewhere."""
    out = np.zeros(len(values), dtype=bool)
    if mask.any():
        out[mask] = check(values.filter(pa.array(mask)))
    return out


def string_profile(values: pa.Array, now: datetime) -> tuple[dict[str, int], dict[str, float]]:
    """Validator counts and statistics for non-null text values (already sampled)."""
    n = len(values)
    lengths = np.asarray(pc.utf8_length(values).to_numpy(zero_copy_only=False))
    text = pc.utf8_slice_codeunits(values, 0, MAX_CHARS)
    text = pc.utf8_trim_whitespace(text)
    nonempty = np.asarray(pc.not_equal(text, "").to_numpy(zero_copy_only=False), dtype=bool)
    m: dict[str, np.ndarray] = {}
    m["email"] = _mask(text, EMAIL)
    m["url"] = _mask(text, URL)
    m["image_url"] = m["url"] & _mask(text, IMAGE_URL)
    m["ipv4"] = _mask(text, IPV4)
    m["ipv6"] = ipv6_valid(text)
    m["mac"] = _mask(text, MAC)
    m["uuid"] = _mask(text, UUID)
    card_pre = _mask(text, CARD_PRE)
    m["luhn"] = np.zeros(n, dtype=bool)
    m["card"] = np.zeros(n, dtype=bool)
    if card_pre.any():
        compact = pc.replace_substring_regex(text.filter(pa.array(card_pre)), r"[\s\-]", "")
        luhn = luhn_valid(compact)
        m["luhn"][card_pre] = luhn
        m["card"][card_pre] = luhn & _mask(compact, CARD_IIN)
    upper = pc.utf8_upper(pc.replace_substring(text, " ", ""))
    iban_pre = _mask(upper, IBAN_PRE)
    m["iban"] = _where(iban_pre, upper, iban_valid)
    m["ssn"], m["ssn_dashed"] = ssn_valid(text)
    no_ext = pc.replace_substring_regex(text, PHONE_EXT, "")
    phone_pre = _mask(no_ext, PHONE_PRE)
    digits = np.asarray(pc.count_substring_regex(no_ext, r"\d").to_numpy(zero_copy_only=False))
    phone_pre &= (digits >= 6) & (digits <= 15)
    m["phone_shape"] = phone_pre
    m["phone_formatted"] = phone_pre & _mask(text, PHONE_FORMATTED)
    m["postcode_distinct"] = _mask(text, POSTCODE_DISTINCT)
    m["postcode_digits"] = _mask(text, POSTCODE_DIGITS)
    year, month, _day = date_parts(text)
    m["date"] = ~np.isnan(year)
    m["hash_crypt"] = _mask(text, BCRYPT)
    m["hex_digest"] = _mask(text, HEX_DIGEST)
    m["token"] = _mask(text, TOKEN)
    m["secretish"] = _mask(text, SECRETISH)
    m["numeric"] = _mask(text, NUMERIC)
    folded = folded_lower(text)
    m["street"] = _mask(folded, STREET)
    m["name_shape"], m["given_name"], m["family_name"] = name_scores(folded)
    m["person_name"] = m["name_shape"] & (m["given_name"] | m["family_name"])
    m["gender_word"] = _in_set(folded, GENDER_WORDS)
    m["gender_letter"] = _in_set(folded, GENDER_LETTERS)
    m["country"] = _in_set(folded, lexicons.countries())
    words = np.asarray(pc.count_substring_regex(text, r"\S+").to_numpy(zero_copy_only=False))
    m["free_text"] = (words >= 5) & (lengths >= 25)
    m["has_digit"] = digits > 0
    counts = {k: int((v & nonempty).sum()) for k, v in m.items()}
    phone_n = int(phone_pre.sum())
    possible, valid = phone_valid(no_ext.filter(pa.array(phone_pre))) if phone_n else (0.0, 0.0)
    counts["phone_possible"] = round(phone_n * possible)
    counts["phone_valid"] = round(phone_n * valid)
    stats: dict[str, float] = {
        "distinct_ratio": pc.count_distinct(values).as_py() / n if n else 0.0,
        "mean_length": float(lengths.mean()) if n else 0.0,
        "max_length": float(lengths.max()) if n else 0.0,
        "mean_words": float(words.mean()) if n else 0.0,
        "empty": float((~nonempty).sum()),
        "distinct_lengths": float(len(np.unique(lengths))) if n else 0.0,
    }
    stats.update(date_stats(year, month, now))
    return counts, stats


def numeric_profile(values: pa.Array) -> dict[str, float]:
    """Range, integrality, decimals and uniqueness of numbers (non-null, already sampled)."""
    x = np.asarray(values.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return {"numbers": 0.0}
    integral = np.abs(x - np.round(x)) < 1e-9
    decimals3 = np.abs(x * 100 - np.round(x * 100)) > 1e-6
    order = np.diff(x)
    return {
        "numbers": float(len(x)),
        "min": float(x.min()),
        "max": float(x.max()),
        "integral_share": float(integral.mean()),
        "decimals3_share": float(decimals3.mean()),
        "distinct_ratio": float(len(np.unique(x)) / len(x)),
        "increasing_share": float((order > 0).mean()) if len(order) else 0.0,
        "lat_range": float(((x >= -90) & (x <= 90)).mean()),
        "lon_range": float(((x >= -180) & (x <= 180)).mean()),
        "age_range": float((integral & (x >= 0) & (x <= 120)).mean()),
    }
