"""The errors veil raises.

Every error is a :class:`VeilError`; callers catch that one class, tests assert on the
structured attributes of the subclasses, never on message text. Messages say what was
wrong, where, and what to do next. They never contain raw personal data: values from
user records are never interpolated into a message.

    VeilError
    ├── ConfigError              bad CLI option, bad configuration value
    │   └── EngineUnsupportedError  a policy the chosen engine cannot run (names the columns)
    ├── PolicyError              a policy that does not validate (collects every issue)
    │   └── UnknownColumnError   a column not named by a fail-closed policy
    ├── KeyError_                a missing, malformed or wrong key
    ├── SourceError              a source could not be read
    │   ├── TransientSourceError a retryable failure (5xx, 429, timeout, dropped connection)
    │   ├── ApiError             the API answered with an error payload
    │   └── SchemaError          a page or file that is malformed as a whole
    ├── SinkError                an output could not be written or read back
    │   └── CorruptVersionError  a file of a committed version no longer matches its manifest
    ├── ReportError              a report could not be computed
    ├── CatalogUnavailableError  the catalog database cannot be reached
    ├── LegalHoldError           a dataset under legal hold refuses a deletion
    └── JobError                 a job cannot do what was asked (veil job)
        ├── JobNotFoundError     no job with that id in the catalog
        ├── InvalidTransitionError  the job's state does not allow the step
        ├── FourEyesError        the job's creator tried to approve it under four-eyes
        └── DatasetLockedError   another job holds the dataset's lock
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class VeilError(Exception):
    """The base class of every error veil raises on purpose."""

    exit_code = 1


class ConfigError(VeilError):
    """A configuration value or command-line option is invalid."""

    exit_code = 2


class EngineUnsupportedError(ConfigError):
    """The chosen engine cannot run some columns of the policy (``engine``, ``columns``)."""

    def __init__(self, engine: str, columns: Sequence[str], why: str, instead: str) -> None:
        self.engine = engine
        self.columns = list(columns)
        super().__init__(
            f"the {engine} engine cannot run columns {', '.join(self.columns)}: {why}; {instead}"
        )


@dataclass(frozen=True)
class PolicyIssue:
    """One problem found in a policy: where it is (a dotted location) and what is wrong."""

    location: str
    message: str
    suggestion: str | None = None

    def __str__(self) -> str:
        hint = f" (did you mean {self.suggestion!r}?)" if self.suggestion else ""
        return f"{self.location}: {self.message}{hint}"


class PolicyError(VeilError):
    """A policy failed validation. ``issues`` holds every problem found."""

    exit_code = 2

    def __init__(self, issues: Sequence[PolicyIssue], source: str = "policy") -> None:
        self.issues = tuple(issues)
        self.source = source
        lines = "\n".join(f"  - {issue}" for issue in self.issues)
        super().__init__(f"{source} is invalid ({len(self.issues)} problem(s)):\n{lines}")


class PrivacyTargetError(VeilError):
    """The output does not meet the policy's ``privacy:`` target and cannot be made to."""

    exit_code = 2


class UnknownColumnError(PolicyError):
    """Input columns that the policy does not name, with ``on_unknown_column: fail``."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = tuple(columns)
        issues = [
            PolicyIssue(f"columns.{c}", "input column is not named by the policy") for c in columns
        ]
        super().__init__(issues, source="input")


class KeyError_(VeilError):
    """A key is missing, malformed, or does not match the data."""

    exit_code = 3


class SourceError(VeilError):
    """A source could not be read."""

    exit_code = 4


class TransientSourceError(SourceError):
    """A failure worth retrying: 5xx, 429, a timeout, a dropped connection."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ):
        self.status = status
        self.retry_after = retry_after
        super().__init__(message)


