"""Re-identification risk: measures (k, l, t, uniqueness, prosecutor/journalist/marketer
risk), enforcement of k-anonymity (and distinct l-diversity) by full-domain generalisation
and suppression or by Mondrian, the information-loss metrics that choose between
solutions, and a simulated linkage attack."""

from veil.risk.attack import AttackError, AttackResult, linkage_attack
from veil.risk.enforce import (
    EnforcementError,
    EnforcementResult,
    MondrianResult,
    enforce,
    mondrian,
)
from veil.risk.loss import Loss
from veil.risk.measures import (
    ClassSizeBucket,
    Risk,
    RiskReport,
    SensitiveReport,
    equivalence_classes,
    risk_report,
)

__all__ = [
    "AttackError",
    "AttackResult",
    "ClassSizeBucket",
    "EnforcementError",
    "EnforcementResult",
    "Loss",
    "MondrianResult",
    "Risk",
    "RiskReport",
    "SensitiveReport",
    "enforce",
    "equivalence_classes",
    "linkage_attack",
    "mondrian",
    "risk_report",
]
