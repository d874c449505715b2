"""The leak test: canaries planted in every input field must not escape the transform.

Every field of every record carries a canary in the part the built-in policy removes (the
local part of the e-mail, the postcode after its kept prefix, the digits of coordinates
beyond the kept precision...). After a full `veil run` (file source → encrypted Parquet +
report), every file the run wrote (outputs, manifests, reports, the workspace) and everything
it printed is searched. Canaries of removed data must appear nowhere; canaries of kept
columns (city, country, ...) may appear only inside the encrypted data, which a reader
without the key cannot open, and in the report's aggregate answers about those columns.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pyarrow as pa

from veil.keys import Keyring
from veil.sinks import open_sink

from .cli.conftest import KEY_HEX, Veil, audit_entries, audit_table_text
from .cli.test_reveal import POLICY as REVEAL_POLICY

#: fields the built-in policy keeps as they are: their canaries may reach the (encrypted)
#: output and the report's aggregates
KEPT = {
    "gender",
    "location_city",
    "location_state",
    "location_country",
    "nat",
    "location_timezone_offset",
}


def _canary(field: str, i: int) -> str:
    return f"CANARY{field.replace('_', '').upper()}{i:03d}Z"


def _plant(record: dict, i: int) -> dict:
    r = copy.deepcopy(record)
    c = lambda f: _canary(f, i)  # noqa: E731
    r["name"] = {"title": c("name_title"), "first": c("name_first"), "last": c("name_last")}
    loc = r["location"]
    loc["street"] = {"number": 900_000 + i, "name": c("location_street_name")}
    loc["city"], loc["state"] = c("location_city"), c("location_state")
    loc["country"], loc["postcode"] = c("location_country"), "12" + c("location_postcode")
    loc["coordinates"] = {"latitude": f"{10 + i / 1000:.9f}", "longitude": f"{20 + i / 1000:.9f}"}
    loc["timezone"] = {
        "offset": c("location_timezone_offset"),
        "description": c("location_timezone_description"),
    }
    r["email"] = f"{c('email')}@gmail.com"
    r["login"] = {
        k: c(f"login_{k}")
        for k in ("uuid", "username", "password", "salt", "md5", "sha1", "sha256")
    }
    r["phone"], r["cell"] = c("phone"), c("cell")
    r["id"] = {"name": c("id_name"), "value": c("id_value")}
    r["picture"] = {k: c(f"picture_{k}") for k in ("large", "medium", "thumbnail")}
    r["nat"] = c("nat")
    return r


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_no_canary_escapes(tmp_path: Path, randomuser_sample: dict) -> None:
    veil = Veil(tmp_path)
    records = [_plant(r, i) for i, r in enumerate(randomuser_sample["results"][:60])]
    src = tmp_path / "input" / "users.ndjson"
    src.parent.mkdir()
    src.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    coords = [r["location"]["coordinates"][k] for r in records for k in ("latitude", "longitude")]
    result = veil(
        "run",
        "--source",
        "file",
        "--input",
        str(src),
        "--output",
        str(tmp_path / "out"),
        "--workspace",
        str(tmp_path / "ws"),
        "--reference-date",
        "2026-11-22",
    )
    printed = result.stdout + (result.stderr or "")

    all_fields = {f for f in _canary_fields()}
    removed = [_canary(f, i) for f in all_fields - KEPT for i in range(len(records))]
    kept = [_canary(f, i) for f in KEPT for i in range(len(records))]
    written = [p for p in _files(tmp_path) if "input" not in p.parts]
    assert written, "the run wrote nothing?"
    for path in written:
        blob = path.read_bytes()
        for canary in removed + coords:
            assert canary.encode() not in blob, f"{canary} leaked into {path.relative_to(tmp_path)}"
        if path.suffix == ".parquet":
            for canary in kept:
                assert canary.encode() not in blob, f"{canary} readable in {path.name}"
    for canary in removed + coords:
        assert canary not in printed

    # control: the kept canaries are really in the output, visible only with the key
    sink = open_sink(
        str(tmp_path / "out"),
        format="parquet",
        encrypt=True,
        keyring=Keyring.from_key(bytes.fromhex(KEY_HEX)),
    )
    table: pa.Table = sink.read("users")
    assert table.num_rows == len(records)
    assert set(table.column("city").to_pylist()) == {
        _canary("location_city", i) for i in range(len(records))
    }
    decrypted = repr(table.to_pylist())
    for canary in removed:
        assert canary not in decrypted


def _canary_fields() -> list[str]:
    from veil.sources.shapes import RANDOMUSER

    numeric = {
        "location_street_number",
        "location_coordinates_latitude",
        "location_coordinates_longitude",
        "dob_date",
        "dob_age",
        "registered_date",
        "registered_age",
        "location_postcode",
    }
    return [f for f in RANDOMUSER.names if f not in numeric] + ["location_postcode"]


# -- the audit log ------------------------------------------------------------------------

AUDIT_POLICY = REVEAL_POLICY + "  name_tok: {op: tokenize, from: name_last}\n"
AUDIT_CANARIES = {
    "email": "canary-7f3a@example.com",
    "phone": "+49 30 7319 0462",
    "name": "Quillfeatherby",
}


def test_no_canary_reaches_the_audit_log(tmp_path: Path, randomuser_sample: dict) -> None:
    """Every command that writes audit entries, run on data holding canaries (an e-mail, a
    phone, a name): no canary in any column of the audit table, in its export, or in the audit
    key file. The reveal prints them (control: they did flow through)."""
    veil = Veil(tmp_path)
    veil.env["VEIL_AUDIT_KEY"] = ""  # the generated workspace key: its file is checked too
    ws = str(tmp_path / "ws")
    records = []
    for i, r in enumerate(randomuser_sample["results"][:20]):
        r = copy.deepcopy(r)
        if i == 0:
            r["email"], r["phone"] = AUDIT_CANARIES["email"], AUDIT_CANARIES["phone"]
            r["name"]["last"] = AUDIT_CANARIES["name"]
        records.append(r)
    src = tmp_path / "input" / "users.ndjson"
    src.parent.mkdir()
    src.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    (tmp_path / "policy.yaml").write_text(AUDIT_POLICY)
    out = str(tmp_path / "out")
    veil.run("--source", "file", "--input", str(src), "--policy", str(tmp_path / "policy.yaml"),
             "--no-report", "--workspace", ws)  # fmt: skip
    ring = Keyring.from_key(bytes.fromhex(KEY_HEX))
    table = open_sink(out, encrypt=False, keyring=ring).read("users")
    subjects = table["subject_id"].to_pylist()
    victim = subjects[table["country"].to_pylist().index(records[0]["location"]["country"])]

    printed = ""
    for column in ("email_tok", "name_tok", "phone_enc"):
        shown = veil("reveal", "--output", out, "--workspace", ws, "--column", column,
                     "--reason", "ticket 7", "--limit", "100")  # fmt: skip
        printed += shown.stdout
    for canary in AUDIT_CANARIES.values():
        assert canary in printed  # control: the canaries are in the data
    veil("reveal", "--output", out, "--workspace", ws, "--column", "email_tok",
         "--reason", "ticket 8", "--where-subject", victim)  # fmt: skip
    subject_export = tmp_path / "subject-export.json"
    veil("subject", "export", victim, "--output", out, "--workspace", ws,
         "--file", str(subject_export))  # fmt: skip
    assert json.loads(subject_export.read_text())["datasets"][0]["rows"] == 1  # control
    veil("subject", "erase", victim, "--reason", "GDPR art. 17", "--workspace", ws,
         "--output", out)  # fmt: skip
    # refused (the subject is erased): audited too
    veil("reveal", "--output", out, "--workspace", ws, "--column", "email_tok",
         "--reason", "ticket 9", "--where-subject", victim, ok=False)  # fmt: skip
    key_file = tmp_path / "master.json"
    veil("keys", "generate", "--output", str(key_file))
    veil("keys", "rotate", "--key-file", str(key_file), "--workspace", ws)
    veil("budget", "set", "ana", "users", "--epsilon", "2", "--delta", "1e-5",
         "--reason", "quarterly", "--workspace", ws)  # fmt: skip
    where = f"email_tok IS NOT NULL AND country <> '{AUDIT_CANARIES['email']}'"
    common = ["--output", out, "--workspace", ws, "--analyst", "ana"]
    veil("query", "count", "--epsilon", "1", "--where", where, *common)
    veil("query", "count", "--epsilon", "5", "--where", where, *common, ok=False)  # refused
    export_file = tmp_path / "audit-export.jsonl"
    veil("audit", "export", "--output", str(export_file), "--workspace", ws)
    exported = veil("audit", "export", "--workspace", ws).stdout
    listed = veil("audit", "list", "--limit", "1000", "--json", "--workspace", ws).stdout

    actions = {e["action"] for e in audit_entries(tmp_path / "ws")}
    assert {"reveal", "subject.export", "subject.erase", "keys.rotate", "budget.set",
            "budget.charge", "budget.refused", "audit.export"} <= actions  # fmt: skip
    assert "chain intact" in veil("audit", "verify", "--workspace", ws).stdout
    places = {
        "the audit table": audit_table_text(tmp_path / "ws"),
        "the export file": export_file.read_text(encoding="utf-8"),
        "the export on stdout": exported,
        "audit list --json": listed,
        "the audit key file": (tmp_path / "ws" / "audit.key").read_text(),
        "the subject export (tokens, not values)": subject_export.read_text(encoding="utf-8"),
    }
    for where_, text in places.items():
        assert text.strip(), f"{where_} is empty"
        for name, canary in AUDIT_CANARIES.items():
            for form in {canary, canary.lower(), canary.replace(" ", "")}:
                assert form not in text, f"the {name} canary leaked into {where_}"
