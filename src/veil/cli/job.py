"""``veil job``: runs with a lifecycle: create, dry-run, approve, run, roll back, inspect.

Jobs, datasets and versions live in the workspace's catalog (``<workspace>/catalog.db`` or
``VEIL_DATABASE_URL``); every transition is recorded there and in the audit log. See
:mod:`veil.jobs.lifecycle`. A dry run's before/after pairs are printed here and nowhere else.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from veil.cli.main import (
    BaseUrlOpt,
    EncryptOpt,
    Format,
    FormatOpt,
    GenderOpt,
    InputOpt,
    LocaleOpt,
    NatOpt,
    OutputOpt,
    PersonsOpt,
    S3EndpointOpt,
    SeedOpt,
    Shape,
    ShapeOpt,
    SourceName,
    SourceOpt,
    _check_encrypt,
    _default_report,
    _keyring,
    _make_source,
    _reference_date,
    _s3_options,
    _workspace,
    app,
    err,
    guarded,
    out,
)
from veil.errors import ConfigError, JobError

job_app = typer.Typer(
    no_args_is_help=True,
    help="Jobs: create, dry-run, approve, run and roll back runs; every step recorded.",
)
app.add_typer(job_app, name="job")

JobId = Annotated[str, typer.Argument(help="The job id (`veil job create` printed it).")]
Workspace = Annotated[
    Path | None,
    typer.Option(
        help="Workspace folder holding the catalog, the audit log and the key (default .veil or VEIL_WORKSPACE)."
    ),
]
KeyFile = Annotated[
    Path | None,
    typer.Option(
        help="Master key file (default VEIL_MASTER_KEY, VEIL_KEY_FILE, or the workspace key)."
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@contextlib.contextmanager
def _catalog_and_audit(workspace: Path | None) -> Iterator[tuple[Any, Any]]:
    """The workspace's catalog, auditing to the workspace's audit log; and that log."""
    from veil.catalog import catalog_url
    from veil.catalog.catalog import Catalog
    from veil.cli.audit import workspace_audit_log

    ws = _workspace(workspace)
    with workspace_audit_log(ws) as audit, Catalog(catalog_url(ws), audit=audit) as catalog:
        yield catalog, audit


@contextlib.contextmanager
def _catalog(workspace: Path | None) -> Iterator[Any]:
    """The workspace's catalog, auditing to the workspace's audit log."""
    with _catalog_and_audit(workspace) as (catalog, _):
        yield catalog


def _actor() -> str:
    from veil.audit import current_actor

    return current_actor()


def _config(job: Any, workspace: Path | None, key_file: Path | None, *, dry: bool = False) -> Any:
    """The job's run configuration, from its parameters and its stored policy. A dry run
    gets a throwaway in-memory vault when the policy needs one (the workspace's is not
    touched)."""
    from veil.jobs import RunConfig
    from veil.jobs.lifecycle import job_policy

    p = job.parameters
    opts = dict(p["source_options"])
    opts["shape"] = Shape(opts["shape"])
    opts["input_path"] = Path(opts["input_path"]) if opts["input_path"] else None
    ws = _workspace(workspace)
    fmt = Format(p["format"])
    config = RunConfig(
        source=_make_source(SourceName(p["source"]), **opts),
        policy=job_policy(job),
        keyring=_keyring(ws, key_file),
        output=job.output,
        format=fmt.value,
        encrypt=(fmt is Format.parquet) if p["encrypt"] is None else p["encrypt"],
        dataset=job.dataset,
        reference_date=_reference_date(p["reference_date"]),
        report=_default_report(job.output) if p["report"] else None,
        s3=_s3_options(p["s3_endpoint"]),
    )
    return _vault(config, workspace, dry=dry)


def _vault(config: Any, workspace: Path | None, *, dry: bool) -> Any:
    """A vault when the policy needs one: a throwaway in-memory one for a dry run."""
    import dataclasses

    from veil.keys.vault import Vault, needs_vault, open_workspace_vault

    if not needs_vault(config.policy):
        return config
    if dry:
        return dataclasses.replace(config, vault=Vault.open("sqlite://", config.keyring))
    return dataclasses.replace(
        config, vault=open_workspace_vault(_workspace(workspace), config.keyring)
    )


@contextlib.contextmanager
def _inplace_config(job: Any, workspace: Path | None, key_file: Path | None) -> Iterator[Any]:
    """An in-place job's run configuration for a dry run: its target read as a source (open
    for the block), its policy, and a throwaway vault if the policy needs one."""
    from veil.jobs import RunConfig
    from veil.jobs.inplace import TargetSource, open_job_target
    from veil.jobs.lifecycle import job_policy

    p = job.parameters
    with open_job_target(p["target"]) as target:
        config = RunConfig(
            source=TargetSource(target),
            policy=job_policy(job),
            keyring=_keyring(_workspace(workspace), key_file),
            output=job.output,
            dataset=job.dataset,
            reference_date=_reference_date(p["reference_date"]),
            report=None,
        )
        with _closing_vault(_vault(config, workspace, dry=True)) as config:
            yield config


@contextlib.contextmanager
def _closing_vault(config: Any) -> Iterator[Any]:
    try:
        yield config
    finally:
        if config.vault is not None:
            config.vault.close()


# -- create ---------------------------------------------------------------------------------


@job_app.command("create")
@guarded
def job_create(
    ctx: typer.Context,
    dataset: Annotated[
        str | None,
        typer.Option(
            help="Dataset name (default users; events for events). One dataset lives at one output."
        ),
    ] = None,
    output: OutputOpt = "veil-out",
    policy: Annotated[
        str | None,
        typer.Option(
            help="Policy YAML, or a built-in: randomuser, fakerapi, events (default: the built-in for the shape). Stored with the job."
        ),
    ] = None,
    source: SourceOpt = SourceName.synthetic,
    persons: PersonsOpt = 30_000,
    shape: ShapeOpt = Shape.randomuser,
    gender: GenderOpt = None,
    nat: NatOpt = None,
    locale: LocaleOpt = None,
    seed: SeedOpt = None,
    input_path: InputOpt = None,
    base_url: BaseUrlOpt = None,
    format: FormatOpt = Format.parquet,
    encrypt: EncryptOpt = None,
    reference_date: Annotated[
        str | None,
        typer.Option(
            help="Date ages are measured at (YYYY-MM-DD; default: the day the job runs, UTC)."
        ),
    ] = None,
    no_report: Annotated[
        bool, typer.Option("--no-report", help="The run writes no report.")
    ] = False,
    s3_endpoint: S3EndpointOpt = None,
    four_eyes: Annotated[
        bool,
        typer.Option("--four-eyes", help="Someone other than the creator must approve the job."),
    ] = False,
    in_place: Annotated[
        str | None,
        typer.Option(
            "--in-place",
            metavar="TARGET",
            help="Anonymize this existing table where it lives (duckdb:///FILE?table=T, "
            "postgresql://USER@HOST/DB?table=S.T, parquet:///DIR, delta:///DIR; no password) "
            "instead of --source/--output. The dataset is the target.",
        ),
    ] = None,
    no_keep_backup: Annotated[
        bool,
        typer.Option(
            "--no-keep-backup",
            help="--in-place: drop the backup after a verified run (the job cannot be rolled back).",
        ),
    ] = False,
    workspace: Workspace = None,
) -> None:
    """Create a job (pending): the policy and the run's options, never data. Prints its id."""
    from veil.jobs.lifecycle import create_job
    from veil.policy.loader import BUILTIN, load_policy

    if in_place is not None:
        given = [
            "--" + name.replace("_", "-").replace("input-path", "input")
            for name in _SOURCE_OPTIONS
            if getattr(ctx.get_parameter_source(name), "name", "DEFAULT") != "DEFAULT"
        ]
        if given:
            raise ConfigError(
                "--in-place TARGET anonymizes an existing table where it lives: it takes no "
                f"{', '.join(given)} (those are for a job that writes a new version from "
                "--source to --output; the dataset of an in-place job is its target)"
            )
        _create_inplace(in_place, policy, reference_date, no_keep_backup, four_eyes, workspace)
        return
    if no_keep_backup:
        raise ConfigError("--no-keep-backup applies to in-place jobs only (--in-place TARGET)")
    _check_encrypt(format, encrypt)
    if reference_date is not None:
        _reference_date(reference_date)  # checked now, not at run time
    if input_path is not None:
        input_path = input_path.resolve()
    options: dict[str, Any] = {
        "shape": shape.value,
        "persons": persons,
        "seed": seed,
        "gender": gender,
        "nat": nat,
        "locale": locale,
        "input_path": str(input_path) if input_path else None,
        "base_url": base_url,
    }
    src = _make_source(source, **{**options, "shape": shape, "input_path": input_path})
    ref = policy or src.shape
    ref = f"builtin:{ref}" if ref in BUILTIN else str(Path(ref).resolve())
    loaded = load_policy(ref)
    location = output if "://" in output else str(Path(output).resolve())
    parameters = {
        "source": source.value,
        "source_options": options,
        "format": format.value,
        "encrypt": encrypt,
        "reference_date": reference_date,
        "report": not no_report,
        "s3_endpoint": s3_endpoint or os.environ.get("VEIL_S3_ENDPOINT"),
    }
    with _catalog(workspace) as catalog:
        job = create_job(
            catalog,
            policy=loaded,
            policy_ref=ref,
            dataset=dataset or ("events" if src.shape == "events" else "users"),
            output=location,
            parameters=parameters,
            actor=_actor(),
            four_eyes=four_eyes,
        )
    sys.stdout.write(job.id + "\n")
    err.print(
        f"created job {job.id} (pending): dataset {job.dataset} at {job.output}, policy "
        f"{job.policy_name} {job.policy_hash[:12]}…; next: veil job dry-run {job.id}",
        highlight=False,
        markup=False,
    )


