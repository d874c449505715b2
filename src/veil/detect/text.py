"""Free-text detection: spans of personal data inside text cells (support tickets, notes, chats).

The approach is that of Presidio's pattern recognizers, arranged to run on a whole Arrow
array at once:

1. **Prefilter (vectorised).** Each recognizer has a cheap RE2 expression that a text must
   contain to hold that entity at all (``@`` and a dotted domain for e-mails, seven digits
   with at most a few separators between them for phones, …). ``pyarrow.compute`` runs these
   over the whole array in C++ (linear time, no backtracking); rows that no prefilter selects
   never reach Python.
2. **Match (Python ``re``, candidate rows only).** A precise regular expression finds the
   candidate spans, with look-arounds RE2 lacks (an IPv4 address is not part of a dotted
   version string, a card number does not continue into more digits). Every quantifier is
   bounded, so a very long cell costs time linear in its length.
3. **Validate.** Checksums and parsers reject look-alikes: Luhn and issuer prefixes for card
   numbers, the ISO 13616 length per country and mod-97 for IBANs, the never-issued ranges
   for US social security numbers (area 000, 666, 900–999; group 00; serial 0000),
   ``ipaddress`` for IPv4/IPv6, the ``phonenumbers`` library for phone numbers (international
   numbers as written; national ones in the regions their leading digits allow), a calendar
   check for dates.
4. **Context.** Words within a few dozen characters before (and a few after) a match raise
   its score ("phone", "Telefon", "IBAN", "SSN", "born", "geboren", …, in en, de, fr, es, it,
   nl and pt) or lower it ("version", "order", "tracking", "ISBN", "Bestellung", …). Dates are
   personal data here only as birth dates: a date scores below the default threshold unless
   a birth word is near it.
5. **Resolve.** Spans under ``min_score`` are dropped; of overlapping spans the one that
   contains the other wins (an e-mail inside a URL goes with the URL), otherwise the higher
   score.

PERSON is optional and low-confidence: a given name from the lexicon (faker's lists or the
shipped ones, :mod:`veil.detect.lexicons`) followed by capitalised words, stronger after a
title ("Frau", "Mr", "Mme", …) or a family name from the lexicon. When spaCy and one of its
NER models are installed (``VEIL_SPACY_MODEL``, else ``xx_ent_wiki_sm`` or
``en_core_web_sm``), its PERSON/PER entities are used instead; nothing else needs spaCy.

Limits: patterns, not understanding. Phone numbers written in words, names in lowercase,
addresses, national IDs other than the US SSN, dates other than birth dates, and bare domains
(``shop.example.de/account`` without ``www.`` or a scheme) are not found; a number that
passes every check in a context that does not say what it is (a Luhn-valid order number) is a
false positive. :class:`Span` holds offsets and scores only, never the text it points at.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

PATTERN_ENTITIES = (
    "EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "IP_ADDRESS", "US_SSN", "URL", "DATE",
)  # fmt: skip
ENTITIES = (*PATTERN_ENTITIES, "PERSON")
BEFORE = 48  # context window: characters before a match (half as many after it)
NEG_BEFORE = 32  # the same for negative context words


@dataclass(frozen=True, slots=True)
class Span:
    """A detected span: character offsets ``[start, end)`` in its text, entity and score."""

    start: int
    end: int
    entity: str
    score: float


# (start, end, score) or None: a validator's verdict on one regex match
Verdict = tuple[int, int, float] | None
Validator = Callable[[str, "re.Match[str]"], Verdict]


@dataclass(frozen=True)
class Recognizer:
    entity: str
    prefilter: tuple[str, ...]  # RE2 expressions a candidate text matches (all of them)
    pattern: re.Pattern[str]
    validate: Validator
    context: re.Pattern[str] | None = None
    negative: re.Pattern[str] | None = None
    boost: float = 0.3
    penalty: float = 0.45
    after: bool = True  # context words after a match count too
    nearest: bool = False  # context counts only for the nearest match (not past another one)


def _words(stems: str) -> re.Pattern[str]:
    """Context stems, each matched at the start of a word ("telefon" finds "Telefonnummer")."""
    words = sorted(stems.split("|"), key=len, reverse=True)
    # short words ("v", "tel", "ip") and those marked "word=" match whole words only
    whole = r"(?![^\W\d_])"
    alts = "|".join(
        re.escape(w.rstrip("=")) + (whole if len(w) <= 3 or w.endswith("=") else "")
        for w in words
    )
    return re.compile(rf"(?<![^\W\d_])(?:{alts})")


# ---- validators -----------------------------------------------------------------------------


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


_CARD_IIN = re.compile(
    r"4\d{12}(?:\d{3}){0,2}|5[1-5]\d{14}|2(?:2[2-9]|[3-6]\d|7[01])\d{13}|3[47]\d{13}"
    r"|3(?:0[0-5]|[689]\d)\d{11,16}|6(?:011|5\d\d|4[4-9]\d)\d{12,15}|35\d{14,17}"
    r"|(?:5018|5020|5038|6304|6759|676[1-3])\d{8,15}|62\d{14,17}"
)


def _card(text: str, m: re.Match[str]) -> Verdict:
    raw = m.group()
    # the longest prefix, ending at a digit, that is a Luhn-valid 13–19 digit number
    ends = [i + 1 for i, ch in enumerate(raw) if ch.isdigit()]
    for n in range(min(19, len(ends)), 12, -1):
        end = ends[n - 1]
        if end < len(raw) and raw[end].isdigit():
            continue
        digits = re.sub(r"\D", "", raw[:end])
        if len(set(digits)) > 1 and _luhn(digits):
            score = 0.85 if _CARD_IIN.fullmatch(digits) else 0.35
            return m.start(), m.start() + end, score
    return None


_IBAN_LENGTHS = {
    entry[:2]: int(entry[2:])
    for entry in re.findall(
        r"[A-Z]{2}\d\d",
        "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DK18 "
        "DO28 EE20 EG29 ES24 FI18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 "
        "IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 MC27 MD24 ME22 MK19 MR27 "
        "MT31 MU30 NL18 NO15 PK24 PL28 PS29 PT25 QA29 RO24 RS22 SA24 SC31 SE24 SI19 SK24 SM27 "
        "ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20",
    )
}


def _iban(text: str, m: re.Match[str]) -> Verdict:
    raw = m.group()
    want = _IBAN_LENGTHS.get(raw[:2])
    if want is None:
        return None
    seen = 0
    for i, ch in enumerate(raw):
        if ch.isalnum():
            seen += 1
            if seen == want:
                end = m.start() + i + 1
                break
    else:
        return None
    if end < len(text) and text[end].isalnum():
        return None
    compact = re.sub(r"\s", "", text[m.start() : end])
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    if int(number) % 97 != 1:
        return None
    return m.start(), end, 0.95


_SSN_INVALID = {"123456789", "078051120", "219099999", "111111111", "987654320"}


def _ssn(text: str, m: re.Match[str]) -> Verdict:
    area, sep, group, serial = m.group("area", "sep", "group", "serial")
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return None
    if area + group + serial in _SSN_INVALID:
        return None
    score = {"-": 0.55, " ": 0.35, "": 0.2}.get(sep, 0.3)
    return m.start(), m.end(), score


def _ipv4(text: str, m: re.Match[str]) -> Verdict:
    return m.start(), m.end(), 0.6


def _ipv6(text: str, m: re.Match[str]) -> Verdict:
    raw = m.group()
    if len(raw) < 6 or ("::" not in raw and raw.count(":") != 7):
        return None
    try:
        ipaddress.IPv6Address(raw)
    except ValueError:  # its message holds the value: dropped here
        return None
    return m.start(), m.end(), 0.8


def _email(text: str, m: re.Match[str]) -> Verdict:
    raw = m.group()
    local, _, domain = raw.rpartition("@")
    if ".." in raw or local.startswith(".") or local.endswith(".") or "-." in domain:
        return None
    return m.start(), m.end(), 0.95


_URL_TRAILING = ".,;:!?)]}'\"»"


def _url(text: str, m: re.Match[str]) -> Verdict:
    raw = m.group().rstrip(_URL_TRAILING)
    host = re.sub(r"(?i)^(?:https?|ftp)://", "", raw).split("/", 1)[0]
    if "." not in host.strip(".") and not host.lower().startswith("localhost"):
        return None
    return m.start(), m.start() + len(raw), 0.85 if "://" in raw else 0.75


# national numbers: the regions worth trying, by their leading digit and digit count
_TRUNK0 = ("GB", "DE", "FR", "NL", "IT", "BE", "AT", "CH", "BR")


def _regions(digits: str) -> tuple[str, ...]:
    if digits[0] == "0":
        return _TRUNK0
    n = len(digits)
    if n == 9:
        return ("ES", "PT") if digits[0] in "26789" else ()
    if n == 10:
        return ("IT", "US", "BR") if digits[0] == "3" else ("US", "BR")
    if n == 11:
        return ("US", "BR") if digits[0] == "1" else ("BR",)
    return ()


_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_SSN_LAYOUT = re.compile(r"\d{3}-\d{2}-\d{4}")  # no numbering plan writes phones so
# not phone numbers: dates and timestamps, dotted quads, digits grouped as a card number
_NOT_PHONE = re.compile(
    r"(?:19|20)\d\d([./\-])\d{1,2}\1\d{1,2}(?![./\-]?\d)"
    r"|\d{1,2}([./\-])\d{1,2}\2(?:(?:19|20)\d\d|\d\d)(?![./\-]?\d)"
    rf"|{_OCTET}(?:\.{_OCTET}){{3}}$"
    r"|\d{4}([ \-])\d{4,6}\3\d{4,5}(?:\3\d{1,4})?$"
)


def _phone(text: str, m: re.Match[str]) -> Verdict:
    raw = m.group()
    if _NOT_PHONE.match(raw) or _SSN_LAYOUT.fullmatch(raw):
        return None
    # the longest prefix ending at a group boundary that parses as a valid number
    cuts = [len(raw)] + [
        i for i in range(len(raw) - 1, 6, -1) if raw[i] in " ./-" and raw[i - 1].isdigit()
    ]
    for cut in cuts:
        cand = raw[:cut]
        digits = re.sub(r"\D", "", cand)
        if not 7 <= len(digits) <= 15:
            continue
        intl = cand.startswith(("+", "00"))
        regions: tuple[str | None, ...] = (None,) if intl else _regions(digits)
        number = "+" + cand[2:] if cand.startswith("00") else cand
        for region in regions:
            try:
                parsed = phonenumbers.parse(number, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(parsed):
                formatted = bool(re.search(r"[ ./()\-]", cand))
                score = 0.75 if intl else (0.6 if formatted else 0.4)
                return m.start(), m.start() + cut, score
    return None


_MONTH_NUMBER: dict[str, int] = {}
for _i, _names in enumerate(
    (
        "january jan januar jänner janvier enero gennaio januari janeiro",
        "february feb februar février febrero febbraio februari fevereiro",
        "march mar märz mars marzo maart março",
        "april apr avril abril aprile",
        "may mai mayo maggio mei maio",
        "june jun juni juin junio giugno junho",
        "july jul juli juillet julio luglio julho",
        "august aug août agosto augustus",
        "september sep sept septembre septiembre setiembre settembre setembro",
        "october oct oktober octobre octubre ottobre outubro",
        "november nov novembre noviembre novembro",
        "december dec dezember décembre diciembre dicembre dezembro",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTH_NUMBER[_name] = _i


_MONTHS = "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True))


def _date(text: str, m: re.Match[str]) -> Verdict:
    g = m.groupdict()
    day = int(g["d"] or g["d2"] or g["d3"] or g["d4"])
    year = int(g["y"] or g["y2"] or g["y3"] or g["y4"])
    month_text = g["mn"] or g["mn2"]
    if month_text:
        month = _MONTH_NUMBER.get(month_text.lower().rstrip("."), 0)
    else:
        month = int(g["m"] or g["m2"])
    if g["y2"] and len(g["y2"]) == 2:
        year += 1900 if year > 25 else 2000
    if g["m2"] and month > 12 and day <= 12:  # 03/14/1985: month first
        day, month = month, day
    try:
        when = date(year, month, day)
    except ValueError:
        return None
    if not date(1900, 1, 1) <= when <= date.today():  # a birth date is in the past
        return None
    if re.match(r"[T ]?\d{1,2}:\d{2}", text[m.end() : m.end() + 6]):
        return None  # a timestamp
    return m.start(), m.end(), 0.3


# ---- the recognizers ------------------------------------------------------------------------

_NEG_NUMBER = (
    "order|bestell|commande|pedido|ordine|bestelling|encomenda|invoice|rechnung|facture|"
    "factura|fattura|factuur|fatura|tracking|sendung|suivi|seguimiento|spedizione|tracking|"
    "rastreio|isbn|ticket|ref|referen|réf|artikel|article|artículo|articolo|sku|serial|"
    "serien|série|customer no|kundennummer|ean|part=|lot|batch|po "
)
_NEG_VERSION = (
    "version|versión|versione|versie|versão|build|release|firmware|update|upgrade|patch|"
    "sdk|app|v|ver|kernel|driver|treiber|pilote|controlador|driver|mise à jour|"
    "actualización|aggiornamento|atualização|isbn"
)
_HEX4 = r"[0-9A-Fa-f]{1,4}"

RECOGNIZERS: tuple[Recognizer, ...] = (
    Recognizer(
        "EMAIL",
        (r"[^\s@]@[A-Za-z0-9\-]+\.[A-Za-z0-9.\-]*[A-Za-z]{2}",),
        re.compile(
            r"(?<![\w.%+\-])[\w.%+\-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62})"
            r"(?:\.[A-Za-z0-9\-]{1,63}){0,6}\.[A-Za-z]{2,24}(?![\w@])"
        ),
        _email,
    ),
    Recognizer(
        "URL", (r"(?i)(?:https?|ftp)://|www\.",),
        re.compile(r"(?i)(?<![\w@])(?:(?:https?|ftp)://|www\.)[^\s<>\"'`{}|\\^]{2,2048}"), _url,
    ),
    Recognizer(
        "CREDIT_CARD",
        (r"\d{4}[ \-]?\d{4}[ \-]?\d{4}[ \-]?\d|\d{4}[ \-]?\d{6}[ \-]?\d{4}",),
        re.compile(r"(?<![\d\-.,/])\d(?:[ \-]?\d){12,18}(?!\d|[.,]\d)"),
        _card,
        _words(
            "card|credit|debit|visa|master|amex|american express|karte|kreditkarte|carte|"
            "tarjeta|carta|cartão|kaart|creditcard|cc|pan|cvv|expir|ablauf|bezahl|pay|paid"
        ),
        _words(_NEG_NUMBER + "|iban|account|konto|compte|cuenta|conto=|rekening|conta=|phone|tel"),
        boost=0.15,
        penalty=0.5,
    ),
    Recognizer(
        "IBAN", (r"[A-Z]{2}\d{2} ?[A-Z0-9]{4}",),
        re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,34}"), _iban,
    ),
    Recognizer(
        "IP_ADDRESS",
        (r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}",),
        re.compile(rf"(?<![\w.\-]){_OCTET}(?:\.{_OCTET}){{3}}(?![\w\-]|\.\d)"),
        _ipv4,
        _words(
            "ip|address|adresse|dirección|direccion|indirizzo|adres|endereço|server|host|client|"
            "connect|login|logged|from|von|desde|depuis|dal|vanaf|gateway|router|vpn|proxy|"
            "firewall|blocked|gesperrt|bloqu|bloccat|geblokkeerd|bloquead|access|zugriff|"
            "accès|acceso|accesso|toegang|acesso|source|src|dst|remote|dns"
        ),
        _words(_NEG_VERSION),
        penalty=0.5,
    ),
    Recognizer(
        "IP_ADDRESS",
        (r"[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}",),
        re.compile(rf"(?<![\w:.])(?:{_HEX4}|:)?(?::(?:{_HEX4})?){{2,7}}(?![\w:])"),
        _ipv6,
        _words("ip|ipv6|address|adresse|server|host|client|from|von|gateway|router"),
    ),
    Recognizer(
        "US_SSN",
        (r"\d{3}[\- ]?\d{2}[\- ]?\d{4}",),
        re.compile(
            r"(?<![\w\-./])(?P<area>\d{3})(?P<sep>[\- ]?)(?P<group>\d{2})(?P=sep)"
            r"(?P<serial>\d{4})(?![\w\-]|[./]\d)"
        ),
        _ssn,
        _words(
            "ssn|social security|soc sec|social sec|ss#|ss no|seguro social|seguridad social|"
            "taxpayer|tin|itin|sozialversicherung|numéro de sécurité"
        ),
        _words(_NEG_NUMBER + "|phone|tel|fax|call|mobile|cell|zip|routing|account"),
        boost=0.35,
    ),
    Recognizer(
        "PHONE",
        (r"(?:\d[ \-./()]{0,3}){7}",),
        re.compile(
            r"(?<![\w+\-/.,])(?:(?:\+|00)\d{1,3}(?: ?\(0\))?[ .\-/]{0,2})?(?:\(\d{1,5}\) ?)?"
            r"\d(?:(?: ?[.\-/] ?| )?\d){5,15}(?![\w/]|[.,\-]\d)"
        ),
        _phone,
        _words(
            "phone|tel|telephone|mobile|cell|call|fax|whatsapp|sms|text me|ring|reach|number|"
            "telefon|handy|mobil|anrufen|ruf|rückruf|nummer|erreichbar|téléphone|portable|"
            "appel|numéro|joindre|teléfono|telefono|móvil|movil|llamar|llám|número|numero|"
            "cellulare|chiamare|chiamat|richiam|telefoon|mobiel|bellen|gebeld|nummer|telemóvel|"
            "telemovel|celular|ligar|liga|contact|kontakt|contatto|contacto|contato|gsm|tlf"
        ),
        _words(
            _NEG_NUMBER + "|iban|account|konto|compte|cuenta|conto=|rekening|conta=|ssn|"
            "social security|price|preis|prix|precio|prezzo|prijs|preço|total|amount|betrag|"
            "montant|importe|importo|bedrag|valor|id|kunden|client no|customer|parcel|paket|"
            "colis|paquete|pacco|pakket|encomenda|postcode|zip|plz|code"
        ),
        boost=0.3,
        penalty=0.45,
    ),
    Recognizer(
        "DATE",
        (
            r"(?i)born|birth|dob|d\.o\.b|geb|naissance|né|nac[ií]|nat[oa]|nasc|geboorte|cumple|"
            r"anniversaire|compleanno|verjaardag|aniversário",
            r"\d{1,4}[./\-]\d{1,2}[./\-]\d{2,4}|\pL{3,}\.? \d{1,2}"
            r"|\d{1,2}\S{0,2} ?(?:de |of )?\pL{3,}\.?,? (?:de )?\d{4}",
        ),
        re.compile(
            rf"(?i)(?<![\w.])(?:(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)"
            rf"|(?P<d2>\d{{1,2}})(?P<s>[./\-])(?P<m2>\d{{1,2}})(?P=s)(?P<y2>(?:19|20)?\d\d)"
            rf"|(?P<d3>\d{{1,2}})(?:\.|º|er|st|nd|rd|th)? ?(?:de |of )?(?P<mn>{_MONTHS})\.?,?"
            rf" (?:de )?(?P<y3>(?:19|20)\d\d)"
            rf"|(?P<mn2>{_MONTHS})\.? (?P<d4>\d{{1,2}})(?:st|nd|rd|th)?,? (?P<y4>(?:19|20)\d\d))"
            rf"(?![\w]|[./\-]\d)"
        ),
        _date,
        _words(
            "born|birth|dob|d.o.b|date of birth|birthday|geboren|geb.|geburt|née|né|naissance|"
            "nacid|nacimiento|cumpleaños|nato|nata|nascita|compleanno|geboorte|verjaardag|"
            "nascid|nascimento|aniversário|data de nasc|fecha de nac|data di nasc|nací|naci|"
            "nació|nasci|nasceu|nascit"
        ),
        None,
        boost=0.5,
        after=False,
        nearest=True,
    ),
)


_SENTENCE_END = re.compile(r"[.!?]\s+(?=[^\W\d_])|\n")


def _distance(
    pattern: re.Pattern[str] | None, text: str, start: int, end: int, width: int, after: bool
) -> int:
    """Characters between the match and the nearest context word in its sentence (a large
    number if none); words after the match count at twice their distance."""
    best = 1 << 30
    if pattern is None:
        return best
    before = text[max(0, start - width) : start]
    ends = [m.end() for m in _SENTENCE_END.finditer(before)]
    if ends:
        before = before[ends[-1] :]
    for hit in pattern.finditer(before.lower()):
        best = min(best, len(before) - hit.end())
    if after:
        tail = text[end : end + width // 2]
        stop = _SENTENCE_END.search(tail)
        first = pattern.search((tail[: stop.start()] if stop else tail).lower())
        if first is not None:
            best = min(best, 2 * first.start() + 1)
    return best


def _score(rec: Recognizer, text: str, start: int, end: int, base: float, floor: int) -> float:
    """``base`` raised by a context word near the match (before or after it), or lowered by a
    negative one (before it); when both occur, the nearer one counts."""
    plus = _distance(rec.context, text[floor:], start - floor, end - floor, BEFORE, rec.after)
    minus = _distance(rec.negative, text[floor:], start - floor, end - floor, NEG_BEFORE, False)
    score = base
    if plus < minus:
        score += rec.boost
    elif minus < plus:
        score -= rec.penalty
    return max(0.0, min(1.0, score))


def _resolve(spans: list[Span]) -> list[Span]:
    """Non-overlapping spans: containing spans first, then by score, then by length."""
    if len(spans) < 2:
        return spans
    order = sorted(spans, key=lambda s: (-(s.end - s.start), -s.score))
    kept: list[Span] = []
    for s in sorted(order, key=lambda s: -s.score):
        clash = [k for k in kept if k.start < s.end and s.start < k.end]
        if not clash:
            kept.append(s)
        elif all(s.start <= k.start and k.end <= s.end for k in clash):
            kept = [k for k in kept if k not in clash] + [s]  # s contains them all
    return sorted(kept, key=lambda s: s.start)


_PERSON_PRE = r"\p{Lu}\p{Ll}+ +\p{Lu}"  # RE2 prefilter for candidate PERSON rows


def _as_array(texts: pa.Array | pa.ChunkedArray | Sequence[str | None]) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if not isinstance(texts, pa.Array):
        return pa.array(list(texts), pa.string())
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        raise TypeError(f"free-text detection needs a string array, not {texts.type}")
    return texts


def _prefilter(arr: pa.Array, patterns: tuple[str, ...]) -> np.ndarray:
    mask: np.ndarray | None = None
    for pattern in patterns:
        hit = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
        m = hit.to_numpy(zero_copy_only=False)
        mask = m if mask is None else mask & m
    assert mask is not None
    return mask


def find_spans(
    texts: pa.Array | pa.ChunkedArray | Sequence[str | None],
    entities: Sequence[str] | None = None,
    min_score: float = 0.5,
) -> list[list[Span]]:
    """The spans of personal data in each text (an empty list for nulls and clean texts).

    ``entities`` defaults to :data:`PATTERN_ENTITIES` (PERSON only when asked for). Offsets
    are in characters of the Python string. Spans are sorted and do not overlap.
    """
    wanted = set(PATTERN_ENTITIES if entities is None else entities)
    unknown = wanted - set(ENTITIES)
    if unknown:
        raise ValueError(f"unknown entities {sorted(unknown)}; known: {', '.join(ENTITIES)}")
    arr = _as_array(texts)
    n = len(arr)
    found: list[list[Span]] = [[] for _ in range(n)]
    if n == 0:
        return found
    masks = [(rec, _prefilter(arr, rec.prefilter)) for rec in RECOGNIZERS if rec.entity in wanted]
    person = "PERSON" in wanted
    any_mask = np.zeros(n, dtype=bool)
    for _, mask in masks:
        any_mask |= mask
    if person:
        any_mask |= _prefilter(arr, (_PERSON_PRE,))
    rows = np.flatnonzero(any_mask)
    if len(rows) == 0:
        return found
    strings: list[str] = arr.take(pa.array(rows)).to_pylist()
    position = np.full(n, -1, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    for rec, mask in masks:
        for row in np.flatnonzero(mask):
            text = strings[position[row]]
            spans = found[row]
            floor = 0
            for m in rec.pattern.finditer(text):
                verdict = rec.validate(text, m)
                if verdict is None:
                    continue
                start, end, base = verdict
                score = _score(rec, text, start, end, base, floor)
                floor = end if rec.nearest else 0
                if score >= min_score:
                    spans.append(Span(start, end, rec.entity, round(score, 3)))
    if person:
        from veil.detect.persons import person_spans

        for row, spans in zip(rows, person_spans(strings), strict=True):
            found[row].extend(s for s in spans if s.score >= min_score)
    for row in rows:
        if len(found[row]) > 1:
            found[row] = _resolve(found[row])
    return found
