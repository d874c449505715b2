"""Column-name hints: tokenise a column name and match whole words against vocabularies.

A name is folded (Unicode NFKD, accents and other combining marks removed, ``ß`` → ``ss``,
lowercase), split on separators (anything not a letter or digit: ``_ - . / space``), at
camelCase boundaries (``emailAddr`` → ``email addr``, ``EMAILAddress`` → ``email address``)
and between letters and digits (``address1`` → ``address 1``). A token that is not itself a
known word is segmented with the vocabulary as a dictionary when it splits entirely into
known words (``geburtsdatum`` → ``geburts datum``, ``zipcode`` → ``zip code``,
``codepostal`` → ``code postal``); otherwise it stays whole. Stop words (``of``, ``de``,
``di``…) are dropped.

Phrases are then matched on **whole tokens**, longest first, left to right, without
overlap. A substring never matches: ``description`` is one token and hints free text, not
an IP address; ``zip_code`` hints a postcode, never ``ip``; ``statement`` is neither a
state nor a date; ``hostname`` consumes ``host name`` as a non-personal phrase, so it is
not a person name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from veil.detect.vocab import EXTRA_WORDS, STOPWORDS, VOCAB

MAX_PHRASE = 4
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_DIGITS = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_SEP = re.compile(r"[^0-9A-Za-z]+")
# two-letter words allowed as pieces of a glued word (others must have 3+ letters)
_SHORT_PIECES = frozenset({"ip", "id", "nr", "no", "cp", "pw"})


@dataclass(frozen=True)
class Hint:
    """One vocabulary phrase found in a column name."""

    entity: str
    strength: float
    phrase: str
    position: int


def fold(text: str) -> str:
    """Lowercase ASCII-ish form: accents and other combining marks removed, ß → ss."""
    text = text.replace("ß", "ss").replace("ẞ", "SS")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _phrases() -> dict[tuple[str, ...], tuple[str, float]]:
    table: dict[tuple[str, ...], tuple[str, float]] = {}
    for entity, phrases in VOCAB.items():
        for phrase, strength in phrases.items():
            key = tuple(phrase.split())
            if key not in table or table[key][1] < strength:
                table[key] = (entity, strength)
    return table


@cache
def lexicon() -> frozenset[str]:
    """Every word the vocabularies use: the dictionary for segmenting glued names."""
    words = {w for phrase in _phrases() for w in phrase}
    words.update(EXTRA_WORDS)
    return frozenset(words)


@cache
def segment(token: str) -> tuple[str, ...]:
    """``token`` split into known words (fewest pieces), or ``(token,)`` if it does not split."""
    words = lexicon()
    if token in words or len(token) < 4 or not token.isalpha():
        return (token,)
    n = len(token)
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for end in range(1, n + 1):
        for start in range(max(0, end - 24), end):
            prev = best[start]
            piece = token[start:end]
            if prev is None or piece not in words:
                continue
            if len(piece) < 3 and piece not in _SHORT_PIECES:
                continue
            candidate = (*prev, piece)
            current = best[end]
            if current is None or len(candidate) < len(current):
                best[end] = candidate
    found = best[n]
    if found is None or len(found) < 2:
        return (token,)
    # short pieces ("age" in "postage") only count when they make a known phrase
    phrases = _phrases()
    known = any(found[i : i + 2] in phrases for i in range(len(found) - 1))
    if known or all(len(p) >= 4 or p in _SHORT_PIECES for p in found):
        return found
    return (token,)


@cache
def tokenize(name: str) -> tuple[str, ...]:
    """Lowercase word tokens of a column name (see the module docstring)."""
    words = lexicon()
    tokens: list[str] = []
    for chunk in _SEP.split(_CAMEL.sub(" ", fold(str(name)))):
        chunk = chunk.lower()
        # "md5", "ipv4", "sha256" are words; other letter/digit runs are split
        parts = [chunk] if chunk in words else _DIGITS.sub(" ", chunk).split()
        for raw in parts:
            for piece in segment(raw):
                if piece not in STOPWORDS:
                    tokens.append(piece)
    return tuple(tokens)


@cache
def hints(name: str) -> tuple[Hint, ...]:
    """The vocabulary phrases in a column name: whole tokens, longest match first."""
    tokens = tokenize(name)
    table = _phrases()
    found: list[Hint] = []
    i = 0
    while i < len(tokens):
        for size in range(min(MAX_PHRASE, len(tokens) - i), 0, -1):
            key = tokens[i : i + size]
            if key in table:
                entity, strength = table[key]
                found.append(Hint(entity, strength, " ".join(key), i))
                i += size
                break
        else:
            i += 1
    return tuple(found)


def best_hint(found: tuple[Hint, ...]) -> Hint | None:
    """The strongest hint; among equals, the later one (the head word of most names)."""
    if not found:
        return None
    return max(found, key=lambda h: (h.strength, h.position))


def hint_strengths(found: tuple[Hint, ...]) -> dict[str, float]:
    """Entity → the strongest hint for it in the name."""
    out: dict[str, float] = {}
    for h in found:
        out[h.entity] = max(out.get(h.entity, 0.0), h.strength)
    return out
