"""Policies: pydantic models, loading and validation, the built-in defaults."""

from veil.policy.loader import (
    builtin_policy,
    check_against,
    load_policy,
    policy_from_dict,
    policy_json_schema,
    unknown_columns,
)
from veil.policy.models import Policy

__all__ = [
    "Policy",
    "builtin_policy",
    "check_against",
    "load_policy",
    "policy_from_dict",
    "policy_json_schema",
    "unknown_columns",
]
