"""Retention, legal hold and garbage collection of old versions (``veil gc``, ``veil hold``).

**Retention** is a catalog setting of a dataset (``retention_days``, ``None``: keep every
version). :func:`collect` (``veil gc``) deletes the versions older than that many days,
measured from each version's creation time (its manifest's ``created_at``), and never:

- the current version (the sink's pointer, nor the one the catalog records if they differ);
- anything of a dataset under **legal hold** (the catalog's ``legal_hold``, or the sink's
  ``_legal_hold.json`` marker): it is skipped, and said so (``gc.skip`` in the audit log).

Files are deleted through the sink (:meth:`~veil.sinks.Sink.delete_version`: the manifest
first, so a half-deleted version is never a committed one); the catalog's version rows stay,
with ``deleted_at`` set (their lineage is history). Rows of versions whose files were already
gone (the sink prunes beyond its newest few) are marked too. Each dataset is collected under
its lock (:func:`~veil.jobs.lifecycle.maintenance_lock`), so no job runs or rolls back
meanwhile; a dataset a live job holds is skipped and said so. Audited as ``gc.delete`` with
the counts and version ids.

**Legal hold** (:func:`set_hold`): the catalog records who, when and why (audited as
``dataset.legal_hold``), and the sink gets the marker ``<dataset>/_legal_hold.json`` (who and
since when; the reason stays in the catalog), which stops the sink's own pruning of old
versions after a commit. New versions may still be written; nothing is deleted. A table
anonymized in place (a dataset named by its target's reference) has no sink: the catalog's
hold is the only record, and a subject's erasure from its backups checks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from veil.catalog.catalog import Catalog, Dataset
from veil.errors import ConfigError, DatasetLockedError, VeilError
from veil.jobs.inplace import is_inplace_dataset
from veil.jobs.lifecycle import maintenance_lock
from veil.sinks import S3Options, Sink, open_sink

__all__ = [
    "Collected",
    "collect",
    "dataset_sink",
    "describe_hold",
    "set_hold",
    "version_created",
]


def _now() -> datetime:
    return datetime.now(UTC)


def dataset_sink(
    catalog: Catalog, dataset: Dataset, s3: S3Options | None = None, keyring: Any = None
) -> Sink:
    """The sink a catalog dataset lives in (for pointers and manifests no key is needed). An
    ``s3://`` output without ``s3`` options uses the endpoint its newest job was given."""
    if s3 is None and dataset.output.startswith("s3://"):
        for job in catalog.jobs(dataset=dataset.name):
            endpoint = job.parameters.get("s3_endpoint")
            if endpoint:
                s3 = S3Options(endpoint_url=endpoint)
                break
    return open_sink(dataset.output, format="parquet", encrypt=False, keyring=keyring, s3=s3)


def describe_hold(dataset: Dataset) -> str:
    """``set by ACTOR on DATE: REASON`` of a held dataset."""
    since = dataset.hold_at.strftime("%Y-%m-%d %H:%M UTC") if dataset.hold_at else "?"
    return f"set by {dataset.hold_actor or '?'} on {since}: {dataset.hold_reason or '-'}"


def set_hold(
    catalog: Catalog,
    name: str,
    hold: bool,
    *,
    actor: str,
    reason: str,
    s3: S3Options | None = None,
) -> Dataset:
    """Put a legal hold on a catalog dataset, or release it: the catalog (who, when, why;
    audited) and the sink's marker. Setting a hold on a held dataset, or releasing one that
    is not held, is refused (:class:`ConfigError`) and changes nothing."""
    if not reason or not reason.strip():
        verb = "set" if hold else "release"
        raise ConfigError(f"veil hold {verb} needs --reason TEXT (recorded and audited)")
    dataset = catalog.dataset(name)
    if hold and dataset.legal_hold:
        raise ConfigError(
            f"dataset {name!r} is already under legal hold ({describe_hold(dataset)}); "
            "nothing changed"
        )
    if not hold and not dataset.legal_hold:
        raise ConfigError(f"dataset {name!r} is not under legal hold; nothing changed")
    if is_inplace_dataset(dataset.name, dataset.output):  # no sink: the catalog is the record
        return catalog.set_legal_hold(name, hold, actor=actor, reason=reason)
    sink = dataset_sink(catalog, dataset, s3)
    if hold:  # the marker first: a hold the catalog records is never one the sink ignores
        marker = {"legal_hold": True, "since": _now().isoformat(), "by": actor}
        sink.layout.set_hold(name, marker)
        return catalog.set_legal_hold(name, True, actor=actor, reason=reason)
    released = catalog.set_legal_hold(name, False, actor=actor, reason=reason)
    sink.layout.set_hold(name, None)
    return released


