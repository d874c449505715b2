"""``veil budget``: set, show and reset the privacy budgets of DP queries.

The budgets live in the workspace's catalog (``<workspace>/catalog.db``, or
``VEIL_DATABASE_URL``); caps and resets are admin actions recorded in the audit log with the
actor (``VEIL_ACTOR`` or the login name) and the reason. See :mod:`veil.analytics.dp.ledger`.
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from veil.cli.main import _workspace, app, guarded, out
from veil.errors import ConfigError

budget_app = typer.Typer(
    no_args_is_help=True,
    help="Privacy budgets of differentially private queries: caps per analyst and dataset.",
)
app.add_typer(budget_app, name="budget")

Analyst = Annotated[str, typer.Argument(help="The analyst the budget belongs to.")]
Dataset = Annotated[str, typer.Argument(help="The dataset the budget is for.")]
Workspace = Annotated[
    Path | None,
    typer.Option(
        help="Workspace folder holding the catalog and the audit log (default .veil or VEIL_WORKSPACE)."
    ),
]
Reason = Annotated[
    str | None, typer.Option(help="Why (required; recorded with the change and in the audit log).")
]


def _ledger(workspace: Path | None) -> Any:
    from veil.analytics.dp.ledger import Ledger
    from veil.catalog import catalog_url
    from veil.cli.audit import workspace_audit_log

    ws = _workspace(workspace)
    return Ledger(catalog_url(ws), audit=workspace_audit_log(ws))


def _reason(reason: str | None, command: str) -> str:
    if not reason or not reason.strip():
        raise ConfigError(f"veil budget {command} needs --reason TEXT (recorded in the audit log)")
    return reason


def _num(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value:.6g}"


@budget_app.command("set")
@guarded
def budget_set(
    analyst: Analyst,
    dataset: Dataset,
    epsilon: Annotated[
        float,
        typer.Option("--epsilon", help="The ε cap (total ε the analyst may spend on the dataset)."),
    ],
    delta: Annotated[
        float,
        typer.Option(
            "--delta",
            help="The δ cap (0 allows only pure ε-DP queries; zCDP and threshold queries need some δ).",
        ),
    ],
    reason: Reason = None,
    workspace: Workspace = None,
) -> None:
    """Create a budget with a cap, or raise or lower its cap (what was spent is kept)."""
    from veil.analytics.dp.ledger import NoBudgetError
    from veil.audit import current_actor

    why = _reason(reason, "set")
    with _ledger(workspace) as ledger:
        before = None
        with contextlib.suppress(NoBudgetError):  # set creates it
            before = ledger.budget(analyst, dataset)
        budget = ledger.set_cap(analyst, dataset, epsilon, delta, actor=current_actor(), reason=why)
    was = (
        "new budget" if before is None else f"was ε={before.cap_epsilon!r}, δ={before.cap_delta!r}"
    )
    out.print(
        f"budget of {analyst} on {dataset}: cap ε={budget.cap_epsilon!r}, δ={budget.cap_delta!r} "
        f"({was}); remaining ε={budget.epsilon_remaining!r}, δ={budget.delta_remaining!r}",
        highlight=False,
        markup=False,
    )


@budget_app.command("show")
@guarded
def budget_show(
    analyst: Analyst,
    dataset: Dataset,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the budget, its charges and admin actions as JSON."),
    ] = False,
    workspace: Workspace = None,
) -> None:
    """Show a budget: cap, spent, remaining, and every charge (before resets too)."""
    with _ledger(workspace) as ledger:
        budget = ledger.budget(analyst, dataset)
        charges = ledger.charges(analyst, dataset)
        events = ledger.events(analyst, dataset)
    if as_json:
        doc = {
            **budget.to_dict(),
            "charges": [c.to_dict() for c in charges],
            "events": [e.to_dict() for e in events],
        }
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return
    summary = Table("", "ε", "δ", "ρ", title=f"budget of {analyst} on {dataset}")
    summary.add_row("cap", repr(budget.cap_epsilon), repr(budget.cap_delta), "")
    summary.add_row(
        "spent", _num(budget.spent_epsilon), _num(budget.spent_delta), _num(budget.spent_rho)
    )
    summary.add_row("spent as (ε, δ)", _num(budget.epsilon_spent), "", "")
    summary.add_row("remaining", _num(budget.epsilon_remaining), _num(budget.delta_remaining), "")
    out.print(summary, highlight=False, markup=False)
    history = Table(
        "#", "at (UTC)", "query", "mechanism", "ε", "δ", "ρ", "counted", title="charges"
    )
    for c in charges:
        history.add_row(
            str(c.id),
            c.at.strftime("%Y-%m-%d %H:%M:%S"),
            c.query,
            c.mechanism,
            _num(c.epsilon),
            _num(c.delta),
            _num(c.rho),
            "yes" if c.counted else "before a reset",
        )
    out.print(history, highlight=False, markup=False)
    actions = Table(
        "at (UTC)", "action", "actor", "cap ε", "cap δ", "reason", title="admin actions"
    )
    for e in events:
        actions.add_row(
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            e.action,
            e.actor,
            repr(e.cap_epsilon),
            repr(e.cap_delta),
            e.reason,
        )
    out.print(actions, highlight=False, markup=False)


@budget_app.command("reset")
@guarded
def budget_reset(
    analyst: Analyst,
    dataset: Dataset,
    reason: Reason = None,
    workspace: Workspace = None,
) -> None:
    """Set what was spent back to zero; the charges stay in the history."""
    from veil.audit import current_actor

    why = _reason(reason, "reset")
    with _ledger(workspace) as ledger:
        before = ledger.budget(analyst, dataset)
        budget = ledger.reset(analyst, dataset, actor=current_actor(), reason=why)
    out.print(
        f"reset the budget of {analyst} on {dataset}: spent ε={_num(before.epsilon_spent)} → 0; "
        f"remaining ε={budget.epsilon_remaining!r}, δ={budget.delta_remaining!r}; the charges "
        "stay in the history",
        highlight=False,
        markup=False,
    )
