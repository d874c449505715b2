"""``veil dataset``, ``veil hold`` and ``veil gc``: the catalog's datasets, their versions and
lineage, retention, legal hold, and deleting versions past retention.

See :mod:`veil.jobs.retention`. Every change (retention, hold, deletion) is audited.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from veil.cli.job import _actor, _catalog, _table
from veil.cli.main import _s3_options, app, err, guarded, out
from veil.errors import ConfigError, DatasetLockedError, SinkError

dataset_app = typer.Typer(
    no_args_is_help=True,
    help="The catalog's datasets: versions and their lineage, retention.",
)
hold_app = typer.Typer(
    no_args_is_help=True,
    help="Legal hold: while it holds, no version of the dataset is deleted.",
)
app.add_typer(dataset_app, name="dataset")
app.add_typer(hold_app, name="hold")

DatasetArg = Annotated[str, typer.Argument(help="The dataset's name in the catalog.")]
Workspace = Annotated[
    Path | None,
    typer.Option(
        help="Workspace folder holding the catalog and the audit log "
        "(default .veil or VEIL_WORKSPACE)."
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
S3Endpoint = Annotated[
    str | None, typer.Option(help="S3 endpoint URL (default: the one its jobs were given).")
]
Register = Annotated[
    str | None,
    typer.Option(
        "--output",
        help="Where the dataset lives: adds a dataset a plain `veil run` wrote to the catalog.",
    ),
]


def _location(output: str) -> str:
    return output if "://" in output else str(Path(output).resolve())


def _registered(catalog: Any, name: str, output: str | None, s3: Any) -> None:
    """Add ``name`` at ``output`` to the catalog (it must hold a committed version there)."""
    if output is None:
        return
    from veil.sinks import open_sink

    sink = open_sink(output, format="parquet", encrypt=False, keyring=None, s3=s3)
    if sink.current(name) is None:
        raise ConfigError(f"no committed dataset {name!r} in {output}")
    catalog.register_dataset(name, _location(output), actor=_actor())


def _retention(days: int | None) -> str:
    return "keep every version" if days is None else f"{days} day(s)"


def _hold(ds: Any) -> str:
    from veil.jobs.retention import describe_hold

    return f"on ({describe_hold(ds)})" if ds.legal_hold else "off"


def _sink_facts(catalog: Any, ds: Any) -> dict[str, Any]:
    """The sink's pointer, its committed versions and hold marker (or why unreadable)."""
    from veil.jobs.retention import dataset_sink

    try:
        sink = dataset_sink(catalog, ds)
        return {
            "sink_current_version_id": sink.layout.current_version(ds.name),
            "sink_versions": sink.versions(ds.name),
            "sink_hold_marker": sink.layout.held(ds.name),
        }
    except Exception as exc:
        return {"sink_error": type(exc).__name__}


# -- dataset --------------------------------------------------------------------------------


@dataset_app.command("list")
@guarded
def dataset_list(as_json: AsJson = False, workspace: Workspace = None) -> None:
    """The catalog's datasets: output, current version, versions, retention, legal hold."""
    with _catalog(workspace) as catalog:
        rows = [(ds, catalog.versions(ds.name)) for ds in catalog.datasets()]
    if as_json:
        doc = [
            {
                **ds.to_dict(),
                "versions": len(versions),
                "deleted_versions": sum(v.deleted for v in versions),
            }
            for ds, versions in rows
        ]
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return
    view = _table(
        "datasets", "dataset", "output", "current version", "versions", "retention", "legal hold"
    )
    for ds, versions in rows:
        deleted = sum(v.deleted for v in versions)
        view.add_row(
            ds.name,
            ds.output,
            ds.current_version_id or "(none)",
            f"{len(versions) - deleted} (+{deleted} deleted)" if deleted else str(len(versions)),
            _retention(ds.retention_days),
            _hold(ds),
        )
    out.print(view, highlight=False, markup=False)