#: options of a job that writes a new version, which an in-place job does not take
_SOURCE_OPTIONS = (
    "dataset",
    "output",
    "source",
    "persons",
    "shape",
    "gender",
    "nat",
    "locale",
    "seed",
    "input_path",
    "base_url",
    "format",
    "encrypt",
    "no_report",
    "s3_endpoint",
)


def _create_inplace(
    uri: str,
    policy: str | None,
    reference_date: str | None,
    no_keep_backup: bool,
    four_eyes: bool,
    workspace: Path | None,
) -> None:
    """``veil job create --in-place TARGET``: a job anonymizing the table where it lives."""
    from veil.jobs.inplace import KIND, check_target_uri, open_job_target
    from veil.jobs.lifecycle import create_job
    from veil.policy.loader import BUILTIN, load_policy

    if policy is None:
        raise ConfigError(
            "--in-place needs --policy FILE or a built-in (randomuser, fakerapi, events)"
        )
    if reference_date is not None:
        _reference_date(reference_date)
    stored = check_target_uri(uri)
    with open_job_target(stored) as target:  # it must be there, and its reference is the dataset
        ref, kind = target.ref, target.kind
    policy_ref = f"builtin:{policy}" if policy in BUILTIN else str(Path(policy).resolve())
    loaded = load_policy(policy_ref)
    parameters = {
        "kind": KIND,
        "target": stored,
        "target_kind": kind,
        "reference_date": reference_date,
        "keep_backup": not no_keep_backup,
    }
    with _catalog(workspace) as catalog:
        job = create_job(
            catalog,
            policy=loaded,
            policy_ref=policy_ref,
            dataset=ref,
            output=ref,
            parameters=parameters,
            actor=_actor(),
            four_eyes=four_eyes,
        )
    sys.stdout.write(job.id + "\n")
    backup = "dropped after a verified run" if no_keep_backup else "kept"
    err.print(
        f"created job {job.id} (pending): anonymize {ref} in place (backup {backup}), policy "
        f"{job.policy_name} {job.policy_hash[:12]}…; next: veil job dry-run {job.id}",
        highlight=False,
        markup=False,
    )


