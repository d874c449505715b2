"""The operator reference (``docs/operators.md``), made by running every operator.

For each registered operator: what it does (its params model's docstring), its parameters
(from the pydantic model: type, default, description), and its examples run for real on the
example inputs, under a fixed, published demo key and reference date, so the before/after
tables are exactly what veil does. ``tests/test_docs.py`` regenerates the page and fails when
the committed copy differs; ``make docs`` (``python -m veil.operators.reference``) rewrites it.

Operators that are randomised on purpose (``deterministic = False``, such as ``encrypt``)
show the deterministic prefix of their output and ``…``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from pydantic.fields import FieldInfo

from veil.keys import Keyring
from veil.operators.base import Example, OpContext, OperatorSpec, OpParams, registry

#: a published key: the examples are reproducible by anyone, and it protects nothing
DEMO_KEY = hashlib.sha256(b"veil operator reference demo key").digest()
DEMO_DATE = datetime(2026, 1, 1, tzinfo=UTC)
_BASE_FIELDS = set(OpParams.model_fields)
DOC_PATH = Path("docs") / "operators.md"


def _cell(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, datetime):
        midnight = value.time() == datetime.min.time()
        text = value.date().isoformat() if midnight else value.isoformat()
    elif isinstance(value, float):
        text = f"{value:.6g}"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"


def _type(info: FieldInfo) -> str:
    text = str(info.annotation).replace("typing.", "").replace("NoneType", "null")
    text = text.replace("Literal[", "one of [").replace("<class '", "").replace("'>", "")
    if text.startswith("Optional[") and text.endswith("]"):
        text = text[len("Optional[") : -1] + " | null"
    return text.replace("veil.operators.conditions.", "").replace("|", "\\|")


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    default = info.get_default(call_default_factory=True)
    return "" if default is None else f"`{json.dumps(default, default=str)}`"


def run_example(spec: OperatorSpec, example: Example, keyring: Keyring) -> list[Any]:
    """The operator's output on the example's values (under ``keyring``)."""
    params = spec.params.model_validate(example.params)
    column = params.source or "value"
    arrays = {column: pa.array(example.values)}
    for name, values in (example.columns or {}).items():
        arrays[name] = pa.array(values)
    batch = pa.RecordBatch.from_pydict(arrays)
    subject = pa.array(example.subject) if example.subject is not None else None
    ctx = OpContext(batch, keyring, DEMO_DATE, column, column, subject=subject)
    out = spec.factory(params)(batch.column(column), ctx)
    return list(out.to_pylist())


def _shown(value: Any, deterministic: bool) -> str:
    if not deterministic and isinstance(value, str):
        parts = value.split("_", 2)  # prefix_kid_payload: the payload is random
        return _cell(f"{parts[0]}_{parts[1]}_…" if len(parts) == 3 else "…")
    return _cell(value)


def _section(spec: OperatorSpec, keyring: Keyring) -> list[str]:
    model = spec.params
    lines = [f"## `{spec.name}`", "", " ".join(spec.summary.split()), ""]
    own = [(n, f) for n, f in model.model_fields.items() if n not in _BASE_FIELDS and n != "op"]
    if own:
        lines += ["| parameter | type | default | meaning |", "| --- | --- | --- | --- |"]
        for name, info in own:
            shown = info.alias or name
            desc = (info.description or "").replace("|", "\\|")
            lines.append(f"| `{shown}` | {_type(info)} | {_default(info)} | {desc} |")
        lines.append("")
    deterministic = bool(getattr(model, "deterministic", True))
    for example in model.examples:
        params = json.dumps(example.params, ensure_ascii=False)
        lines += [f"`{params}`" + (f": {example.note}" if example.note else ""), ""]
        outputs = run_example(spec, example, keyring)
        extra = list(example.columns or {})
        head = ["input", *extra, *(["subject"] if example.subject else []), "output"]
        lines += ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
        for i, (before, after) in enumerate(zip(example.values, outputs, strict=True)):
            row = [_cell(before)]
            row += [_cell(example.columns[c][i]) for c in extra]  # type: ignore[index]
            row += [_cell(example.subject[i])] if example.subject else []
            row.append(_shown(after, deterministic))
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    return lines


def render_reference() -> str:
    """The whole page, as Markdown."""
    keyring = Keyring.from_key(DEMO_KEY)
    ops = registry()
    lines = [
        "# Operator reference",
        "",
        "<!-- made by `make docs` (python -m veil.operators.reference); do not edit -->",
        "",
        "Every policy column is one operator. Parameters common to all operators: `from` (the",
        "input column; default: the output column's name), `when` (apply only where a",
        "condition on the same record holds) and `otherwise` (`keep` or `null` for the other",
        "rows); see [conditions](#conditions). The examples below were produced by running",
        "the operators under a published demo key (sha256 of `veil operator reference demo",
        f"key`, key id `{keyring.kid}`) at reference date {DEMO_DATE.date().isoformat()}:",
        "with your key the outputs differ, with this key anyone can reproduce them.",
        "",
        "Operators: " + ", ".join(f"[`{n}`](#{n.replace('_', '_')})" for n in sorted(ops)) + ".",
        "",
    ]
    for name in sorted(ops):
        lines += _section(ops[name], keyring)
    from veil.operators import conditions

    lines += ["## Conditions", "", (conditions.__doc__ or "").strip(), ""]
    return "\n".join(lines)


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DOC_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_reference(), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
