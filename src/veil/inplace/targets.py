"""Open a target from its URI.

======================================================  =====================================
``duckdb:///path/to/file.duckdb?table=users``            a DuckDB table (``table=schema.t``)
``postgresql://user@host:5432/db?table=schema.users``    a PostgreSQL table (also
                                                         ``postgresql+psycopg://``)
``parquet:///path/to/dataset_dir``, or a plain path      a Parquet dataset (a folder or a file)
``delta:///path/to/table``                               a Delta Lake table
======================================================  =====================================

``duckdb://relative/path.duckdb`` and ``parquet://relative/dir`` are relative to the working
directory. A plain path that holds ``_delta_log`` is refused as Parquet (say ``delta://``).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from veil.errors import ConfigError
from veil.inplace.base import Target

SCHEMES = ("duckdb", "postgresql", "parquet", "delta")


def _path(rest: str) -> Path:
    return Path(unquote(rest))


def _split_table(value: str, uri_ref: str) -> tuple[str | None, str]:
    if not value:
        raise ConfigError(f"{uri_ref} needs ?table=NAME (or ?table=schema.NAME)")
    schema, dot, table = value.partition(".")
    return (schema, table) if dot else (None, value)


def open_target(uri: str) -> Target:
    """The target a URI names (see the module docstring); ``TargetError`` if it is not there,
    ``ConfigError`` if the URI is malformed."""
    text = uri.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        from veil.inplace.parquet_target import ParquetTarget

        return ParquetTarget(Path(text))
    scheme = scheme.lower()
    if scheme == "duckdb":
        from veil.inplace.duckdb_target import DuckDBTarget

        location, _, query = rest.partition("?")
        tables = parse_qs(query).get("table", [""])
        schema, table = _split_table(tables[0], "a duckdb:// target")
        if not location:
            raise ConfigError(
                "a duckdb:// target needs a file: duckdb:///path/to/file.duckdb?table=NAME"
            )
        return DuckDBTarget(_path(location), table, schema or "main")
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        import sqlalchemy as sa

        from veil.inplace.postgres_target import PostgresTarget

        parts = urlsplit(text)
        params = parse_qs(parts.query)
        schema, table = _split_table((params.get("table") or [""])[0], "a postgresql:// target")
        try:
            url = sa.engine.make_url("postgresql+psycopg://" + rest)
        except sa.exc.ArgumentError:
            raise ConfigError("the postgresql:// target is not a valid database URL") from None
        url = url.difference_update_query(["table"])
        return PostgresTarget(url, table, schema)
    if scheme == "parquet":
        from veil.inplace.parquet_target import ParquetTarget

        return ParquetTarget(_path(rest.partition("?")[0]))
    if scheme == "delta":
        from veil.inplace.delta_target import DeltaTarget

        return DeltaTarget(_path(rest.partition("?")[0]))
    raise ConfigError(
        f"unknown target scheme {scheme!r}: use one of "
        + ", ".join(f"{s}://" for s in SCHEMES)
        + " or a Parquet path"
    )