# -- dry run --------------------------------------------------------------------------------


def _dry_run_view(report: Any) -> Table:
    from veil.jobs.dryrun import PAIRS

    samples = (f"sample {i + 1}" for i in range(PAIRS))
    view = _table("dry run: before (masked) → after", "column", "op", "from", *samples)
    for column in report.columns:
        pairs = [f"{before} → {after}" for before, after in column.pairs]
        pairs += [""] * (PAIRS - len(pairs))
        view.add_row(column.output, column.op, column.input, *pairs)
    return view


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown (the source does not say how many records it has)"
    minutes, secs = divmod(round(seconds), 60)
    return f"about {minutes} min {secs} s" if minutes else f"about {seconds:.1f} s"


def _print_dry_run(report: Any, job: Any) -> None:
    console = Console(highlight=False)
    console.print(_dry_run_view(report), markup=False)
    console.print(
        f"sample: {report.sample_rows} records read, {report.rows_out} out, "
        f"{report.suppressed} suppressed, {report.quarantined} quarantined",
        markup=False,
    )
    if report.risk is not None:
        risk = report.risk
        after = f", {risk['k_after']} after enforcement" if "k_after" in risk else ""
        console.print(
            f"risk on the sample: k = {risk['k']}{after} (target {risk['target_k']}), "
            f"uniqueness {risk['uniqueness']:.2%}",
            markup=False,
        )
    rate = f"{report.rows_per_second:,.0f} records/s" if report.rows_per_second else "n/a"
    expected = "unknown" if report.expected_rows is None else f"{report.expected_rows:,}"
    console.print(
        f"estimated duration for {expected} records: {_duration(report.estimated_seconds)} "
        f"(read + transform at {rate} on the sample; writing not measured)",
        markup=False,
    )
    for warning in report.warnings:
        console.print(f"warning: {warning}", markup=False, style="yellow")
    for problem in report.blocking:
        console.print(f"blocking: {problem}", markup=False, style="red")
    console.print(f"job {job.id} is {job.state}", markup=False)


