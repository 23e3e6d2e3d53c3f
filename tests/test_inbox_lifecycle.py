"""The deployment's S3 lifecycle rule and analyst policy match vigie.toml and the inbox layout.

Both are owned by `vigie.deploy` (the stack `vigie deploy` builds, which also
writes them as JSON files into build/deploy/ for other S3-compatible stores).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from vigie.core.config import Config, load_config
from vigie.deploy.iam import analysts_policy
from vigie.deploy.storage import lifecycle_rules
from vigie.deploy.target import Target
from vigie.inbox.thread import THREAD_DAYS

ROOT = Path(__file__).resolve().parent.parent


def _rules() -> list[dict[str, Any]]:
    retention = load_config(ROOT / "vigie.toml", {}).analysts.retention_days
    return lifecycle_rules("vigie", retention)


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
    # marker lives as long as the tip. Follow-up messages go THREAD_DAYS after
    # they were written.
    assert expiring == {
        "vigie/tips/": {"Days": retention},
        "vigie/replies/": {"Days": THREAD_DAYS},
        "vigie/effort/": {"Days": retention},
        "vigie/intake/form-budget/": {"Days": 1},
        "vigie/intake/load/": {"Days": 1},
        "vigie/intake/seen/": {"Days": 1},  # replay markers: a proof lives an hour at most
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


def test_analyst_policy_reads_and_creates_but_never_touches_intake_or_deletes() -> None:
    target = Target(cfg=Config(), tips_bucket="vigie-tips", prefix="vigie", region="eu-west-3")
    statements = analysts_policy(target)["Statement"]
    resources = [res for s in statements for res in (
        s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])]  # fmt: skip
    assert not any("/intake" in r for r in resources)
    actions = {a for s in statements for a in s["Action"]}
    # Deletes belong to the separate purge role (vigie.deploy.iam.purge_policy).
    assert actions == {"s3:ListBucket", "s3:GetObject", "s3:PutObject"}
    puts = next(s for s in statements if s["Action"] == ["s3:PutObject"])
    assert all(r.endswith(("/kept/*", "/state/*", "/replies/*")) for r in puts["Resource"])
    assert puts["Condition"] == {"Null": {"s3:if-none-match": "false"}}  # create-only
