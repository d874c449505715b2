"""Process targets for the ledger's concurrency tests (spawned children import this by name).

Not a test module: ``test_ledger.py`` puts this folder on ``sys.path`` (spawned children
inherit it) and imports it as ``ledger_workers``. A pool of processes is started once with
:func:`init`, which hands every worker the same barrier, so the charges of one race start
together in every process.
"""

from __future__ import annotations

from typing import Any

_barrier: Any = None


def init(barrier: Any) -> None:
    """Pool initializer: keep the shared barrier, import the ledger once per process."""
    global _barrier
    _barrier = barrier
    import veil.analytics.dp.ledger  # noqa: F401


def charge_many(url: str, analyst: str, dataset: str, n: int, epsilon: float) -> tuple[int, int]:
    """Open a ledger, wait for every sibling, then try ``n`` charges of ``epsilon``;
    ``(charged, refused)``."""
    from veil.analytics.dp.ledger import BudgetExceededError, Cost, Ledger

    charged = refused = 0
    with Ledger(url) as ledger:
        _barrier.wait(timeout=60)
        for i in range(n):
            try:
                ledger.charge(
                    analyst, dataset, Cost(epsilon=epsilon), query=f"count #{i}", mechanism="t"
                )
                charged += 1
            except BudgetExceededError:
                refused += 1
    return charged, refused