@job_app.command("dry-run")
@guarded
def job_dry_run(
    job_id: JobId,
    sample_rows: Annotated[int, typer.Option(help="Records to sample from the source.")] = 10_000,
    workspace: Workspace = None,
    key_file: KeyFile = None,
) -> None:
    """Apply the job's policy to a sample and show what it does (nothing is written)."""
    from veil.jobs.inplace import is_inplace
    from veil.jobs.lifecycle import dry_run

    with _catalog(workspace) as catalog:
        job = catalog.job(job_id)
        if is_inplace(job):
            opened = _inplace_config(job, workspace, key_file)
        else:
            opened = _closing_vault(_config(job, workspace, key_file, dry=True))
        with opened as config:
            report = dry_run(catalog, job_id, config, actor=_actor(), sample_rows=sample_rows)
        job = catalog.job(job_id)
    _print_dry_run(report, job)
    if report.blocking:
        raise JobError(
            f"job {job.id} stays {job.state}: {len(report.blocking)} blocking problem(s); it "
            "cannot be approved (create a new job with a fixed policy or source)"
        )
    err.print(f"next: veil job approve {job.id} --reason TEXT", highlight=False, markup=False)


# -- approve, run, rollback -----------------------------------------------------------------


@job_app.command("approve")
@guarded
def job_approve(
    job_id: JobId,
    reason: Annotated[
        str | None, typer.Option(help="Why it may run (required; recorded and audited).")
    ] = None,
    workspace: Workspace = None,
) -> None:
    """Approve a validated job (who and why are recorded; four-eyes: not by its creator)."""
    from veil.jobs.lifecycle import approve

    with _catalog(workspace) as catalog:
        job = approve(catalog, job_id, actor=_actor(), reason=reason or "")
    out.print(
        f"job {job.id} approved by {job.approved_by}; next: veil job run {job.id}",
        highlight=False,
        markup=False,
    )


@job_app.command("run")
@guarded
def job_run(
    job_id: JobId,
    workspace: Workspace = None,
    key_file: KeyFile = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bars or tables.")
    ] = False,
) -> None:
    """Run an approved job under its dataset's lock; a failure leaves the previous version."""
    from veil.cli.render import RichProgress, summary_table
    from veil.jobs.inplace import is_inplace
    from veil.jobs.lifecycle import run_job

    with _catalog_and_audit(workspace) as (catalog, audit):
        if is_inplace(catalog.job(job_id)):
            _run_inplace(catalog, audit, job_id, workspace, key_file, quiet)
            return
        config = _config(catalog.job(job_id), workspace, key_file)
        try:
            with (
                RichProgress(Console(stderr=True, quiet=quiet)) as progress,
                _closing_vault(config),
            ):
                outcome = run_job(catalog, job_id, config, actor=_actor(), progress=progress)
        except BaseException:
            _say_how_it_ended(catalog, job_id)
            raise
    _say_recovered(outcome)
    if not quiet:
        out.print(summary_table(outcome.result))
    job = outcome.job
    out.print(
        f"job {job.id} completed: version {job.version_id} is current in {job.output} "
        f"(dataset {job.dataset})",
        highlight=False,
        markup=False,
    )


