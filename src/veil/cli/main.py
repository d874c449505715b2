"""The ``veil`` command line: run, report, policy, keys, reveal, subject.

Every command turns a ``VeilError`` into a one-paragraph message on stderr and its exit code
(2 configuration/policy, 3 keys, 4 source, 5 sink); nothing is printed from library code.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from veil.errors import ConfigError, VeilError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="veil: make user data safe to analyse.",
)
policy_app = typer.Typer(no_args_is_help=True, help="Show, validate and export policies.")
keys_app = typer.Typer(no_args_is_help=True, help="Manage keys.")
subject_app = typer.Typer(
    no_args_is_help=True, help="Subject requests: access (export) and erasure."
)
app.add_typer(policy_app, name="policy")
app.add_typer(keys_app, name="keys")
app.add_typer(subject_app, name="subject")

out = Console()
err = Console(stderr=True)


class SourceName(StrEnum):
    synthetic = "synthetic"
    randomuser = "randomuser"
    fakerapi = "fakerapi"
    file = "file"


class Shape(StrEnum):
    randomuser = "randomuser"
    fakerapi = "fakerapi"
    events = "events"


class Format(StrEnum):
    parquet = "parquet"
    duckdb = "duckdb"


class Engine(StrEnum):
    local = "local"
    spark = "spark"


def guarded(command: Callable[..., None]) -> Callable[..., None]:
    """Turn errors into messages: VeilErrors as they are; anything else by its type only.

    An unexpected exception's message may quote data (a cast error names the value), so only
    its type is printed, unless VEIL_DEBUG=1 asks for the traceback.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except VeilError as exc:
            raise _fail(exc) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("VEIL_DEBUG") == "1":
                raise
            err.print(f"[bold red]internal error:[/] {type(exc).__name__} (details withheld: they "
                      "may contain data; rerun with VEIL_DEBUG=1 to see the traceback)")
            raise typer.Exit(code=1) from None

    return wrapper


def _fail(exc: VeilError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False, soft_wrap=True)
    return typer.Exit(code=exc.exit_code)


def _workspace(path: Path | None) -> Path:
    return path or Path(os.environ.get("VEIL_WORKSPACE", ".veil"))


def _keyring(workspace: Path, key_file: Path | None) -> Any:
    from veil.keys import load_keyring

    keyring = load_keyring(workspace, key_file)
    if keyring.origin == "generated":
        err.print(
            f"[yellow]warning:[/] no key configured: generated key {keyring.kid} into "
            f"{keyring.path} (mode 0600). Set VEIL_MASTER_KEY or --key-file for real data; "
            "keep this key, or outputs it encrypted cannot be read.",
            highlight=False,
        )
    return keyring


