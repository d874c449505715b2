"""Terminal rendering for the CLI: progress bars, the run summary, the report table."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


class RichProgress:
    """A ``RunProgress`` drawn with rich: one bar per stage."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<13}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rows"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
            disable=not console.is_terminal and console.quiet,
        )
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def start(self, stage: str, total: int | None) -> None:
        self._tasks[stage] = self._progress.add_task(stage, total=total)

    def advance(self, stage: str, n: int) -> None:
        self._progress.advance(self._tasks[stage], n)


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "share":
        return f"{100 * value:.2f} %"
    if unit == "days":
        return f"{value:,.1f} d"
    if isinstance(value, list):
        return ", ".join(f"{r['key']} ({r['users']:,})" for r in value) or "—"
    if isinstance(value, dict):
        top = list(value.items())[:4]
        return ", ".join(f"{k} {v:,}" for k, v in top) + (" …" if len(value) > 4 else "")
    if isinstance(value, float):
        return f"{value:,.4g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def summary_table(result: Any) -> Table:
    m = result.manifest
    t = Table(title="veil run", show_header=False, title_justify="left")
    t.add_column(style="bold")
    t.add_column()
    rate = result.rows / result.timings["total"] if result.timings.get("total") else 0
    rows = [
        ("rows written", f"{result.rows:,}"),
        ("quarantined", f"{m['quarantine']['count']:,}"),
        ("records suppressed", f"{m.get('rows_suppressed', 0):,}"),
        *(
            [("k-anonymity", f"{m['privacy']['before']['k']} → {m['privacy']['after']['k']}")]
            if m.get("privacy")
            else []
        ),
        ("unknown columns dropped", ", ".join(m["dropped_unknown_columns"]) or "none"),
        ("output", f"{result.output} (version {result.version_id})"),
        ("policy", f"{m['policy']['name']} ({m['policy']['hash'][:12]})"),
        ("key id", m["key_id"]),
        ("reference date", m["reference_date"]),
        ("time", f"{result.timings['total']:.2f} s ({rate:,.0f} rows/s)"),
    ]
    for path in result.report_paths:
        rows.append(("report", str(path)))
    for k, v in rows:
        t.add_row(k, v)
    return t


def report_table(report: dict[str, Any]) -> Table:
    has_raw = any("raw" in q for q in report["questions"])
    if not report["questions"] and report.get("note"):  # nothing asked (an events dataset)
        t = Table(title="report", title_justify="left", show_header=False)
        t.add_column(overflow="fold")
        t.add_row(report["note"])
        return t
    t = Table(title="report", title_justify="left", caption=report.get("note"))
    t.add_column("question")
    t.add_column("anonymized", overflow="fold")
    if has_raw:
        t.add_column("raw batch", overflow="fold")
        t.add_column("")
    for q in report["questions"]:
        row = [q["title"], _fmt(q["anonymized"], q["unit"])]
        if has_raw:
            mark = "[green]✓[/]" if q.get("match") else "[red]≠[/]"
            if q.get("relative_error") and q.get("match"):
                mark += f" ({100 * q['relative_error']:.2f} %)"
            row += [_fmt(q.get("raw"), q["unit"]), mark]
        t.add_row(*row)
    return t
