"""Schemathesis against the real `vigie serve`, on a dir: store and on SeaweedFS.

Every route of intake_lambda/openapi.yaml gets schema-valid and schema-violating
requests (explicit examples, boundary values, random fuzzing). Each answer must
be a declared status with a body and headers matching the spec, never a 5xx or
a traceback; and nothing may be stored except a no-JS form post answered 201
(a proof-of-work is out of schemathesis's reach, so /api/tips never stores).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.support.hardening import healthy, open_all, tiny_site, tip_keys
from tests.support.live import LiveVigie, write_config
from vigie.core.storage import TipStore, open_store

SPEC = Path(__file__).resolve().parent.parent / "intake_lambda" / "openapi.yaml"
FORM = "/api/tips/form"


@dataclass
class Target:
    url: str
    store: TipStore
    form_created: int = 0  # form posts answered 201 (each must store one tip)


@pytest.fixture(scope="module", params=["dir", "s3"])
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, identity: Any
) -> Iterator[Target]:
    tmp = tmp_path_factory.mktemp(f"schema-{request.param}")
    extra: dict[str, Any] = {"form_budget_per_hour": 100_000}  # 429 would hide form bugs
    if request.param == "dir":
        store_url = f"dir:{tmp / 'store'}"
    else:
        seaweed = request.getfixturevalue("seaweed")
        bucket = request.getfixturevalue("seaweed_bucket")
        store_url = f"s3://{bucket}/schema{os.urandom(4).hex()}"
        extra["s3_endpoint_url"] = seaweed.endpoint
    config = write_config(tmp / "vigie.toml", store_url, [str(identity.to_public())], **extra)
    from vigie.core.config import load_config

    store = open_store(load_config(config, {}).intake)
    with LiveVigie(config, tiny_site(tmp / "site")) as live:
        target = Target(url=live.url.rstrip("/"), store=store)
        yield target
        # After every operation on this backend: still up, and every stored
        # object is a whole tip the analysts can open, one per 201.
        assert healthy(live.url)
        assert len(open_all(store, identity)) == target.form_created


# schemathesis's Python API (its pytest plugin does not run under pytest 9):
# one Hypothesis strategy per operation and generation mode.
SCHEMA = schemathesis.openapi.from_path(SPEC)
OPERATIONS: dict[str, Any] = {
    op.label: op for op in (cast(Any, result).ok() for result in SCHEMA.get_all_operations())
}


def _has_inputs(label: str) -> bool:
    raw = OPERATIONS[label].definition.raw
    return bool(raw.get("parameters") or raw.get("requestBody"))


# Negative data needs something to break: operations without inputs get none.
CASES = [
    (label, mode)
    for label in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or _has_inputs(label)
]
EXAMPLES = 40  # per operation, mode and backend: ~600 requests in total

# The photo parts the spec allows are "binary"; only real JPEG/PNG images are
# accepted, which a schema cannot express, so a schema-valid form with random
# photo bytes is rightly refused.
_POSITIVE = positive_data_acceptance
# The no-JS form ignores parts it has no use for (browsers add some), so a
# wrongly typed extra part does not make the whole post invalid. What it does
# store is checked instead: every object decrypts and parses as a tip.
_NEGATIVE = negative_data_rejection


def _has_photos(case: Any) -> bool:
    body = case.body
    return isinstance(body, dict) and bool(body.get("photos"))


def check_case(case: Any, target: Target) -> None:
    before = len(tip_keys(target.store))
    excluded = []
    if case.operation.path == FORM:
        excluded.append(_NEGATIVE)
        if _has_photos(case):
            excluded.append(_POSITIVE)
    response = case.call_and_validate(base_url=target.url, excluded_checks=excluded, timeout=30)
    assert response.status_code < 500
    assert b"Traceback" not in response.content
    created = len(tip_keys(target.store)) - before
    if case.operation.path == FORM and response.status_code == 201:
        assert created == 1, "a 201 from the form stores exactly one tip"
        target.form_created += 1
    else:
        assert created == 0, f"{case.operation.label} -> {response.status_code} stored a tip"


@pytest.mark.xdist_group("adversarial-schema")
@pytest.mark.parametrize(("label", "mode"), CASES, ids=[f"{m.value}:{lbl}" for lbl, m in CASES])
def test_schema_conformance_and_nothing_stored(
    label: str, mode: GenerationMode, target: Target
) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    @given(case=OPERATIONS[label].as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        check_case(case, target)

    run()