def _reference_date(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        day = datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise ConfigError(f"--reference-date {value!r} is not a date (YYYY-MM-DD)") from None
    return day.replace(tzinfo=UTC)


def _synthetic_seed(seed: str | None) -> int:
    if seed is None:
        return 0
    if seed.isdigit():
        return int(seed)
    import hashlib

    return int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")


def _make_source(
    source: SourceName,
    *,
    shape: Shape,
    persons: int,
    seed: str | None,
    gender: str | None,
    nat: str | None,
    locale: str | None,
    input_path: Path | None,
    base_url: str | None,
) -> Any:
    from veil.sources import make_source

    if persons < 0:
        raise ConfigError("--persons must be ≥ 0")
    nats = [n.strip().upper() for n in nat.split(",") if n.strip()] if nat else None
    if source is SourceName.synthetic:
        return make_source(
            "synthetic",
            shape=shape.value,
            persons=persons,
            seed=_synthetic_seed(seed),
            gender=gender,
            nat=nats,
            locale=locale,
        )
    if source is SourceName.randomuser:
        return make_source(
            "randomuser",
            persons=persons,
            seed=seed or "veil",
            gender=gender,
            nat=nats,
            base_url=base_url,
        )
    if source is SourceName.fakerapi:
        return make_source(
            "fakerapi",
            persons=persons,
            seed=seed,
            gender=gender,
            locale=locale or "en_US",
            base_url=base_url,
        )
    if input_path is None:
        raise ConfigError("--source file needs --input PATH (JSON, NDJSON, CSV or Parquet)")
    return make_source("file", path=input_path)


def _policy_for(policy: Path | None, shape: str) -> Any:
    from veil.policy import builtin_policy, load_policy

    return load_policy(policy) if policy is not None else builtin_policy(shape)


def _s3_options(endpoint: str | None) -> Any:
    if endpoint is None and not os.environ.get("VEIL_S3_ENDPOINT"):
        return None
    from veil.sinks import S3Options

    return S3Options(endpoint_url=endpoint or os.environ["VEIL_S3_ENDPOINT"])


def _with_vault(config: Any, workspace: Path) -> Any:
    """``config`` with the workspace's subject-key vault when the policy needs one."""
    import dataclasses

    from veil.keys.vault import needs_vault, open_workspace_vault

    if not needs_vault(config.policy):
        return config
    return dataclasses.replace(config, vault=open_workspace_vault(workspace, config.keyring))


@contextlib.contextmanager
def _vault_closed(config: Any) -> Iterator[None]:
    try:
        yield
    finally:
        if config.vault is not None:
            config.vault.close()


def _default_report(output: str) -> Path:
    return Path("veil-report") if "://" in output else Path(output) / "report"


# the options of `veil run` that `veil job create` takes too (one declaration for both)
SourceOpt = Annotated[SourceName, typer.Option(help="Where users come from.")]
PersonsOpt = Annotated[int, typer.Option(help="How many users to read or generate.")]
ShapeOpt = Annotated[Shape, typer.Option(help="synthetic only: the shape to generate (events: the users' events).")]
GenderOpt = Annotated[str | None, typer.Option(help="Only 'male' or 'female' users.")]
NatOpt = Annotated[str | None, typer.Option(help="Nationalities, comma-separated (randomuser, synthetic): DE,FR.")]
LocaleOpt = Annotated[str | None, typer.Option(help="Faker locale (fakerapi, synthetic --shape fakerapi): de_DE.")]
SeedOpt = Annotated[str | None, typer.Option(help="Seed: same seed, same users.")]
InputOpt = Annotated[Path | None, typer.Option("--input", help="--source file: a JSON, NDJSON, CSV or Parquet file.")]
BaseUrlOpt = Annotated[str | None, typer.Option(help="API base URL (randomuser, fakerapi), e.g. a mirror.")]
OutputOpt = Annotated[str, typer.Option(help="A local folder or s3://bucket/prefix.")]
FormatOpt = Annotated[Format, typer.Option(help="Output format.")]
EncryptOpt = Annotated[bool | None, typer.Option("--encrypt/--no-encrypt", help="Parquet modular encryption (default: on for Parquet).")]
S3EndpointOpt = Annotated[str | None, typer.Option(help="S3 endpoint URL for MinIO or a local S3 (default VEIL_S3_ENDPOINT).")]


def _check_encrypt(format: Format, encrypt: bool | None) -> None:
    if encrypt and format is Format.duckdb:
        raise ConfigError(
            "--encrypt is for Parquet; DuckDB files are written unencrypted "
            "(use --format parquet for encrypted output)"
        )


@app.command()
@guarded
def run(
    source: SourceOpt = SourceName.synthetic,
    persons: PersonsOpt = 30_000,
    shape: ShapeOpt = Shape.randomuser,
    gender: GenderOpt = None,
    nat: NatOpt = None,
    locale: LocaleOpt = None,
    seed: SeedOpt = None,
    input_path: InputOpt = None,
    base_url: BaseUrlOpt = None,
    policy: Annotated[
        Path | None,
        typer.Option(help="Policy YAML (default: the built-in policy for the source's shape)."),
    ] = None,
    output: OutputOpt = "veil-out",
    format: FormatOpt = Format.parquet,
    encrypt: EncryptOpt = None,
    dataset: Annotated[
        str | None,
        typer.Option(help="Dataset name inside the output (default users; events for events)."),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            help="Report path stem: writes STEM.json and STEM.html (default OUTPUT/report)."
        ),
    ] = None,
    no_report: Annotated[bool, typer.Option("--no-report", help="Skip the report.")] = False,
    reference_date: Annotated[
        str | None,
        typer.Option(
            help="Date ages and durations are measured at (YYYY-MM-DD; default today, UTC)."
        ),
    ] = None,
    workspace: Annotated[
        Path | None,
        typer.Option(
            help="Workspace folder for the generated key (default .veil or VEIL_WORKSPACE)."
        ),
    ] = None,
    key_file: Annotated[
        Path | None,
        typer.Option(
            help="Master key file (default VEIL_MASTER_KEY, VEIL_KEY_FILE, or the workspace key)."
        ),
    ] = None,
    s3_endpoint: S3EndpointOpt = None,
    engine: Annotated[Engine, typer.Option(help="local (threads here) or spark (PySpark mapInArrow; same rows).")] = Engine.local,
    spark_master: Annotated[str | None, typer.Option(help="--engine spark: the Spark master, e.g. local[2] or spark://host:7077 (default: Spark's).")] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bars or tables.")
    ] = False,
) -> None:
    """Ingest users, anonymize them under a policy, store them (encrypted), and report."""
    from veil.audit import current_actor
    from veil.cli.audit import workspace_audit_log
    from veil.cli.render import RichProgress, report_table, summary_table
    from veil.jobs import RunConfig, run_pipeline

    try:
        _check_encrypt(format, encrypt)
        src = _make_source(
            source,
            shape=shape,
            persons=persons,
            seed=seed,
            gender=gender,
            nat=nat,
            locale=locale,
            input_path=input_path,
            base_url=base_url,
        )
        config = RunConfig(
            source=src,
            policy=_policy_for(policy, src.shape),
            keyring=_keyring(_workspace(workspace), key_file),
            output=output,
            format=format.value,
            encrypt=(format is Format.parquet) if encrypt is None else encrypt,
            dataset=dataset or ("events" if src.shape == "events" else "users"),
            reference_date=_reference_date(reference_date),
            report=None if no_report else (report or _default_report(output)),
            s3=_s3_options(s3_endpoint),
            engine=engine.value,
            spark_master=spark_master,
        )
        config = _with_vault(config, _workspace(workspace))
        # the run is audited: the log is opened first, so a run it cannot record does not start
        audit = workspace_audit_log(_workspace(workspace))
        target = {"output": output, "dataset": config.dataset}
        console = Console(stderr=True, quiet=quiet)
        try:
            with RichProgress(console) as progress, _vault_closed(config):
                result = run_pipeline(config, progress)
        except BaseException as exc:
            audit.record(
                "run.failed",
                current_actor(),
                target,
                {"policy": config.policy.name, "policy_hash": config.policy.digest(),
                 "error": type(exc).__name__},
            )  # fmt: skip
            raise
        audit.record(
            "run",
            current_actor(),
            {**target, "version_id": result.version_id},
            {
                "run_id": result.run_id,
                "rows": result.rows,
                "rows_suppressed": result.manifest.get("rows_suppressed"),
                "policy": config.policy.name,
                "policy_hash": config.policy.digest(),
                "key_id": config.keyring.kid,
                "source": config.source.fingerprint(),
                "engine": config.engine,
            },
        )
    except VeilError as exc:
        raise _fail(exc) from None
    if not quiet:
        out.print(summary_table(result))
        if result.report is not None:
            out.print(report_table(result.report))


