"""The ``veil`` command line: run, report, policy, keys.

Every command turns a ``VeilError`` into a one-paragraph message on stderr and its exit code
(2 configuration/policy, 3 keys, 4 source, 5 sink); nothing is printed from library code.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
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
app.add_typer(policy_app, name="policy")
app.add_typer(keys_app, name="keys")

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


class Format(StrEnum):
    parquet = "parquet"
    duckdb = "duckdb"


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


def _default_report(output: str) -> Path:
    return Path("veil-report") if "://" in output else Path(output) / "report"


@app.command()
@guarded
def run(
    source: Annotated[
        SourceName, typer.Option(help="Where users come from.")
    ] = SourceName.synthetic,
    persons: Annotated[int, typer.Option(help="How many users to read or generate.")] = 30_000,
    shape: Annotated[
        Shape, typer.Option(help="synthetic only: the API shape to generate.")
    ] = Shape.randomuser,
    gender: Annotated[str | None, typer.Option(help="Only 'male' or 'female' users.")] = None,
    nat: Annotated[
        str | None,
        typer.Option(help="Nationalities, comma-separated (randomuser, synthetic): DE,FR."),
    ] = None,
    locale: Annotated[
        str | None, typer.Option(help="Faker locale (fakerapi, synthetic --shape fakerapi): de_DE.")
    ] = None,
    seed: Annotated[str | None, typer.Option(help="Seed: same seed, same users.")] = None,
    input_path: Annotated[
        Path | None,
        typer.Option("--input", help="--source file: a JSON, NDJSON, CSV or Parquet file."),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="API base URL (randomuser, fakerapi), e.g. a mirror.")
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(help="Policy YAML (default: the built-in policy for the source's shape)."),
    ] = None,
    output: Annotated[str, typer.Option(help="A local folder or s3://bucket/prefix.")] = "veil-out",
    format: Annotated[Format, typer.Option(help="Output format.")] = Format.parquet,
    encrypt: Annotated[
        bool | None,
        typer.Option(
            "--encrypt/--no-encrypt", help="Parquet modular encryption (default: on for Parquet)."
        ),
    ] = None,
    dataset: Annotated[str, typer.Option(help="Dataset name inside the output.")] = "users",
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
    s3_endpoint: Annotated[
        str | None,
        typer.Option(help="S3 endpoint URL for MinIO or a local S3 (default VEIL_S3_ENDPOINT)."),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bars or tables.")
    ] = False,
) -> None:
    """Ingest users, anonymize them under a policy, store them (encrypted), and report."""
    from veil.cli.render import RichProgress, report_table, summary_table
    from veil.jobs import RunConfig, run_pipeline

    try:
        if encrypt and format is Format.duckdb:
            raise ConfigError(
                "--encrypt is for Parquet; DuckDB files are written unencrypted "
                "(use --format parquet for encrypted output)"
            )
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
            dataset=dataset,
            reference_date=_reference_date(reference_date),
            report=None if no_report else (report or _default_report(output)),
            s3=_s3_options(s3_endpoint),
        )
        console = Console(stderr=True, quiet=quiet)
        with RichProgress(console) as progress:
            result = run_pipeline(config, progress)
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
        str, typer.Argument(help="A policy file, or a built-in: randomuser, fakerapi.")
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()


# commands defined in their own modules register on `app` when imported
from veil.cli import scan as _scan  # noqa: E402, F401