@dataset_app.command("show")
@guarded
def dataset_show(dataset: DatasetArg, as_json: AsJson = False, workspace: Workspace = None) -> None:
    """A dataset: retention, legal hold, and every version with its lineage (deleted ones
    too, with when)."""
    with _catalog(workspace) as catalog:
        ds = catalog.dataset(dataset)
        versions = catalog.versions(dataset)
        facts = _sink_facts(catalog, ds)
    doc = {**ds.to_dict(), **facts, "versions": [v.to_dict() for v in versions]}
    if as_json:
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return
    view = _table(f"dataset {ds.name}", "", "", header=False)
    view.add_row("output", ds.output)
    view.add_row("current version", f"{facts.get('sink_current_version_id') or '(none)'} (sink)")
    if facts.get("sink_current_version_id") != ds.current_version_id:
        view.add_row("", f"the catalog records {ds.current_version_id or '(none)'}")
    view.add_row("retention", _retention(ds.retention_days))
    view.add_row("legal hold", _hold(ds))
    out.print(view, highlight=False, markup=False)
    lineage = _table(
        "versions (oldest first)",
        "version",
        "created (UTC)",
        "made by",
        "rows",
        "policy",
        "key",
        "deleted",
    )
    for v in versions:
        if v.change is not None:
            made = f"{v.change.get('kind')} of {v.change.get('subject')} from {v.derived_from}"
            made += f" (-{v.change.get('rows_removed')} rows)"
        else:
            made = f"job {v.job_id}" if v.job_id else "-"
        lineage.add_row(
            v.version_id,
            v.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            made,
            f"{v.rows_in} → {v.rows_out}",
            f"{v.policy_name} {v.policy_hash[:12]}",
            v.key_id or "-",
            v.deleted_at.strftime("%Y-%m-%d %H:%M:%S") if v.deleted_at else "",
        )
    out.print(lineage, highlight=False, markup=False)


@dataset_app.command("retention")
@guarded
def dataset_retention(
    dataset: DatasetArg,
    days: Annotated[
        int | None, typer.Option(help="Keep versions this many days (`veil gc` deletes older).")
    ] = None,
    none: Annotated[bool, typer.Option("--none", help="No retention: keep every version.")] = False,
    output: Register = None,
    workspace: Workspace = None,
    s3_endpoint: S3Endpoint = None,
) -> None:
    """Set how long a dataset's versions are kept (audited); `veil gc` applies it."""
    if (days is None) == (not none):
        raise ConfigError("give --days N or --none")
    with _catalog(workspace) as catalog:
        _registered(catalog, dataset, output, _s3_options(s3_endpoint))
        ds = catalog.set_retention(dataset, None if none else days, actor=_actor())
    out.print(
        f"dataset {ds.name}: retention {_retention(ds.retention_days)} (recorded in the audit "
        "log); `veil gc` deletes the versions past it",
        highlight=False,
        markup=False,
    )


# -- legal hold -----------------------------------------------------------------------------


Reason = Annotated[str | None, typer.Option(help="Why (required; recorded and audited).")]
HeldArg = Annotated[
    str,
    typer.Argument(
        help="The dataset's name in the catalog, or the URI of a table anonymized in place "
        "(`veil inplace run`): its backups are then held (no subject erasure changes them)."
    ),
]


def _held_name(catalog: Any, name: str, *, register: bool) -> str:
    """``name`` as the catalog knows it: a dataset's name, or for the URI of a table
    anonymized in place, its reference (added to the catalog when ``register``: the catalog
    is where an in-place table's hold lives)."""
    from veil.inplace import open_target
    from veil.inplace.targets import SCHEMES

    scheme, sep, _ = name.partition("://")
    if not sep or scheme.lower() not in SCHEMES or name in {d.name for d in catalog.datasets()}:
        return name
    with open_target(name) as target:
        ref = target.ref
    if register:
        catalog.register_dataset(ref, ref, actor=_actor(), target_ref=True)
    return ref


