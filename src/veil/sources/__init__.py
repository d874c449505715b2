"""Sources: producers of flat, bounded Arrow batches of user records.

``make_source(name, **options)`` builds one by name through the registry; the heavy modules
(HTTP clients, generators) load only when asked for.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from veil.errors import ConfigError
from veil.operators.base import closest
from veil.sources.base import Quarantine, Source

#: name → "module:Class"; third parties may add theirs
SOURCES: dict[str, str] = {
    "synthetic": "veil.sources.synthetic:SyntheticSource",
    "randomuser": "veil.sources.randomuser:RandomUserSource",
    "fakerapi": "veil.sources.fakerapi:FakerApiSource",
    "file": "veil.sources.file:FileSource",
}


def make_source(name: str, **options: Any) -> Source:
    """Instantiate the source called ``name`` with keyword options (None values are dropped)."""
    if name not in SOURCES:
        hint = closest(name, list(SOURCES))
        raise ConfigError(
            f"unknown source {name!r}"
            + (f"; did you mean {hint!r}?" if hint else f"; choose one of {', '.join(SOURCES)}")
        )
    module, _, cls = SOURCES[name].partition(":")
    factory = getattr(import_module(module), cls)
    return factory(**{k: v for k, v in options.items() if v is not None})


__all__ = ["SOURCES", "Quarantine", "Source", "make_source"]
