"""The errors veil raises.

Every error is a :class:`VeilError`; callers catch that one class, tests assert on the
structured attributes of the subclasses, never on message text. Messages say what was
wrong, where, and what to do next. They never contain raw personal data: values from
user records are never interpolated into a message.

    VeilError
    ├── ConfigError              bad CLI option, bad configuration value
    ├── PolicyError              a policy that does not validate (collects every issue)
    │   └── UnknownColumnError   a column not named by a fail-closed policy
    ├── KeyError_                a missing, malformed or wrong key
    ├── SourceError              a source could not be read
    │   ├── TransientSourceError a retryable failure (5xx, 429, timeout, dropped connection)
    │   ├── ApiError             the API answered with an error payload
    │   └── SchemaError          a page or file that is malformed as a whole
    ├── SinkError                an output could not be written or read back
    └── ReportError              a report could not be computed
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


class ReportError(VeilError):
    """A report could not be computed."""
