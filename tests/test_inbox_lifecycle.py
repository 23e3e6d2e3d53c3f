"""The deployment's S3 lifecycle rule and analyst policy match vigie.toml and the inbox layout."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from vigie.core.config import load_config

ROOT = Path(__file__).resolve().parent.parent
LIFECYCLE = ROOT / "deploy" / "bucket-lifecycle.json"
POLICY = ROOT / "deploy" / "analyst-policy.json"


def _rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = json.loads(LIFECYCLE.read_text(encoding="utf-8"))["Rules"]
    return rules


def test_lifecycle_expiry_matches_retention_days() -> None:
    retention = load_config(ROOT / "vigie.toml", {}).analysts.retention_days
    expiring = {
        r["Filter"]["Prefix"]: r["Expiration"]
        for r in _rules()
        if "Expiration" in r and r["Status"] == "Enabled"
    }
    # Tips expire after the retention; kept/ (actioned tips) and state/ are
    # handled by `vigie inbox purge`, which knows the triage status. The no-JS
    # form's hourly budget slots (whose write times say when a form was sent)
    # go after a day, and so do the adaptive-difficulty slots; a tip's effort
    # marker lives as long as the tip.
    assert expiring == {
        "vigie/tips/": {"Days": retention},
        "vigie/effort/": {"Days": retention},
        "vigie/intake/form-budget/": {"Days": 1},
        "vigie/intake/load/": {"Days": 1},
    }
    # With versioning on, a deleted tip must not survive as an old version.
    assert all(r["NoncurrentVersionExpiration"]["NoncurrentDays"] <= 1 for r in _rules())


def test_lifecycle_is_accepted_by_a_real_s3(seaweed: Any) -> None:
    client = seaweed.client()
    bucket = f"t{os.urandom(6).hex()}"
    client.create_bucket(Bucket=bucket)
    client.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": _rules()}
    )
    back = client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert {r["ID"]: r.get("Expiration") for r in back} == {
        r["ID"]: r.get("Expiration") for r in _rules()
    }


def test_analyst_policy_reads_and_purges_but_never_touches_intake() -> None:
    statements = json.loads(POLICY.read_text(encoding="utf-8"))["Statement"]
    resources = [res for s in statements for res in (
        s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])]  # fmt: skip
    assert not any("/intake" in r for r in resources)
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str)
                                                 else s["Action"])}  # fmt: skip
    assert actions == {"s3:ListBucket", "s3:GetObject", "s3:DeleteObject", "s3:PutObject"}
    puts = next(s for s in statements if s["Action"] == "s3:PutObject")["Resource"]
    assert all(r.endswith(("/kept/*", "/state/*")) for r in puts)  # analysts never forge tips