def _run_inplace(
    catalog: Any,
    audit: Any,
    job_id: str,
    workspace: Path | None,
    key_file: Path | None,
    quiet: bool,
) -> None:
    """``veil job run`` of an in-place job: anonymize its table under the dataset's lock."""
    from veil.cli.render import RichProgress
    from veil.jobs.lifecycle import job_policy, run_inplace_job
    from veil.keys.vault import needs_vault, open_workspace_vault

    job = catalog.job(job_id)
    ws = _workspace(workspace)
    keyring = _keyring(ws, key_file)
    when = _reference_date(job.parameters.get("reference_date"))
    with contextlib.ExitStack() as stack:
        vault = None
        if needs_vault(job_policy(job)):
            vault = open_workspace_vault(ws, keyring)
            stack.callback(vault.close)
        try:
            progress = stack.enter_context(RichProgress(Console(stderr=True, quiet=quiet)))
            outcome = run_inplace_job(
                catalog,
                job_id,
                keyring=keyring,
                reference_date=when,
                actor=_actor(),
                audit=audit,
                progress=progress,
                vault=vault,
            )
        except BaseException:
            _say_how_it_ended(catalog, job_id)
            raise
    _say_recovered(outcome)
    r, job = outcome.result, outcome.job
    backup = "none"
    if r.backup is not None:
        backup = f"{r.backup.ref} ({'kept' if r.backup_kept else 'dropped'})"
    out.print(
        f"job {job.id} completed: {r.target} anonymized in place, {r.rows_in:,} rows in, "
        f"{r.rows_out:,} out ({r.suppressed:,} suppressed); checksum before "
        f"{r.checksum_before}, after {r.checksum_after}; backup {backup}; version "
        f"{job.version_id}",
        highlight=False,
        markup=False,
    )


def _say_recovered(outcome: Any) -> None:
    """What a run found and finished of dead runs before its own, and a lock it took over."""
    for found in outcome.recovered:
        err.print(f"recovered job {found.job_id}: {found.note}", highlight=False, markup=False)
    if outcome.took_over is not None:
        stale = outcome.took_over
        err.print(
            f"took over the stale lock of job {stale.job_id} ({stale.owner.describe()} is gone)",
            highlight=False,
            markup=False,
        )


def _say_how_it_ended(catalog: Any, job_id: str) -> None:
    """After a failed run: the job's state and what its last transition says."""
    with contextlib.suppress(Exception):
        job = catalog.job(job_id)
        last = catalog.transitions(job_id)[-1]
        err.print(f"job {job.id} is {job.state}: {last.reason}", highlight=False, markup=False)


@job_app.command("rollback")
@guarded
def job_rollback(
    job_id: JobId,
    reason: Annotated[str | None, typer.Option(help="Why (recorded and audited).")] = None,
    workspace: Workspace = None,
) -> None:
    """Make the version before a completed job's current again (sink, then catalog)."""
    from veil.jobs.lifecycle import rollback_job

    with _catalog_and_audit(workspace) as (catalog, audit):
        job, note = rollback_job(catalog, job_id, actor=_actor(), reason=reason, audit=audit)
    out.print(f"job {job.id} rolled back: {note}", highlight=False, markup=False)


# -- status and list ------------------------------------------------------------------------


def _sink_current(job: Any) -> str | None:
    from veil.jobs.lifecycle import job_sink

    try:
        return job_sink(job).layout.current_version(job.dataset)
    except Exception as exc:
        return f"(unreadable: {type(exc).__name__})"


def _status_doc(catalog: Any, job: Any, recovered: list[Any]) -> dict[str, Any]:
    dataset = catalog.dataset(job.dataset)
    version = catalog.version(job.dataset, job.version_id) if job.version_id else None
    lock = catalog.lock(job.dataset)
    from veil.jobs.inplace import is_inplace

    # an in-place table has no sink pointer: the catalog's is the only one
    sink_current = dataset.current_version_id if is_inplace(job) else _sink_current(job)
    return {
        "job": job.to_dict(),
        "transitions": [t.to_dict() for t in catalog.transitions(job.id)],
        "version": version.to_dict() if version else None,
        "dataset": {
            **dataset.to_dict(),
            "sink_current_version_id": sink_current,
            "pointers_agree": sink_current == dataset.current_version_id,
        },
        "lock": lock.to_dict() if lock else None,
        "recovered": [{"job": r.job_id, "note": r.note} for r in recovered],
    }