class ApiError(SourceError):
    """The API answered with an error payload (``{"error": ...}``) or a terminal status."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class SchemaError(SourceError):
    """A page or file is malformed as a whole (not one record: those are quarantined)."""


class SinkError(VeilError):
    """An output could not be written, committed or read back."""

    exit_code = 5


class CorruptVersionError(SinkError):
    """A committed version cannot be read because its files no longer match the manifest.

    ``dataset`` and ``version_id`` name the version, ``files`` the damaged files (names only).
    """

    def __init__(self, dataset: str, version_id: str, files: Sequence[str], where: str) -> None:
        self.dataset = dataset
        self.version_id = version_id
        self.files = tuple(files)
        super().__init__(
            f"dataset {dataset!r}, version {version_id} at {where} is damaged: "
            f"{', '.join(self.files)} (missing, or not the size and sha256 its manifest "
            "recorded), so it cannot be read. Make an earlier version current "
            "(`veil job rollback JOB` for the job that wrote it, or `Sink.rollback`), or restore "
            "the file from a backup"
        )


class ReportError(VeilError):
    """A report could not be computed."""


class CatalogUnavailableError(VeilError):
    """The catalog database (``VEIL_DATABASE_URL`` or ``<workspace>/catalog.db``) cannot be
    reached. The message names the database without credentials."""

    exit_code = 9


class LegalHoldError(VeilError):
    """A dataset under legal hold refuses what would delete its data (an erasure, a gc)."""

    exit_code = 10

    def __init__(
        self, dataset: str, actor: str | None, since: str | None, reason: str | None, action: str
    ) -> None:
        self.dataset = dataset
        super().__init__(
            f"dataset {dataset!r} is under legal hold (set by {actor or 'unknown'} on "
            f"{since or 'an unknown date'}: {reason or 'no reason recorded'}), so {action} is "
            f"refused; nothing was changed. Once the hold is lifted (`veil hold release "
            f"{dataset} --reason TEXT`), run it again"
        )


class JobError(VeilError):
    """A job (``veil job``) cannot do what was asked."""

    exit_code = 2


class JobNotFoundError(JobError):
    """No job with this id in the catalog."""

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        super().__init__(f"no job {job_id!r} in the catalog; `veil job list` shows the jobs")


class InvalidTransitionError(JobError):
    """The job's state does not allow the requested step.

    ``state`` is the current state, ``requested`` the refused one, ``allowed`` the states the
    job may move to next (empty for a final state)."""

    def __init__(
        self, job_id: str, state: str, requested: str, allowed: Sequence[str], hint: str = ""
    ) -> None:
        self.job_id = job_id
        self.state = state
        self.requested = requested
        self.allowed = tuple(allowed)
        nxt = (
            f"allowed next: {', '.join(self.allowed)}"
            if self.allowed
            else "it is final: no further step is allowed"
        )
        tail = f" ({hint})" if hint else ""
        super().__init__(f"job {job_id} is {state}: it cannot become {requested}; {nxt}{tail}")


class FourEyesError(JobError):
    """Four-eyes approval is on and the job's creator tried to approve it."""

    def __init__(self, job_id: str, creator: str) -> None:
        self.job_id = job_id
        self.creator = creator
        super().__init__(
            f"job {job_id} was created by {creator!r}; with four-eyes approval on, someone else "
            "must approve it (the actor is VEIL_ACTOR or the login name)"
        )


class LockLostError(JobError):
    """A job's dataset lock was taken over while it ran (its heartbeat had stopped for longer
    than the lock lifetime): it must not complete."""

    exit_code = 7

    def __init__(self, dataset: str, job_id: str) -> None:
        super().__init__(
            f"job {job_id} lost the lock of dataset {dataset!r} while it ran (its heartbeat "
            "was older than VEIL_LOCK_TTL, so another process took the lock over); the run is "
            "not recorded: run the job again"
        )


class DatasetLockedError(JobError):
    """Another job holds the dataset's lock (it is running, or rolling back)."""

    exit_code = 7

    def __init__(self, dataset: str, holder: str, host: str, pid: int, since: str) -> None:
        self.dataset = dataset
        self.holder = holder
        self.host = host
        self.pid = pid
        self.since = since
        if holder.startswith("job-"):
            who, hint = f"job {holder}", f"wait for it to finish (`veil job status {holder}`)"
        else:  # not a job: veil gc (gc-…) or veil subject erase (erase-…)
            kind = {"gc": "veil gc", "erase": "veil subject erase"}.get(
                holder.partition("-")[0], "another veil command"
            )
            who, hint = f"{kind} ({holder})", "wait for it to finish"
        super().__init__(
            f"dataset {dataset!r} is locked by {who} (pid {pid} on host {host}, since "
            f"{since}); {hint}, then run again"
        )