def version_created(sink: Sink, dataset: str, version_id: str) -> datetime:
    """When a version was committed: its manifest's ``created_at``, else the time its id
    starts with (``YYYYmmddTHHMMSSffffffZ-…``)."""
    manifest = sink.layout.manifest(dataset, version_id) or {}
    text = manifest.get("created_at")
    if text:
        when = datetime.fromisoformat(str(text))
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when
    return datetime.strptime(version_id.partition("Z")[0], "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)


@dataclass
class Collected:
    """What ``veil gc`` found (and did) for one dataset."""

    dataset: str
    output: str
    retention_days: int | None
    cutoff: datetime | None = None
    current: str | None = None
    #: committed versions past retention (what is deleted, or would be)
    expired: list[str] = field(default_factory=list)
    #: catalog rows past retention whose files were already gone
    gone: list[str] = field(default_factory=list)
    #: versions kept (the current one, the young ones)
    kept: int = 0
    deleted: list[str] = field(default_factory=list)
    #: why nothing was deleted: no retention, a legal hold, a lock, an unreadable output
    skipped: str | None = None
    held: bool = False
    failed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "output": self.output,
            "retention_days": self.retention_days,
            "cutoff": self.cutoff.isoformat() if self.cutoff else None,
            "current_version_id": self.current,
            "expired": self.expired,
            "already_gone": self.gone,
            "kept": self.kept,
            "deleted": self.deleted,
            "skipped": self.skipped,
            "legal_hold": self.held,
        }


def _plan(catalog: Catalog, dataset: Dataset, sink: Sink, now: datetime) -> Collected:
    assert dataset.retention_days is not None
    item = Collected(dataset.name, dataset.output, dataset.retention_days)
    item.cutoff = now - timedelta(days=dataset.retention_days)
    item.current = sink.layout.current_version(dataset.name)
    keep = {item.current, dataset.current_version_id} - {None}
    committed = sink.versions(dataset.name)
    for version_id in committed:
        if version_id in keep or version_created(sink, dataset.name, version_id) >= item.cutoff:
            item.kept += 1
        else:
            item.expired.append(version_id)
    present = set(committed)
    for version in catalog.versions(dataset.name):
        if (
            not version.deleted
            and version.version_id not in present
            and version.version_id not in keep
            and version.created_at < item.cutoff
        ):
            item.gone.append(version.version_id)
    return item


def _delete(catalog: Catalog, item: Collected, sink: Sink, actor: str) -> None:
    """Delete what :func:`_plan` found, under the dataset's lock (re-checked there); what was
    deleted is marked and audited even if a later deletion fails."""
    with maintenance_lock(catalog, item.dataset, "gc", actor=actor):
        current = sink.layout.current_version(item.dataset)
        try:
            for version_id in item.expired:
                if version_id != current:  # a rollback may have made it current meanwhile
                    sink.delete_version(item.dataset, version_id)
                    item.deleted.append(version_id)
        finally:
            item.kept += len(item.expired) - len(item.deleted)
            catalog.mark_deleted(item.dataset, [*item.deleted, *item.gone])
            if item.deleted or item.gone:
                catalog.record_audit(
                    "gc.delete",
                    actor,
                    {"dataset": item.dataset, "output": item.output},
                    {
                        "retention_days": item.retention_days,
                        "cutoff": item.cutoff.isoformat() if item.cutoff else None,
                        "deleted": len(item.deleted),
                        "version_ids": item.deleted,
                        "already_gone": len(item.gone),
                        "already_gone_ids": item.gone,
                        "kept": item.kept,
                    },
                )


def collect(
    catalog: Catalog,
    *,
    actor: str,
    dry_run: bool = False,
    output: str | None = None,
    now: datetime | None = None,
    s3: S3Options | None = None,
) -> list[Collected]:
    """Apply every catalog dataset's retention (those at ``output`` if given); see the module
    docstring. ``dry_run`` finds what would go and deletes nothing (and audits nothing)."""
    now = now or _now()
    found: list[Collected] = []
    for dataset in catalog.datasets():
        if output is not None and dataset.output != output:
            continue
        if is_inplace_dataset(dataset.name, dataset.output):
            found.append(
                Collected(
                    dataset.name, dataset.output, None, skipped="a table anonymized in place: kept"
                )
            )
            continue
        if dataset.retention_days is None:
            found.append(
                Collected(dataset.name, dataset.output, None, skipped="no retention set: kept")
            )
            continue
        try:
            sink = dataset_sink(catalog, dataset, s3)
            item = _plan(catalog, dataset, sink, now)
            item.held = dataset.legal_hold or sink.layout.held(dataset.name)
        except VeilError as exc:
            found.append(
                Collected(
                    dataset.name,
                    dataset.output,
                    dataset.retention_days,
                    skipped=f"cannot read the output: {exc}",
                    failed=True,
                )
            )
            continue
        found.append(item)
        if item.held:
            hold = describe_hold(dataset) if dataset.legal_hold else "the sink's hold marker"
            item.skipped = f"under legal hold ({hold}): nothing is deleted"
            if item.expired and not dry_run:
                catalog.record_audit(
                    "gc.skip",
                    actor,
                    {"dataset": item.dataset, "output": item.output},
                    {"reason": "legal hold", "past_retention": len(item.expired)},
                )
            continue
        if dry_run or not (item.expired or item.gone):
            continue
        try:
            _delete(catalog, item, sink, actor)
        except DatasetLockedError as exc:
            item.skipped = str(exc)
            item.failed = True
        except VeilError as exc:
            item.skipped = f"stopped: {exc}"
            item.failed = True
    return found
