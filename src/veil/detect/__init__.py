"""Detection: find the personal data in a table and draft a policy for it (``veil scan``).

``scan_table`` classifies each column from name hints (:mod:`veil.detect.names`) and value
validators (:mod:`veil.detect.values`) on a deterministic sample; ``draft_policy`` turns the
report into a fail-closed policy YAML for review. Free-text detection lives in
:mod:`veil.detect.text`.
"""

from veil.detect.classify import ColumnReport, ScanReport, scan_table
from veil.detect.draft import draft_policy
from veil.detect.entities import ENTITIES, LEVELS, suggest_operator
from veil.detect.names import hints, tokenize
from veil.detect.sampling import sample_table

__all__ = [
    "ENTITIES",
    "LEVELS",
    "ColumnReport",
    "ScanReport",
    "draft_policy",
    "hints",
    "sample_table",
    "scan_table",
    "suggest_operator",
    "tokenize",
]