@app.command("report")
@guarded
def report_cmd(
    output: Annotated[
        str, typer.Option(help="The output a run wrote (folder or s3://).")
    ] = "veil-out",
    dataset: Annotated[str, typer.Option(help="Dataset name inside the output.")] = "users",
    report: Annotated[Path | None, typer.Option(help="Also write STEM.json and STEM.html.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    workspace: Annotated[
        Path | None, typer.Option(help="Workspace folder holding the key.")
    ] = None,
    key_file: Annotated[Path | None, typer.Option(help="Master key file.")] = None,
    s3_endpoint: Annotated[str | None, typer.Option(help="S3 endpoint URL.")] = None,
) -> None:
    """Answer the built-in questions on the current version of a stored output."""
    from veil.cli.render import report_table
    from veil.jobs.run import make_report, write_report_files
    from veil.sinks import open_sink

    try:
        keyring = _keyring(_workspace(workspace), key_file)
        sink = open_sink(
            output, format="parquet", encrypt=False, keyring=keyring, s3=_s3_options(s3_endpoint)
        )
        manifest = sink.current(dataset)
        if manifest is None:
            raise ConfigError(f"no committed dataset {dataset!r} in {output}; run `veil run` first")
        ref = _reference_date(manifest["reference_date"])
        with sink.checked(dataset):  # a damaged file: name the dataset and version
            result = make_report(sink, dataset, ref, None, manifest)
        if report is not None:
            write_report_files(result, report)
    except VeilError as exc:
        raise _fail(exc) from None
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2, default=str) + "\n")
    else:
        out.print(report_table(result))


