"""The errors of in-place anonymization. Messages name tables, files, versions, counts and
hashes; never a value from a row (a database's own error text can quote one, so only its type
and SQLSTATE are passed on)."""

from __future__ import annotations

from veil.errors import SinkError


class TargetError(SinkError):
    """A target could not be opened, read, backed up, replaced or restored."""


class BackupVerificationError(TargetError):
    """The backup just taken does not match the table: nothing was changed."""

    def __init__(self, target: str, backup: str, problems: list[str]) -> None:
        self.target = target
        self.backup = backup
        self.problems = tuple(problems)
        super().__init__(
            f"the backup {backup} of {target} failed verification ({'; '.join(problems)}): "
            "nothing was changed, the table is as it was. Check the storage (space, "
            "permissions), then run again"
        )


class TargetChangedError(TargetError):
    """The table changed between the backup and the swap (another writer)."""

    def __init__(self, target: str, backup: str, how: str = "") -> None:
        self.target = target
        self.backup = backup
        super().__init__(
            f"{target} changed after backup {backup} was taken (another writer"
            f"{': ' + how if how else ''}): nothing was replaced"
        )


class InPlaceFailedError(TargetError):
    """A run failed after its backup; the table was brought back to the backup (verified).

    ``action`` is ``"restored"`` (the backup was put back) or ``"unchanged"`` (the failure came
    before the swap, and the table still matches the backup); ``cause`` names what failed
    (a veil error's message, else only the exception's type); ``interrupted`` is true for
    Ctrl-C."""

    def __init__(
        self,
        target: str,
        backup: str,
        cause: str,
        action: str,
        rows: int,
        *,
        interrupted: bool = False,
    ) -> None:
        self.target = target
        self.backup = backup
        self.cause = cause
        self.action = action
        self.interrupted = interrupted
        if interrupted:
            self.exit_code = 130
        how = (
            f"the table was restored from backup {backup}"
            if action == "restored"
            else f"the table was restored to its state before the run (the swap had not "
            f"happened; checked against backup {backup})"
        )
        super().__init__(
            f"in-place run on {target} {'was interrupted' if interrupted else 'failed'} "
            f"({cause}): {how} and verified: {rows:,} rows, checksum equal to the backup's"
        )


class RestoreFailedError(TargetError):
    """A failed run could not put the backup back: the backup is kept for a manual restore."""

    def __init__(self, target: str, backup: str, cause: str, why: str) -> None:
        self.target = target
        self.backup = backup
        super().__init__(
            f"in-place run on {target} failed ({cause}) and restoring backup {backup} failed "
            f"too ({why}). The backup is kept: restore it with `veil inplace restore "
            f"{target} --backup {backup}`"
        )
