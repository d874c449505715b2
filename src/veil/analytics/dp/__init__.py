"""Differentially private analytics: mechanisms (OpenDP's exact integer samplers), contribution
bounding per subject, queries with confidence intervals, and the per-analyst budget ledger."""

from veil.analytics.dp.ledger import (
    Budget,
    BudgetEvent,
    BudgetExceededError,
    Charge,
    Cost,
    Ledger,
    NoBudgetError,
    epsilon_total,
)

__all__ = [
    "Budget",
    "BudgetEvent",
    "BudgetExceededError",
    "Charge",
    "Cost",
    "Ledger",
    "NoBudgetError",
    "epsilon_total",
]
