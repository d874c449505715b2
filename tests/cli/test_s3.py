"""`veil run` and `veil report` against moto's real S3 server on loopback."""

from __future__ import annotations

import json
import socket
import uuid

import boto3
import pytest

from .conftest import Veil

pytestmark = pytest.mark.e2e

CREDS = {"AWS_ACCESS_KEY_ID": "AKIAVEILCLI", "AWS_SECRET_ACCESS_KEY": "cli-secret-never-shown"}


@pytest.fixture
def bucket(s3_endpoint: str) -> tuple[str, object]:
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=CREDS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDS["AWS_SECRET_ACCESS_KEY"],
    )
    name = f"veil-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return name, client


def _objects(client, bucket: str) -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(o["Key"] for p in pages for o in p.get("Contents", []) if o["Key"][-1] != "/")


def test_run_and_report_on_s3(veil: Veil, s3_endpoint: str, bucket) -> None:
    name, client = bucket
    url = f"s3://{name}/zone"
    env = {**CREDS, "AWS_REGION": "us-east-1"}
    rep = veil.tmp / "rep"
    veil(
        "run", "--persons", "1500", "--output", url, "--s3-endpoint", s3_endpoint,
        "--reference-date", "2026-11-22", "--report", str(rep), "--quiet", env=env,
    )
    keys = _objects(client, name)
    assert "zone/users/_current.json" in keys
    parts = [k for k in keys if k.endswith(".parquet")]
    assert len(parts) == 1
    body = client.get_object(Bucket=name, Key=parts[0])["Body"].read()
    assert body[-4:] == b"PARE"  # Parquet modular encryption with an encrypted footer
    written = json.loads(rep.with_suffix(".json").read_text())
    assert written["rows"] == 1500 and written["all_match"]

    again = veil("report", "--output", url, "--s3-endpoint", s3_endpoint, "--json", env=env)
    reread = json.loads(again.stdout)
    assert reread["rows"] == 1500

    def anonymized(report: dict) -> dict:
        return {q["id"]: q["anonymized"] for q in report["questions"]}

    assert anonymized(reread) == anonymized(written)


def test_unreachable_s3_is_a_clear_error(veil: Veil) -> None:
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = veil(
        "run", "--persons", "200", "--output", "s3://veil-nowhere/zone",
        "--s3-endpoint", f"http://127.0.0.1:{port}", "--quiet",
        env=CREDS, ok=False,
    )
    assert result.exit_code == 5
    assert "veil-nowhere" in result.output and f"127.0.0.1:{port}" in result.output
    assert CREDS["AWS_SECRET_ACCESS_KEY"] not in result.output
    assert "Traceback" not in result.output
