"""tokenize: AES-SIV tokens, deterministic and reversible, per domain or per subject."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.engines import compile_policy
from veil.errors import ConfigError, KeyError_
from veil.keys import Keyring
from veil.keys.vault import SubjectErasedError, Vault
from veil.operators.base import OpContext
from veil.operators.tokenize import TokenError, TokenizeParams, detokenize, tokenize
from veil.policy.loader import policy_from_dict

ONE = Keyring.from_key(bytes(range(32)))
TWO = Keyring.from_key(bytes(range(1, 33)))
REF = datetime(2026, 1, 1, tzinfo=UTC)


def _tok(values: list, ring: Keyring = ONE, domain: str | None = "email", **kw) -> pa.Array:
    arr = pa.array(values, pa.string())
    batch = pa.RecordBatch.from_pydict({"email": arr})
    ctx = OpContext(batch, ring, REF, "email_tok", "email", **kw)
    return tokenize(TokenizeParams(domain=domain))(arr, ctx)


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    v = Vault.open(tmp_path / "vault.sqlite", ONE)
    yield v
    v.close()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=40)), max_size=20))
def test_round_trip_nulls_and_length(values: list) -> None:
    tokens = _tok(values)
    assert len(tokens) == len(values)
    assert [t is None for t in tokens.to_pylist()] == [v is None for v in values]
    assert all(t.startswith(f"tok_{ONE.kid}_") for t in tokens.to_pylist() if t is not None)
    assert detokenize(tokens, ONE, domain="email").to_pylist() == values


def test_deterministic_and_keyed() -> None:
    values = ["alice@example.com", "alice@example.com", "bob@example.org"]
    a, b = _tok(values), _tok(values)
    assert a == b and a[0] == a[1] and a[0] != a[2]
    assert _tok(values, TWO).to_pylist()[0] != a[0].as_py()
    assert _tok(values, domain="other").to_pylist()[0] != a[0].as_py()
    assert "alice" not in "".join(a.to_pylist())


def test_wrong_domain_tampering_and_missing_key_fail_clearly() -> None:
    tokens = _tok(["alice@example.com"])
    with pytest.raises(TokenError) as info:
        detokenize(tokens, ONE, domain="phone")
    assert info.value.rows == 1 and "alice" not in str(info.value)
    text = tokens[0].as_py()
    flipped = text[:-2] + ("A" if text[-2] != "A" else "B") + text[-1]
    with pytest.raises(TokenError):
        detokenize(pa.array([flipped]), ONE, domain="email")
    with pytest.raises(TokenError):
        detokenize(pa.array(["not a token"]), ONE, domain="email")
    with pytest.raises(KeyError_):  # the token's kid is not in this keyring
        detokenize(tokens, TWO, domain="email")


def test_other_types_are_tokenized_as_text() -> None:
    arr = pa.array([12345, None, 7])
    batch = pa.RecordBatch.from_pydict({"n": arr})
    out = tokenize(TokenizeParams())(arr, OpContext(batch, ONE, REF, "n", "n"))
    assert detokenize(out, ONE, domain="n").to_pylist() == ["12345", None, "7"]


def test_per_subject_tokens(vault: Vault) -> None:
    values = ["shared@example.com", "shared@example.com", "shared@example.com", None]
    subjects = pa.array(["s1", "s1", "s2", "s1"])
    tokens = _tok(values, subject=subjects, vault=vault)
    t = tokens.to_pylist()
    assert t[0] == t[1] != t[2] and t[3] is None  # same subject joins, two subjects do not
    assert t[0] != _tok(values).to_pylist()[0]  # not the domain token
    back = detokenize(tokens, ONE, domain="email", subjects=subjects, vault=vault)
    assert back.to_pylist() == values
    with pytest.raises(TokenError):  # per-subject tokens do not open without the vault
        detokenize(tokens, ONE, domain="email")


def test_null_subject_uses_the_domain_key(vault: Vault) -> None:
    tokens = _tok(["a@x.com"], subject=pa.array([None], pa.string()), vault=vault)
    assert tokens == _tok(["a@x.com"])


def test_explicit_per_subject_needs_a_vault() -> None:
    arr = pa.array(["a"])
    batch = pa.RecordBatch.from_pydict({"email": arr})
    op = tokenize(TokenizeParams(per_subject=True))
    with pytest.raises(ConfigError):
        op(arr, OpContext(batch, ONE, REF, "e", "email", subject=pa.array(["s"])))
    assert len(op(arr.slice(0, 0), OpContext(batch, ONE, REF, "e", "email"))) == 0


def test_crypto_shredding(tmp_path: Path, vault: Vault) -> None:
    values = ["alice@example.com", "bob@example.org", "carol@example.net"]
    subjects = pa.array(["s1", "s2", "s3"])
    tokens = _tok(values, subject=subjects, vault=vault)
    vault.erase("s2")
    with pytest.raises(SubjectErasedError):
        detokenize(tokens, ONE, domain="email", subjects=subjects, vault=vault)
    back = detokenize(tokens, ONE, domain="email", subjects=subjects, vault=vault,
                      on_erased="null")
    assert back.to_pylist() == ["alice@example.com", None, "carol@example.net"]
    # with the master key, but a vault that has lost the subject: still no way back
    with pytest.raises(TokenError):
        detokenize(tokens.slice(1, 1), ONE, domain="email")
    fresh = Vault.open(tmp_path / "copy.sqlite", ONE)  # a new vault cannot forge the old key
    with pytest.raises(TokenError):
        detokenize(tokens.slice(1, 1), ONE, domain="email", subjects=subjects.slice(1, 1),
                   vault=fresh)
    # a new key for a recreated subject does not open the old token either
    renewed = Vault.open(tmp_path / "vault.sqlite", ONE, allow_recreate=True)
    renewed.keys_for(pa.array(["s2"]))
    with pytest.raises(SubjectErasedError):
        detokenize(tokens, ONE, domain="email", subjects=subjects, vault=renewed)


def _policy(per_subject: bool | None) -> object:
    tok: dict = {"op": "tokenize", "domain": "user"}
    if per_subject is not None:
        tok["per_subject"] = per_subject
    return policy_from_dict({
        "version": 1, "name": "p", "subject_id": "subject_id", "on_unknown_column": "drop",
        "columns": {"subject_id": {"op": "hash", "from": "uid", "domain": "subject"},
                    "user_tok": {**tok, "from": "uid"}},
    })


@pytest.mark.parametrize("per_subject", [False, None])
def test_users_and_events_join_on_the_token(vault: Vault, per_subject: bool | None) -> None:
    uids = [f"user-{i}" for i in range(50)]
    users = pa.RecordBatch.from_pydict({"uid": uids, "country": [f"C{i % 7}" for i in range(50)]})
    ev_uids = [uids[(i * 7) % 50] for i in range(400)]
    events = pa.RecordBatch.from_pydict({"uid": ev_uids, "n": list(range(400))})
    out = {}
    for name, batch in (("users", users), ("events", events)):
        compiled = compile_policy(_policy(per_subject), batch.schema, ONE, REF, vault=vault)
        out[name] = compiled.transform(batch)
    con = duckdb.connect()
    con.register("u", pa.Table.from_batches([out["users"]]).append_column(
        "raw", pa.array(uids)))
    con.register("e", pa.Table.from_batches([out["events"]]).append_column(
        "raw", pa.array(ev_uids)))
    rows = con.execute("SELECT u.raw, e.raw FROM u JOIN e ON u.user_tok = e.user_tok").fetchall()
    assert len(rows) == 400 and all(a == b for a, b in rows)
    subject_rows = con.execute("SELECT count(*) FROM u JOIN e USING (subject_id)").fetchall()
    assert subject_rows == [(400,)]