@policy_app.command("show")
@guarded
def policy_show(
    policy: Annotated[
        str, typer.Argument(help="A policy file, or a built-in: randomuser, fakerapi, events.")
    ] = "randomuser",
) -> None:
    """Print a policy (built-in or file) as YAML, with the input columns it expects."""
    from veil.policy.loader import BUILTIN, load_policy, read_policy_text

    ref = f"builtin:{policy}" if policy in BUILTIN else policy
    try:
        load_policy(ref)
        text, _ = read_policy_text(ref)
    except VeilError as exc:
        raise _fail(exc) from None
    sys.stdout.write(text)


@policy_app.command("validate")
@guarded
def policy_validate(
    policy: Annotated[Path, typer.Argument(help="The policy file to check.")],
    shape: Annotated[
        Shape | None, typer.Option(help="Also check it against this input shape.")
    ] = None,
) -> None:
    """Validate a policy; lists every problem, with the closest valid name."""
    from veil.errors import PolicyError
    from veil.policy import check_against, load_policy
    from veil.sources.shapes import SHAPES

    try:
        loaded = load_policy(policy)
        target = (shape.value if shape else None) or loaded.shape
        if target is not None:
            issues = check_against(loaded, SHAPES[target])
            if issues:
                raise PolicyError(issues, f"{policy} against the {target} shape")
    except VeilError as exc:
        raise _fail(exc) from None
    out.print(f"[green]ok[/]: {policy} ({loaded.name}, {len(loaded.outputs())} output columns)")