def _table(title: str, *columns: str, header: bool = True) -> Table:
    """A table whose cells wrap rather than cut (ids and hashes are meant to be copied)."""
    view = Table(title=title, title_justify="left", show_header=header)
    for name in columns:
        view.add_column(name, overflow="fold")
    return view


def _print_status(doc: dict[str, Any]) -> None:
    job, ds = doc["job"], doc["dataset"]
    for found in doc["recovered"]:
        err.print(f"recovered job {found['job']}: {found['note']}", highlight=False, markup=False)
    facts = _table(f"job {job['id']}: {job['state']}", "", "", header=False)
    for key in (
        "dataset",
        "output",
        "created_by",
        "created_at",
        "policy_name",
        "policy_hash",
        "four_eyes",
        "approved_by",
        "approval_reason",
        "previous_version_id",
        "version_id",
        "error",
    ):
        if job[key] is not None:
            facts.add_row(key, str(job[key]))
    if job["dry_run"] is not None:
        facts.add_row("dry run", f"{job['dry_run']['sample_rows']} sampled records")
        for line in job["dry_run"]["warnings"] + job["dry_run"]["blocking"]:
            facts.add_row("", line)
    pointer = ds["current_version_id"] or "(none)"
    facts.add_row("current version", f"{ds['sink_current_version_id'] or '(none)'} (sink)")
    if not ds["pointers_agree"]:
        facts.add_row("", f"the catalog records {pointer}: the sink's pointer is authoritative")
    if doc["lock"] is not None:
        lock = doc["lock"]
        facts.add_row("lock", f"job {lock['job_id']}, pid {lock['pid']} on {lock['host']}")
    out.print(facts, highlight=False, markup=False)
    if doc["version"] is not None:
        v = doc["version"]
        lineage = _table("lineage", "", "", header=False)
        for key in (
            "version_id",
            "created_at",
            "policy_name",
            "policy_hash",
            "key_id",
            "veil_version",
            "reference_date",
            "rows_in",
            "rows_out",
            "rows_suppressed",
            "rows_quarantined",
            "k_before",
            "k_after",
        ):
            lineage.add_row(key, str(v[key]))
        lineage.add_row("source", json.dumps(v["source"], sort_keys=True))
        out.print(lineage, highlight=False, markup=False)
    history = _table("transitions", "at (UTC)", "from", "to", "actor", "reason")
    for t in doc["transitions"]:
        history.add_row(t["at"][:19], t["from_state"] or "", t["to_state"], t["actor"], t["reason"])
    out.print(history, highlight=False, markup=False)


@job_app.command("status")
@guarded
def job_status(job_id: JobId, as_json: AsJson = False, workspace: Workspace = None) -> None:
    """A job: state, history, dry-run warnings, the version it made and its lineage."""
    from veil.jobs.lifecycle import recover

    with _catalog(workspace) as catalog:
        recovered = recover(catalog, actor=_actor())
        doc = _status_doc(catalog, catalog.job(job_id), recovered)
    if as_json:
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    else:
        _print_status(doc)


@job_app.command("list")
@guarded
def job_list(
    dataset: Annotated[str | None, typer.Option(help="Only this dataset's jobs.")] = None,
    as_json: AsJson = False,
    workspace: Workspace = None,
) -> None:
    """Jobs, newest first."""
    from veil.jobs.lifecycle import recover

    with _catalog(workspace) as catalog:
        recovered = recover(catalog, actor=_actor())
        jobs = catalog.jobs(dataset=dataset)
    if as_json:
        doc = {
            "jobs": [j.to_dict() for j in jobs],
            "recovered": [{"job": r.job_id, "note": r.note} for r in recovered],
        }
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return
    for found in recovered:
        err.print(f"recovered job {found.job_id}: {found.note}", highlight=False, markup=False)
    view = _table("jobs", "job", "dataset", "state", "created (UTC)", "by", "policy", "version")
    for j in jobs:
        view.add_row(
            j.id,
            j.dataset,
            j.state,
            j.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            j.created_by,
            j.policy_name,
            j.version_id or "",
        )
    out.print(view, highlight=False, markup=False)
