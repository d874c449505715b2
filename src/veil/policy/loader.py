"""Loading, validating and exporting policies; checking one against an input schema.

``load_policy`` collects every problem before raising one :class:`PolicyError` (so
``veil policy validate`` shows them all); each problem names where it is and, for unknown
operators, columns and fields, the closest valid name.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Union

import pyarrow as pa
import yaml
from pydantic import Field, TypeAdapter, ValidationError

from veil.errors import PolicyError, PolicyIssue
from veil.operators import base as opbase
from veil.operators.base import OpParams
from veil.policy.models import Policy

BUILTIN = ("randomuser", "fakerapi", "events")


def _loc(parts: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in parts if p != "")


def _issues_from(
    exc: ValidationError, prefix: tuple[Any, ...], fields: list[str]
) -> list[PolicyIssue]:
    issues = []
    for err in exc.errors(include_input=False, include_url=False):
        loc = prefix + tuple(err["loc"])
        suggestion = None
        if err["type"] == "extra_forbidden" and err["loc"]:
            suggestion = opbase.closest(str(err["loc"][-1]), fields)
        # never echo input values: pydantic messages do not include them without include_input
        issues.append(PolicyIssue(_loc(loc), err["msg"], suggestion))
    return issues


class _ColumnErrors(ValueError):
    def __init__(self, issues: list[PolicyIssue]) -> None:
        self.issues = issues
        super().__init__("; ".join(str(i) for i in issues))


def parse_columns(value: Any) -> dict[str, OpParams]:
    """Validate each column entry with its operator's params model; collect every problem."""
    if isinstance(value, dict) and all(isinstance(v, OpParams) for v in value.values()):
        return value
    if not isinstance(value, dict) or not value:
        raise ValueError("'columns' must be a non-empty mapping of output column → operator")
    ops = opbase.registry()
    parsed: dict[str, OpParams] = {}
    issues: list[PolicyIssue] = []
    for name, spec in value.items():
        where = ("columns", name)
        if not isinstance(spec, dict) or "op" not in spec:
            issues.append(
                PolicyIssue(_loc(where), "needs an 'op:' (one of: " + ", ".join(sorted(ops)) + ")")
            )
            continue
        op = str(spec["op"])
        if op not in ops:
            issues.append(
                PolicyIssue(
                    _loc((*where, "op")),
                    f"unknown operator {op!r}",
                    opbase.closest(op, sorted(ops)),
                )
            )
            continue
        model = ops[op].params
        try:
            parsed[str(name)] = model.model_validate(spec)
        except ValidationError as exc:
            fields = [f.alias or n for n, f in model.model_fields.items()]
            issues.extend(_issues_from(exc, where, fields))
    if issues:
        raise _ColumnErrors(issues)
    return parsed


def policy_from_dict(doc: Any, source: str = "policy") -> Policy:
    if not isinstance(doc, dict):
        raise PolicyError([PolicyIssue("(top)", "a policy must be a YAML mapping")], source)
    try:
        return Policy.model_validate(doc)
    except ValidationError as exc:
        issues: list[PolicyIssue] = []
        for err in exc.errors(include_input=False, include_url=False):
            ctx_err = (err.get("ctx") or {}).get("error")
            if isinstance(ctx_err, _ColumnErrors):
                issues.extend(ctx_err.issues)
                continue
            suggestion = None
            if err["type"] == "extra_forbidden":
                suggestion = opbase.closest(str(err["loc"][-1]), list(Policy.model_fields))
            issues.append(PolicyIssue(_loc(tuple(err["loc"])) or "(top)", err["msg"], suggestion))
        raise PolicyError(issues, source) from None


def load_policy(path: Path | str) -> Policy:
    """Load a policy from a YAML file, or a built-in by name (``builtin:randomuser``)."""
    text, source = read_policy_text(path)
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(top)"
        raise PolicyError(
            [PolicyIssue(where, "not valid YAML: " + str(getattr(exc, "problem", exc)))], source
        ) from None
    return policy_from_dict(doc, source)


def read_policy_text(path: Path | str) -> tuple[str, str]:
    text_path = str(path)
    if text_path.startswith("builtin:"):
        name = text_path.removeprefix("builtin:")
        if name not in BUILTIN:
            raise PolicyError(
                [
                    PolicyIssue(
                        "(top)", f"no built-in policy {name!r}", opbase.closest(name, list(BUILTIN))
                    )
                ],
                text_path,
            )
        res = resources.files("veil.policy") / "defaults" / f"{name}.yaml"
        return res.read_text(encoding="utf-8"), text_path
    try:
        return Path(path).read_text(encoding="utf-8"), str(path)
    except OSError as exc:
        raise PolicyError(
            [PolicyIssue("(file)", f"cannot read: {exc.strerror}")], str(path)
        ) from None


def builtin_policy(shape: str) -> Policy:
    return load_policy(f"builtin:{shape}")


def check_against(policy: Policy, schema: pa.Schema) -> list[PolicyIssue]:
    """Problems of ``policy`` against an input schema: missing inputs (with the closest name)."""
    names = list(schema.names)
    issues: list[PolicyIssue] = []
    for out, params in policy.columns.items():
        wanted = [("from", params.source or out)] + [("input", c) for c in params.read_columns()]
        for kind, col in wanted:
            if col not in names:
                where = f"columns.{out}" + (".from" if kind == "from" and params.source else "")
                issues.append(
                    PolicyIssue(
                        where, f"input column {col!r} does not exist", opbase.closest(col, names)
                    )
                )
    if policy.subject_id is not None and policy.subject_id not in policy.outputs():
        issues.append(
            PolicyIssue(
                "subject_id",
                f"{policy.subject_id!r} is not an output column",
                opbase.closest(policy.subject_id, list(policy.outputs())),
            )
        )
    return issues


def unknown_columns(policy: Policy, schema: pa.Schema) -> list[str]:
    known = policy.referenced_inputs()
    return [c for c in schema.names if c not in known]


def policy_json_schema() -> dict[str, Any]:
    """The JSON Schema of policies, with every registered operator's parameters."""
    models = tuple(spec.params for spec in opbase.registry().values())
    column = Union[models]  # type: ignore[valid-type]  # noqa: UP007 - dynamic union
    adapter: TypeAdapter[Any] = TypeAdapter(dict[str, Annotated[column, Field(discriminator="op")]])
    schema = Policy.model_json_schema(by_alias=True)
    cols = adapter.json_schema(by_alias=True)
    defs = cols.pop("$defs", {})
    schema.setdefault("$defs", {}).update(defs)
    schema["properties"]["columns"] = {
        **cols,
        "description": "output column → operator and parameters",
    }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "veil policy"
    return schema