@policy_app.command("schema")
@guarded
def policy_schema(
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of policy files (for editors and CI)."""
    from veil.policy import policy_json_schema

    text = json.dumps(policy_json_schema(), indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)


@keys_app.command("generate")
@guarded
def keys_generate(
    output: Annotated[
        Path, typer.Option(help="Key file to create (mode 0600; never overwritten).")
    ],
) -> None:
    """Create a new master key file; point --key-file or VEIL_KEY_FILE at it."""
    from veil.errors import KeyError_
    from veil.keys.keyring import KEY_BYTES, key_id, write_key_file

    key = os.urandom(KEY_BYTES)
    try:
        write_key_file(output, key)
    except FileExistsError:
        raise _fail(KeyError_(f"{output} exists; refusing to overwrite a key")) from None
    out.print(f"wrote key {key_id(key)} to {output}")


@keys_app.command("rotate")
@guarded
def keys_rotate(
    key_file: Annotated[
        Path | None,
        typer.Option(help="Key file to rotate (default VEIL_KEY_FILE, or the workspace key)."),
    ] = None,
    workspace: Annotated[
        Path | None, typer.Option(help="Workspace folder holding the key and the audit log.")
    ] = None,
) -> None:
    """Add a new key to a key file and make it current; old keys stay for reading old data."""
    from veil.audit import current_actor
    from veil.cli.audit import workspace_audit_log
    from veil.keys.keyring import ENV_KEY, ENV_KEY_FILE, rotate_key_file, workspace_key_path

    ws = _workspace(workspace)
    env_file = os.environ.get(ENV_KEY_FILE)
    path = key_file or (Path(env_file) if env_file else workspace_key_path(ws))
    with workspace_audit_log(ws) as audit:  # opened first: no rotation the log cannot record
        entry, previous = rotate_key_file(path)
        audit.record(
            "keys.rotate",
            current_actor(),
            {"key_file": str(path)},
            {"previous_kid": previous, "new_kid": entry.kid},
        )
    out.print(
        f"rotated {path}: new current key {entry.kid}; previous key {previous} kept to read "
        "what it wrote",
        highlight=False,
    )
    if os.environ.get(ENV_KEY):
        err.print(
            f"[yellow]warning:[/] {ENV_KEY} is set and wins over key files: unset it (or point "
            "it at this file) for runs to use the new key",
            highlight=False,
        )


@keys_app.command("list")
@guarded
def keys_list(
    key_file: Annotated[Path | None, typer.Option(help="Master key file.")] = None,
    workspace: Annotated[
        Path | None, typer.Option(help="Workspace folder holding the key.")
    ] = None,
) -> None:
    """List the key ids of the keyring, which one is current, and when each was created."""
    from rich.table import Table

    from veil.keys.keyring import load_keyring

    keyring = load_keyring(_workspace(workspace), key_file, generate=False)
    table = Table("kid", "current", "created", title=f"keys ({keyring.origin})")
    for row in keyring.describe():
        table.add_row(str(row["kid"]), "yes" if row["current"] else "", str(row["created"] or "-"))
    out.print(table)


def _read_revealable(
    sink: Any, dataset: str, column: str, subject_column: str | None
) -> tuple[Any, str, str | None]:
    """The column (and the subject column) of the current version, the operator that made it,
    and the subject column's name (``None`` if the dataset has none)."""
    subject_col: str | None = subject_column or "subject_id"
    table = sink.read(dataset, columns=[column, subject_col])
    if column not in table.column_names:
        raise ConfigError(f"dataset {dataset!r} has no column {column!r}")
    if subject_col not in table.column_names:
        if subject_column is not None:
            raise ConfigError(f"dataset {dataset!r} has no column {subject_column!r}")
        subject_col = None
    meta = table.schema.field(column).metadata or {}
    op = meta.get(b"veil.op", b"").decode()
    if not op:  # written without field metadata: recognise the values
        sample = next((v for v in table.column(column).to_pylist() if v is not None), "")
        op = {"tok": "tokenize", "enc": "encrypt"}.get(str(sample).partition("_")[0], "")
    if op not in ("tokenize", "encrypt"):
        raise ConfigError(
            f"column {column!r} was made by {op or 'an unknown operator'!r}, which cannot be "
            "revealed (only tokenize and encrypt are reversible here)"
        )
    return table, op, subject_col


@app.command("reveal")
@guarded
def reveal(
    column: Annotated[str, typer.Option(help="The tokenized or encrypted column to reveal.")],
    reason: Annotated[
        str | None, typer.Option(help="Why the values are needed (required; audited).")
    ] = None,
    output: Annotated[
        str, typer.Option(help="The output a run wrote (folder or s3://).")
    ] = "veil-out",
    dataset: Annotated[str, typer.Option(help="Dataset name inside the output.")] = "users",
    where_subject: Annotated[
        str | None, typer.Option(help="Only the rows of this subject id.")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 20,
    domain: Annotated[
        str | None,
        typer.Option(help="The operator's domain, if the policy set one (default: its input column)."),
    ] = None,
    subject_column: Annotated[
        str | None, typer.Option(help="The dataset's subject id column (default subject_id).")
    ] = None,
    workspace: Annotated[
        Path | None, typer.Option(help="Workspace folder holding the key, vault and audit log.")
    ] = None,
    key_file: Annotated[Path | None, typer.Option(help="Master key file.")] = None,
    s3_endpoint: Annotated[str | None, typer.Option(help="S3 endpoint URL.")] = None,
) -> None:
    """Print the original values of a tokenized or encrypted column (terminal only; audited)."""
    import pyarrow.compute as pc
    from rich.table import Table

    from veil.audit import current_actor
    from veil.cli.audit import workspace_audit_log
    from veil.keys.keyring import load_keyring
    from veil.keys.vault import SubjectErasedError, Vault, vault_url
    from veil.operators.encrypt import decrypt
    from veil.operators.tokenize import detokenize
    from veil.sinks import open_sink

    if not reason or not reason.strip():
        raise ConfigError(
            "veil reveal needs --reason TEXT: revealing values is recorded in the audit log "
            "with the reason given"
        )
    if limit < 1:
        raise ConfigError("--limit must be ≥ 1")
    ws = _workspace(workspace)
    audit = workspace_audit_log(ws)
    target = {"output": output, "dataset": dataset, "column": column}
    details: dict[str, Any] = {
        "reason": reason,
        "subject": audit.subject_ref(where_subject) if where_subject is not None else None,
        "limit": limit,
    }
    vault = None
    try:
        keyring = load_keyring(ws, key_file, generate=False)
        sink = open_sink(
            output, format="parquet", encrypt=False, keyring=keyring, s3=_s3_options(s3_endpoint)
        )
        manifest = sink.current(dataset)
        if manifest is None:
            raise ConfigError(f"no committed dataset {dataset!r} in {output}")
        target["version_id"] = str(manifest.get("version_id"))
        table, op, subject_col = _read_revealable(sink, dataset, column, subject_column)
        url = vault_url(ws)
        if "://" in url or Path(url).exists():
            vault = Vault.open(url, keyring)
        if where_subject is not None:
            if subject_col is None:
                raise ConfigError(f"dataset {dataset!r} has no subject column for --where-subject")
            if vault is not None and vault.is_erased(where_subject):
                raise SubjectErasedError([where_subject], "reveal")
            table = table.filter(pc.equal(table.column(subject_col), where_subject))
        table = table.slice(0, limit)
        subjects = table.column(subject_col) if subject_col else None
        meta = table.schema.field(column).metadata or {}
        dom = domain or (meta.get(b"veil.from") or column.encode()).decode()
        erased: set[str] = set()
        if vault is not None and subjects is not None:
            erased = vault.erased_among(sorted({s for s in subjects.to_pylist() if s is not None}))
        opener = detokenize if op == "tokenize" else decrypt
        values = opener(
            table.column(column),
            keyring,
            domain=dom,
            subjects=subjects,
            vault=vault,
            on_erased="null",
        ).to_pylist()
        subject_list = subjects.to_pylist() if subjects is not None else [None] * len(values)
        details.update(
            rows=len(values),
            revealed=sum(1 for v, s in zip(values, subject_list, strict=True)
                         if v is not None and s not in erased),
            erased=sum(1 for s in subject_list if s in erased),
            key_ids=sorted(keyring.keys),
            outcome="revealed",
        )
    except VeilError as exc:
        details["outcome"] = f"refused: {type(exc).__name__}"
        audit.record("reveal", current_actor(), target, details)
        raise
    finally:
        if vault is not None:
            vault.close()
    with audit:
        audit.record("reveal", current_actor(), target, details)
    shown = Table(*(["subject"] if subject_col else []), column, "value", title=f"{dataset}.{column}")
    tokens = table.column(column).to_pylist()
    for value, subject, token in zip(values, subject_list, tokens, strict=True):
        text = "[erased]" if subject in erased else ("null" if value is None else value)
        shown.add_row(*([str(subject)] if subject_col else []), str(token), text)
    out.print(shown, highlight=False, markup=False)
    err.print(f"{len(values)} row(s); recorded in the audit log with the reason", highlight=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()


# commands defined in their own modules register on `app` when imported
from veil.cli import audit as _audit  # noqa: E402, F401
from veil.cli import budget as _budget  # noqa: E402, F401
from veil.cli import datasets as _datasets  # noqa: E402, F401
from veil.cli import inplace as _inplace  # noqa: E402, F401
from veil.cli import job as _job  # noqa: E402, F401
from veil.cli import query as _query  # noqa: E402, F401
from veil.cli import risk as _risk  # noqa: E402, F401
from veil.cli import scan as _scan  # noqa: E402, F401
from veil.cli import server as _server  # noqa: E402, F401
from veil.cli import stream as _stream  # noqa: E402, F401
from veil.cli import subject as _subject  # noqa: E402, F401
