"""PERSON spans in free text: spaCy's NER when it and a model are installed, otherwise a
lexicon heuristic (capitalised words whose first is a known given name, or a family name after
a title; scores stay low, so ``min_score`` decides whether they count).

``VEIL_SPACY_MODEL`` names the model to load (else ``xx_ent_wiki_sm``, then
``en_core_web_sm``); without spaCy everything else in :mod:`veil.detect.text` works.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from veil.detect.text import Span, _words

# ---- PERSON ---------------------------------------------------------------------------------

_UPPER = "A-ZÀ-ÖØ-ÞŁŚŻŹĆŃ"
_LOWER = "a-zß-öø-ÿłśżźćńăâîșțçğış"
_NAME = rf"[{_UPPER}][{_LOWER}]+(?:['’\-][{_UPPER}]?[{_LOWER}]+)?"
_PARTICLE = (
    r"(?:van der|van den|van de|van|von der|von|de la|de los|del|de|da|dos|das|di|le|la|ter)"
)
_TITLE = _words(
    "mr|mrs|ms|miss|dr|prof|herr|frau|hr|fr|m|mme|mlle|monsieur|madame|sr|sra|srta|señor|"
    "señora|don|doña|sig|sig.ra|signor|signora|dott|dhr|mevr|mevrouw|meneer|senhor|senhora|dona"
)
_PERSON_CONTEXT = _words(
    "name|named|heiße|heisse|appelle|llamo|chiamo|heet|chamo|contact|customer|kunde|client|"
    "cliente|klant|colleague|kollege|collègue|compañero|collega|agent|signed|regards|grüße|"
    "gruß|cordialement|saludos|saluti|groeten|cumprimentos|cc|from|von|de|da|van"
)
_TITLED = re.compile(r"(?:^|\W)(?:" + _TITLE.pattern + r")\.? *$")
_PERSON_RE = re.compile(rf"(?<![\w@.])({_NAME})((?: (?:{_PARTICLE} )?{_NAME}){{0,2}})(?![\w@])")


def person_spans(texts: Sequence[str]) -> list[list[Span]]:
    """PERSON spans: spaCy's NER when available, else the lexicon heuristic (low scores)."""
    nlp = spacy_model()
    if nlp is not None:
        out: list[list[Span]] = []
        for doc in nlp.pipe(texts, batch_size=256):
            out.append(
                [
                    Span(e.start_char, e.end_char, "PERSON", 0.85)
                    for e in doc.ents
                    if e.label_ in ("PERSON", "PER")
                ]
            )
        return out
    return [_person_heuristic(t) for t in texts]


def _person_heuristic(text: str) -> list[Span]:
    from veil.detect import lexicons
    from veil.detect.names import fold

    given, family = lexicons.given_names(), lexicons.family_names()
    spans: list[Span] = []
    pos = 0
    while (m := _PERSON_RE.search(text, pos)) is not None:
        first, rest = m.group(1), m.group(2).split()
        pos = m.end()
        before = text[max(0, m.start() - 24) : m.start()].lower()
        titled = bool(_TITLED.search(before))
        if fold(first).lower() in given:
            if not rest:
                continue
            score = 0.45 + (0.15 if fold(rest[-1]).lower() in family else 0.0)
        elif titled and not rest and fold(first).lower() in family:
            score = 0.45
        else:
            pos = m.end(1)  # a capitalised word that is no name: try from the next one
            continue
        if titled:
            score += 0.25
        if _PERSON_CONTEXT.search(before + " " + text[m.end() : m.end() + 16].lower()):
            score += 0.1
        spans.append(Span(m.start(), m.end(), "PERSON", round(min(score, 0.9), 3)))
    return spans


@cache
def spacy_model() -> Any:
    """The spaCy pipeline used for PERSON, or None when spaCy or a model is missing."""
    try:
        import spacy  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    names = [os.environ["VEIL_SPACY_MODEL"]] if os.environ.get("VEIL_SPACY_MODEL") else []
    for name in [*names, "xx_ent_wiki_sm", "en_core_web_sm"]:
        try:
            return spacy.load(name, disable=["parser", "lemmatizer", "tagger"])
        except (OSError, ValueError, ImportError):
            continue
    return None