@hold_app.command("set")
@guarded
def hold_set(
    dataset: HeldArg,
    reason: Reason = None,
    output: Register = None,
    workspace: Workspace = None,
    s3_endpoint: S3Endpoint = None,
) -> None:
    """Put a dataset (or an in-place table's backups) under legal hold: no version is
    deleted, no backup changed (gc, pruning, erasure refused)."""
    from veil.jobs.inplace import is_inplace_dataset
    from veil.jobs.retention import describe_hold, set_hold

    s3 = _s3_options(s3_endpoint)
    with _catalog(workspace) as catalog:
        _registered(catalog, dataset, output, s3)
        name = _held_name(catalog, dataset, register=True)
        ds = set_hold(catalog, name, True, actor=_actor(), reason=reason or "", s3=s3)
    kept = (
        "its backups are not changed (a subject erasure is refused)"
        if is_inplace_dataset(ds.name, ds.output)
        else "no version of it is deleted"
    )
    out.print(
        f"dataset {ds.name} is under legal hold ({describe_hold(ds)}): {kept} until the hold "
        "is released",
        highlight=False,
        markup=False,
    )


@hold_app.command("release")
@guarded
def hold_release(
    dataset: HeldArg,
    reason: Reason = None,
    workspace: Workspace = None,
    s3_endpoint: S3Endpoint = None,
) -> None:
    """Lift a dataset's legal hold (who and why are recorded); retention applies again."""
    from veil.jobs.retention import set_hold

    with _catalog(workspace) as catalog:
        s3 = _s3_options(s3_endpoint)
        name = _held_name(catalog, dataset, register=False)
        ds = set_hold(catalog, name, False, actor=_actor(), reason=reason or "", s3=s3)
    out.print(
        f"dataset {ds.name}: legal hold released by {ds.hold_actor} ({ds.hold_reason})",
        highlight=False,
        markup=False,
    )


# -- gc -------------------------------------------------------------------------------------


def _say(item: Any, dry_run: bool) -> str:
    if item.retention_days is None or (item.skipped and not item.held):
        return f"{item.dataset}: {item.skipped}"
    past = len(item.expired)
    if item.held:
        return (
            f"{item.dataset}: skipped, {item.skipped}; {past} version(s) past the retention of "
            f"{item.retention_days} day(s) are kept"
        )
    if dry_run:
        ids = f" ({', '.join(item.expired)})" if past else ""
        return (
            f"{item.dataset}: would delete {past} version(s) older than {item.retention_days} "
            f"day(s){ids}; {item.kept} kept"
        )
    ids = f" ({', '.join(item.deleted)})" if item.deleted else ""
    gone = f"; {len(item.gone)} already gone marked deleted" if item.gone else ""
    return (
        f"{item.dataset}: deleted {len(item.deleted)} version(s) older than "
        f"{item.retention_days} day(s){ids}; {item.kept} kept{gone}"
    )


@app.command("gc")
@guarded
def gc(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be deleted; delete nothing.")
    ] = False,
    output: Annotated[
        str | None, typer.Option(help="Only the datasets at this output (folder or s3://).")
    ] = None,
    as_json: AsJson = False,
    workspace: Workspace = None,
    s3_endpoint: S3Endpoint = None,
) -> None:
    """Delete versions older than their dataset's retention: never the current one, nothing of
    a dataset under legal hold; the catalog keeps their lineage (audited)."""
    from veil.jobs.retention import collect

    with _catalog(workspace) as catalog:
        found = collect(
            catalog,
            actor=_actor(),
            dry_run=dry_run,
            output=_location(output) if output is not None else None,
            s3=_s3_options(s3_endpoint),
        )
    if as_json:
        doc = {"dry_run": dry_run, "datasets": [item.to_dict() for item in found]}
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    else:
        if not found:
            out.print("no dataset in the catalog", highlight=False, markup=False)
        for item in found:
            out.print(_say(item, dry_run), highlight=False, markup=False)
    failed = [item for item in found if item.failed]
    if failed:
        locked = any("is locked by" in (item.skipped or "") for item in failed)
        error = DatasetLockedError if locked else SinkError
        err.print(
            f"error: {len(failed)} dataset(s) were not collected: "
            f"{', '.join(item.dataset for item in failed)}; run `veil gc` again",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(code=error.exit_code)
