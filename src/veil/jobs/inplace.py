"""In-place anonymization as a job: the target's URI, its dry-run sample, and its lineage.

An in-place job (``veil job create --in-place TARGET``) anonymizes an existing table where it
lives (:mod:`veil.inplace`) under the job lifecycle of :mod:`veil.jobs.lifecycle`. Its
parameters hold ``kind: inplace`` and the target's URI, which never holds a password
(:func:`check_target_uri`: the password comes from ``PGPASSWORD``, ``.pgpass``, or a
``${NAME}`` reference to an environment variable, read when the job opens the target). Its
dataset, in the catalog and for the dataset lock, is the target's reference (the URI without
user, password or parameters).

- :class:`TargetSource` presents a target as a source, so a dry run samples it
  (``target.read_batches``) exactly as it samples a source; its expected rows are the
  table's ``row_count()``.
- :func:`version_row` is the catalog's ``dataset_versions`` row of a completed in-place run:
  the backup's reference, rows in and out, checksums before and after, policy hash, key id.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pyarrow as pa

from veil.errors import ConfigError
from veil.inplace import InPlaceResult, Target, open_target
from veil.inplace.targets import SCHEMES
from veil.sources.base import ProgressCallback, Quarantine

KIND = "inplace"
SAMPLE_BATCH_ROWS = 10_000
_ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")

__all__ = [
    "KIND",
    "TargetSource",
    "check_target_uri",
    "is_inplace",
    "is_inplace_dataset",
    "open_job_target",
    "version_row",
]


def is_inplace(job: Any) -> bool:
    """Whether a catalog job anonymizes a table in place."""
    return bool(job.parameters.get("kind") == KIND)


def is_inplace_dataset(name: str, output: str) -> bool:
    """Whether a catalog dataset is an in-place table (its name and output are the target's
    reference) rather than a sink's dataset."""
    scheme = output.partition("://")[0].lower()
    return name == output and scheme in SCHEMES


def _split(uri: str) -> tuple[str | None, dict[str, list[str]]]:
    """The URI's password (``None``: none) and query parameters."""
    text = uri.strip()
    if "://" not in text:  # a plain Parquet path
        return None, {}
    parts = urlsplit(text)
    try:
        password = parts.password
    except ValueError:
        password = None
    return password, parse_qs(parts.query)


def check_target_uri(uri: str) -> str:
    """``uri`` as a job stores it; :class:`ConfigError` if it holds a password (in the user
    part or as ``password=``), unless the password is a ``${NAME}`` environment reference."""
    text = uri.strip()
    if not text:
        raise ConfigError("--in-place needs a target URI")
    password, query = _split(text)
    if (password is not None and not _ENV_REF.match(password)) or "password" in query:
        raise ConfigError(
            "the --in-place target URI holds a password; a job stores its target, so give a "
            "URI without one (postgresql://USER@HOST:PORT/DB?table=SCHEMA.T) and the password "
            "in PGPASSWORD or ~/.pgpass, or as a reference to an environment variable "
            "(postgresql://USER:${DB_PASSWORD}@HOST/DB?table=…), read when the job runs"
        )
    return text


def open_job_target(uri: str) -> Target:
    """The job's target, a ``${NAME}`` password taken from the environment."""
    password, _ = _split(uri)
    if password is None:
        return open_target(uri)
    found = _ENV_REF.match(password)
    if found is None:  # a job never stores one; refuse rather than use it
        check_target_uri(uri)
        return open_target(uri)
    name = found.group(1)
    value = os.environ.get(name)
    if value is None:
        raise ConfigError(
            f"the job's target takes its password from the environment variable {name}, "
            "which is not set"
        )
    scheme, _, rest = uri.strip().partition("://")
    userinfo, _, host = rest.partition("@")
    user = userinfo.rpartition(":")[0]
    return open_target(f"{scheme}://{user}:{quote(value, safe='')}@{host}")


class TargetSource:
    """A target read as a source (for a dry run's sample): no quarantine, the table's rows."""

    name = "inplace"
    shape = "table"

    def __init__(self, target: Target, batch_rows: int = SAMPLE_BATCH_ROWS) -> None:
        self.target = target
        self.schema: pa.Schema = target.schema()
        self.quarantine = Quarantine()
        self._batch_rows = batch_rows

    def fingerprint(self) -> dict[str, Any]:
        return {"source": KIND, "target": self.target.ref, "kind": self.target.kind}

    def expected_rows(self) -> int | None:
        return self.target.row_count()

    def batches(
        self,
        progress: ProgressCallback | None = None,
        columns: Collection[str] | None = None,
    ) -> Iterator[pa.RecordBatch]:
        wanted = None if columns is None else [n for n in self.schema.names if n in columns]
        return self.target.read_batches(self._batch_rows, columns=wanted)


def version_id(now: datetime | None = None) -> str:
    """A version id for an in-place run: ``inplace-<UTC time>-<random>``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{KIND}-{stamp}-{os.urandom(4).hex()}"


def version_row(
    job: Any,
    result: InPlaceResult,
    version: str,
    *,
    veil_version: str,
    privacy: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The ``dataset_versions`` row of a completed in-place run (references, counts and
    hashes; no value). ``source`` holds the in-place lineage: target, backup, checksums."""
    raw = result.privacy

    def k(when: str) -> int | None:
        return int(raw[when]["k"]) if raw else None

    return {
        "dataset": job.dataset,
        "version_id": version,
        "job_id": job.id,
        "run_id": version,
        "created_at": datetime.now(UTC),
        "source": {
            "source": KIND,
            "target": result.target,
            "kind": result.kind,
            "backup": result.backup.ref if result.backup else None,
            "backup_kept": result.backup_kept,
            "checksum_before": result.checksum_before,
            "checksum_after": result.checksum_after,
            "columns_before": result.columns_before,
            "columns_after": result.columns_after,
        },
        "parameters": job.parameters,
        "policy_name": result.policy["name"],
        "policy_hash": result.policy["hash"],
        "key_id": result.key_id,
        "veil_version": veil_version,
        "reference_date": result.reference_date,
        "format": result.kind,
        "encrypted": None,
        "bytes": None,
        "rows_in": result.rows_in,
        "rows_out": result.rows_out,
        "rows_suppressed": result.suppressed,
        "rows_quarantined": 0,
        "k_before": k("before"),
        "k_after": k("after"),
        "privacy": dict(privacy) if privacy else None,
        "timings": dict(result.timings),
    }
