"""Engines apply a compiled policy to batches. ``local`` is Arrow/DuckDB in this process."""

from veil.engines.local import CompiledPolicy, compile_policy

__all__ = ["CompiledPolicy", "compile_policy"]
