"""``veil stream``: anonymize a NATS JetStream subject into another, record by record.

The policy, key and reference date are those of a batch run, so a subject's pseudonyms in the
stream equal those in the tables. The command is audited at start and stop (subjects, policy,
key id and counts, never a record or the server URL, which may hold credentials) and stops
cleanly on Ctrl-C or SIGTERM: the batch in flight is published and acked, then the connection
drains. See :mod:`veil.stream`.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from veil.cli.main import (
    Shape,
    _keyring,
    _policy_for,
    _reference_date,
    _workspace,
    app,
    guarded,
)
from veil.errors import ConfigError

#: seconds between two progress lines
PROGRESS_EVERY_S = 1.0


@app.command("stream")
@guarded
def stream(
    stream_name: Annotated[str, typer.Option("--stream", help="The JetStream stream to consume.")],
    subject: Annotated[str, typer.Option(help="The input subject (records as nested JSON).")],
    output_subject: Annotated[str, typer.Option(help="Where anonymized records go (a subject a stream stores).")],
    servers: Annotated[str, typer.Option(help="NATS server URL(s), comma-separated.")] = "nats://127.0.0.1:4222",
    dead_letter_subject: Annotated[str | None, typer.Option(help="Where inputs that fail go (sequence and error kind only); without it they are terminated.")] = None,
    durable: Annotated[str, typer.Option(help="The durable consumer's name (a restart resumes it).")] = "veil",
    policy: Annotated[Path | None, typer.Option(help="Policy YAML (default: the built-in policy for --shape).")] = None,
    shape: Annotated[Shape | None, typer.Option(help="The records' shape (default: the policy's, else randomuser).")] = None,
    batch: Annotated[int, typer.Option(help="Records per micro-batch at most.")] = 500,
    linger_ms: Annotated[int, typer.Option(help="How long a micro-batch waits to fill after its first record.")] = 200,
    max_messages: Annotated[int | None, typer.Option(help="Stop after this many inputs (tests, backfills).")] = None,
    ack_wait: Annotated[float, typer.Option(help="Seconds before JetStream redelivers an unacked input (set when the consumer is created).")] = 30.0,
    reference_date: Annotated[str | None, typer.Option(help="Date ages are measured at (YYYY-MM-DD; default today, UTC, at start).")] = None,
    workspace: Annotated[Path | None, typer.Option(help="Workspace folder: key, vault, audit log (default .veil or VEIL_WORKSPACE).")] = None,
    key_file: Annotated[Path | None, typer.Option(help="Master key file (default VEIL_MASTER_KEY, VEIL_KEY_FILE, or the workspace key).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
) -> None:
    """Anonymize records flowing through a NATS JetStream subject into another subject."""
    from veil.audit import current_actor
    from veil.cli.audit import workspace_audit_log
    from veil.stream import StreamConfig, run_stream

    _check_sizes(batch, linger_ms, max_messages, ack_wait)
    ws = _workspace(workspace)
    loaded = _policy_for(policy, (shape.value if shape else None) or "randomuser")
    flat_shape = (shape.value if shape else None) or loaded.shape or "randomuser"
    keyring = _keyring(ws, key_file)
    console = Console(stderr=True, quiet=quiet)
    with _compiled(loaded, flat_shape, keyring, _reference_date(reference_date), ws) as compiled:
        config = StreamConfig(
            servers=servers, stream=stream_name, subject=subject, output_subject=output_subject,
            compiled=compiled, shape=flat_shape, dead_letter_subject=dead_letter_subject,
            durable=durable, batch=batch, linger_s=linger_ms / 1000,
            max_messages=max_messages, ack_wait_s=ack_wait,
        )  # fmt: skip
        with workspace_audit_log(ws) as audit:  # opened first: no stream the log cannot record
            target = _audit_target(config)
            audit.record("stream.start", current_actor(), target, _audit_details(config))
            started = time.monotonic()
            try:
                counts = asyncio.run(_until_signal(run_stream, config, _progress(console)))
            except BaseException as exc:
                audit.record("stream.stop", current_actor(), target, {"error": type(exc).__name__})
                raise
            audit.record("stream.stop", current_actor(), target, counts.as_dict())
    console.print(_line(counts, started, final=True), highlight=False)


def _check_sizes(batch: int, linger_ms: int, max_messages: int | None, ack_wait: float) -> None:
    if batch < 1:
        raise ConfigError("--batch must be ≥ 1")
    if linger_ms < 1:
        raise ConfigError("--linger-ms must be ≥ 1")
    if max_messages is not None and max_messages < 1:
        raise ConfigError("--max-messages must be ≥ 1")
    if ack_wait < 1:
        raise ConfigError("--ack-wait must be ≥ 1 second")


@contextlib.contextmanager
def _compiled(
    policy: Any, shape: str, keyring: Any, reference_date: Any, workspace: Path
) -> Iterator[Any]:
    """The policy compiled against the shape's flat schema, with the workspace's vault when
    the policy needs one (closed afterwards)."""
    from veil.engines import compile_policy
    from veil.keys.vault import needs_vault, open_workspace_vault
    from veil.sources.shapes import SHAPES

    if policy.privacy is not None:
        raise ConfigError(
            f"policy {policy.name!r} sets privacy targets (k-anonymity…), which are measured on "
            "a whole output: a stream sees one record at a time; use `veil run` for it"
        )
    vault = open_workspace_vault(workspace, keyring) if needs_vault(policy) else None
    try:
        yield compile_policy(policy, SHAPES[shape], keyring, reference_date, vault=vault)
    finally:
        if vault is not None:
            vault.close()


async def _until_signal(run: Any, config: Any, progress: Any) -> Any:
    """Run the consumer until it ends or SIGINT/SIGTERM asks it to stop after its batch."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        return await run(config, stop=stop, progress=progress)
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def _progress(console: Console) -> Any:
    """A progress callback printing counts and rates at most once per PROGRESS_EVERY_S."""
    started = last = time.monotonic()

    def show(counts: Any) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY_S:
            last = now
            console.print(_line(counts, started), highlight=False)

    return show


def _line(counts: Any, started: float, *, final: bool = False) -> str:
    elapsed = max(time.monotonic() - started, 1e-9)
    head = "stopped:" if final else "stream:"
    return (
        f"{head} {counts.consumed:,} consumed ({counts.consumed / elapsed:,.0f}/s), "
        f"{counts.published:,} published ({counts.duplicates:,} duplicates dropped), "
        f"{counts.dead_lettered:,} dead-lettered, {counts.suppressed:,} suppressed"
    )


def _audit_target(config: Any) -> dict[str, Any]:
    return {
        "stream": config.stream,
        "subject": config.subject,
        "output_subject": config.output_subject,
        "dead_letter_subject": config.dead_letter_subject,
        "durable": config.durable,
    }


def _audit_details(config: Any) -> dict[str, Any]:
    policy = config.compiled.policy
    return {
        "policy": policy.name,
        "policy_hash": policy.digest(),
        "key_id": config.compiled.keyring.kid,
        "shape": config.shape,
        "reference_date": config.compiled.reference_date.date().isoformat(),
    }
