"""Policies: validation collects every problem with suggestions; fail-closed against inputs."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from veil.errors import PolicyError
from veil.policy import (
    builtin_policy,
    check_against,
    load_policy,
    policy_from_dict,
    policy_json_schema,
    unknown_columns,
)
from veil.sources.shapes import SHAPES


@pytest.mark.parametrize("shape", ["randomuser", "fakerapi", "events"])
def test_builtins_name_every_input_column(shape: str) -> None:
    policy = builtin_policy(shape)
    assert check_against(policy, SHAPES[shape]) == []
    assert unknown_columns(policy, SHAPES[shape]) == []
    assert policy.on_unknown_column == "fail"


@pytest.mark.parametrize("shape", ["randomuser", "fakerapi"])
def test_builtins_transform_direct_identifiers(shape: str) -> None:
    policy = builtin_policy(shape)
    kept = {params.source or out for out, params in policy.outputs().items() if params.op == "keep"}
    direct = {
        "name_first",
        "name_last",
        "firstname",
        "lastname",
        "email",
        "phone",
        "cell",
        "login_password",
        "login_uuid",
        "id_value",
        "location_street_name",
        "address_street",
        "picture_large",
        "image",
        "dob_date",
        "birthday",
    }
    assert kept.isdisjoint(direct)
    ops = {out: p.op for out, p in policy.outputs().items()}
    assert ops["email_hash"] == "hash" and ops["email_domain"] == "email_domain"
    assert ops["age_band"] == "generalize" and ops["latitude"] == "geo_fuzz"


def test_events_policy_hashes_subjects_as_the_users_policy_does() -> None:
    events, users = builtin_policy("events"), builtin_policy("randomuser")
    assert events.shape == "events" and events.subject_id == users.subject_id == "subject_id"
    # same operator, input, length and key domain: the subject ids of both tables join
    assert events.columns["subject_id"] == users.columns["subject_id"]
    ops = {out: p.op for out, p in events.outputs().items()}
    assert (ops["event_id"], ops["day"], ops["ip_prefix"]) == ("hash", "generalize", "generalize")
    kept = {p.source or out for out, p in events.outputs().items() if p.op == "keep"}
    assert kept.isdisjoint({"login_uuid", "ip", "user_agent", "ts", "event_id"})


def test_every_problem_is_reported_with_suggestions() -> None:
    doc = {
        "name": "x",
        "on_unknwn_column": "drop",
        "columns": {
            "a": {"op": "hsah"},
            "b": {"op": "hash", "lenght": 20},
            "c": {"op": "generalize", "method": "age_band"},
            "d": {"op": "hash", "length": 3},
        },
    }
    with pytest.raises(PolicyError) as info:
        policy_from_dict(doc)
    found = {(i.location, i.suggestion) for i in info.value.issues}
    assert ("columns.a.op", "hash") in found
    assert ("columns.b.lenght", "length") in found
    assert ("on_unknwn_column", "on_unknown_column") in found
    assert any(i.location == "columns.c" for i in info.value.issues)
    assert any(i.location == "columns.d.length" for i in info.value.issues)


def test_missing_input_column_is_named_with_closest() -> None:
    policy = policy_from_dict({"name": "x", "columns": {"mail": {"op": "hash", "from": "emial"}}})
    issues = check_against(policy, SHAPES["randomuser"])
    assert [(i.location, i.suggestion) for i in issues] == [("columns.mail.from", "email")]


def test_yaml_errors_have_a_line(tmp_path: Path) -> None:
    bad = tmp_path / "p.yaml"
    bad.write_text("name: x\ncolumns:\n  a: {op: keep\n")
    with pytest.raises(PolicyError) as info:
        load_policy(bad)
    assert info.value.issues[0].location.startswith("line ")


def test_digest_is_stable_and_sensitive() -> None:
    a = builtin_policy("randomuser")
    b = policy_from_dict(yaml.safe_load(yaml.safe_dump(a.canonical())))
    assert a.digest() == b.digest()
    changed = a.canonical()
    changed["columns"]["email_hash"]["length"] = 40
    assert policy_from_dict(changed).digest() != a.digest()


def test_json_schema_accepts_builtins_and_rejects_unknown_ops() -> None:
    schema = policy_json_schema()
    validator = jsonschema.Draft202012Validator(schema)
    for shape in ("randomuser", "fakerapi", "events"):
        validator.validate(json.loads(json.dumps(builtin_policy(shape).canonical())))
    bad = builtin_policy("fakerapi").canonical()
    bad["columns"]["gender"] = {"op": "hsah"}
    assert not validator.is_valid(bad)
