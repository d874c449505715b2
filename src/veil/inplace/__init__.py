"""Anonymize existing tables where they live: DuckDB, PostgreSQL, Parquet, Delta Lake.

:func:`open_target` opens a table from its URI; :func:`anonymize_in_place` backs it up,
verifies the backup, transforms every row under a policy and swaps the result in atomically,
restoring the backup if anything fails; a subject's rows (a :class:`RowMatch`) can be erased
from a backup. See ``README.md`` ("In place").
"""

from veil.inplace.base import Backup, Measure, RowMatch, Target, Verification
from veil.inplace.errors import (
    BackupVerificationError,
    InPlaceFailedError,
    RestoreFailedError,
    TargetChangedError,
    TargetError,
)
from veil.inplace.run import InPlaceResult, anonymize_in_place, drop_backup, restore_backup
from veil.inplace.targets import open_target

__all__ = [
    "Backup",
    "BackupVerificationError",
    "InPlaceFailedError",
    "InPlaceResult",
    "Measure",
    "RestoreFailedError",
    "RowMatch",
    "Target",
    "TargetChangedError",
    "TargetError",
    "Verification",
    "anonymize_in_place",
    "drop_backup",
    "open_target",
    "restore_backup",
]
