"""Intake benchmarks: cold start, per-tip cost, junk rejection rate.

Every figure is printed beside a baseline measured in the same run, as a ratio:
- cold start: importing the app and making the first storage client, against
  `import boto3; boto3.client('s3')` (the floor any S3-backed Lambda pays);
- per tip: a POST through chalice.test.Client with dir: storage, against the
  bare storage write of the same bytes (4 KiB and 2 MiB envelopes);
- junk: requests without proof-of-work rejected per second on one core;
- replay of a stored 2 MiB tip (same name): bytes sent to a real SeaweedFS
  (through a byte-counting relay) and time, `put_once` with its marker against
  the bare conditional write the intake used before (412 after the whole
  body); on dir:, against a first write of the same bytes (what a replay cost
  before: the same temp file and fsync, then link() refused).

Run: `python bench/intake.py` (or `make bench` for the whole report).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

Row = dict[str, Any]


def _run_python(code: str) -> float:
    env = {
        **os.environ,
        "AWS_DEFAULT_REGION": "eu-west-3",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
    }
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT / "intake_lambda")
    return time.perf_counter() - start


def _medians(codes: dict[str, str], rounds: int = 9) -> dict[str, float]:
    """Median wall time of each snippet, run interleaved so drift hits all alike."""
    samples: dict[str, list[float]] = {name: [] for name in codes}
    for _ in range(rounds):
        for name, code in codes.items():
            samples[name].append(_run_python(code))
    return {name: statistics.median(values) for name, values in samples.items()}


def cold_start() -> list[Row]:
    key = "age1" + "q" * 58
    setup = (
        "import app; from vigie.core.config import build_config; "
        "from vigie.core.storage import open_store; "
        "cfg = build_config({{'intake': {{'store': '{store}', 's3_endpoint_url': "
        "'http://127.0.0.1:9'}}, 'analysts': {{'recipients': ['{key}']}}}}, {{}}); "
        "s = open_store(cfg.intake)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        t = _medians(
            {
                "empty": "pass",
                "floor": "import boto3; boto3.client('s3')",
                "s3": setup.format(store="s3://bucket/prefix", key=key),
                "dir": setup.format(store=f"dir:{tmp}", key=key),
            }
        )
    floor, s3, local = (t[k] - t["empty"] for k in ("floor", "s3", "dir"))
    return [
        {
            "name": "cold start, s3 store (import app + first client)",
            "value": s3,
            "unit": "s",
            "baseline": floor,
            "ratio": s3 / floor,
            "goal": "<= 1.10x boto3 floor",
        },
        {
            "name": "cold start, dir: store (no boto3)",
            "value": local,
            "unit": "s",
            "baseline": floor,
            "ratio": local / floor,
            "goal": "boto3 not imported",
        },
    ]


def per_tip() -> list[Row]:
    import pyrage
    from chalice.test import Client

    from tests.support.intake_client import TEST_SECRET, TEST_SIGNER, new_key, solve
    from vigie.core import envelope
    from vigie.core.config import build_config
    from vigie.core.intake import Intake
    from vigie.core.storage import DirStore
    from vigie.serve import load_intake_app

    rows: list[Row] = []
    identity = pyrage.x25519.Identity.generate()
    app_module = load_intake_app()
    for label, size, count in (("4 KiB", 4096, 300), ("2 MiB", 2 * 1024 * 1024, 20)):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = build_config(
                {
                    "intake": {
                        "store": f"dir:{tmp}/tips",
                        "pow_cost": 1024,
                        "pow_bits": 0,
                        "pow_max_bits": 0,
                    },
                    "analysts": {"recipients": [str(identity.to_public())]},
                },
                {},
            )
            store = DirStore(f"{tmp}/tips")
            intake = Intake(
                config=cfg, store=store, secret=TEST_SECRET, clock=time.time, signer=TEST_SIGNER
            )
            app_module.configure(intake)
            body = envelope.seal(os.urandom(size - 300), cfg.require_recipients())
            with Client(app_module.app) as client:
                prepared = []
                for _ in range(count):  # proof-of-work solved outside the timing
                    key = new_key()
                    ch = json.loads(
                        client.http.get("/api/challenge", headers={"Idempotency-Key": key}).body
                    )
                    prepared.append(
                        {
                            "Content-Type": "application/octet-stream",
                            "Idempotency-Key": key,
                            "X-Altcha": solve(ch),
                        }
                    )
                start = time.perf_counter()
                for headers in prepared:
                    assert (
                        client.http.post("/api/tips", headers=headers, body=body).status_code == 201
                    )
                handler = (time.perf_counter() - start) / count
            bare_store = DirStore(f"{tmp}/bare")
            start = time.perf_counter()
            for i in range(count):
                bare_store.put_new(f"tips/d/{i}.age", body)
            bare = (time.perf_counter() - start) / count
        rows.append(
            {
                "name": f"per-tip handler cost, {label} envelope",
                "value": handler * 1000,
                "unit": "ms",
                "baseline": bare * 1000,
                "ratio": handler / bare,
                "goal": "<= 1.5x bare write",
            }
        )
    return rows


def junk_rate(seconds: float = 3.0) -> list[Row]:
    """Junk (no valid proof-of-work) through the app as Lambda calls it: app(event, context).

    The API Gateway event is built once with Chalice's own converter; the loop then
    measures exactly what a Lambda instance spends on each rejected request.
    """
    from chalice.config import Config as ChaliceConfig
    from chalice.local import LocalGateway

    from tests.support.intake_client import TEST_SECRET, TEST_SIGNER
    from vigie.core.config import build_config
    from vigie.core.intake import Intake
    from vigie.core.storage import DirStore
    from vigie.serve import load_intake_app

    app_module = load_intake_app()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = build_config(
            {"intake": {"store": f"dir:{tmp}"}, "analysts": {"recipients": ["age1" + "q" * 58]}}, {}
        )
        app_module.configure(
            Intake(
                config=cfg,
                store=DirStore(tmp),
                secret=TEST_SECRET,
                clock=time.time,
                signer=TEST_SIGNER,
            )
        )
        gateway = LocalGateway(
            app_module.app,
            ChaliceConfig.create(chalice_app=app_module.app, app_name="vigie-intake"),
        )
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Length": "4096",
            "Idempotency-Key": "j" * 24,
            "X-Altcha": "bm9wZQ==",
        }
        event = gateway.event_converter.create_lambda_event(
            method="POST", path="/api/tips", headers=headers, body=os.urandom(4096)
        )
        context = gateway._generate_lambda_context()
        count = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            assert app_module.app(event, context)["statusCode"] == 403
            count += 1
        rate = count / (time.perf_counter() - start)
        writes = sum(1 for _ in Path(tmp).rglob("*") if _.is_file())
    return [
        {
            "name": f"junk rejected per second, one core ({writes} writes)",
            "value": rate,
            "unit": "req/s",
            "baseline": None,
            "ratio": None,
            "goal": ">= 2000/s, 0 writes",
        }
    ]


def replay(rounds: int = 10) -> list[Row]:
    import boto3
    from botocore.config import Config as BotoConfig

    from tests.support.bytecount import ByteCounter
    from tests.support.seaweed import SeaweedServer
    from vigie.core import layout
    from vigie.core.storage import DirStore
    from vigie.core.storage.s3 import S3Store

    body = os.urandom(2 * 1024 * 1024)
    day, receipt = "2026-12-01", "VG-0000-0000-0000"
    tip, marker = layout.tip_key(day, receipt), layout.seen_key(day, receipt)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        server = SeaweedServer(Path(tmp) / "weed")
        server.start()
        try:
            server.client().create_bucket(Bucket="bench-replay")
            with ByteCounter(int(server.ports["s3.port"])) as counter:
                relayed = boto3.client(
                    "s3",
                    endpoint_url=counter.endpoint,
                    region_name="us-east-1",
                    aws_access_key_id="test",
                    aws_secret_access_key="test",
                    config=BotoConfig(retries={"max_attempts": 1}, s3={"addressing_style": "path"}),
                )
                store = S3Store(relayed, "bench-replay", "vigie", sse=False)
                assert store.put_once(tip, body, None, marker)  # the tip and its marker
                samples: dict[str, list[tuple[float, int]]] = {"before": [], "after": []}
                calls: tuple[tuple[str, Callable[[], bool]], ...] = (
                    ("before", lambda: store.put_new(tip, body)),
                    # The intake's replay path: the marker's HEAD, and no upload.
                    ("after", lambda: not store.stored(tip, marker)),
                )
                for _ in range(rounds):
                    for name, call in calls:
                        sent, start = counter.sent, time.perf_counter()
                        assert call() is False
                        samples[name].append((time.perf_counter() - start, counter.sent - sent))
        finally:
            server.kill()
        (t_before, b_before), (t_after, b_after) = (
            (
                statistics.median(t for t, _ in samples[n]),
                statistics.median(b for _, b in samples[n]),
            )
            for n in ("before", "after")
        )
        rows += [
            {
                "name": "replay of a 2 MiB tip, s3: bytes sent to the store",
                "value": b_after,
                "unit": "B",
                "baseline": b_before,
                "ratio": b_after / b_before,
                "goal": "< 16 KiB (headers only)",
            },
            {
                "name": "replay of a 2 MiB tip, s3: time",
                "value": t_after * 1000,
                "unit": "ms",
                "baseline": t_before * 1000,
                "ratio": t_after / t_before,
                "goal": "< 1x the upload refused by 412",
            },
        ]
        local = DirStore(Path(tmp) / "dir")
        first = []
        again = []
        for i in range(rounds):
            start = time.perf_counter()
            assert local.put_new(f"tips/d/{i}.age", body)
            first.append(time.perf_counter() - start)
            start = time.perf_counter()
            assert local.stored(f"tips/d/{i}.age", marker)
            again.append(time.perf_counter() - start)
        t_first, t_again = statistics.median(first), statistics.median(again)
        rows.append(
            {
                "name": "replay of a 2 MiB tip, dir: time",
                "value": t_again * 1000,
                "unit": "ms",
                "baseline": t_first * 1000,
                "ratio": t_again / t_first,
                "goal": "no write, no fsync",
            }
        )
    return rows


def run() -> list[Row]:
    return cold_start() + per_tip() + junk_rate() + replay()


def print_rows(rows: list[Row]) -> None:
    for row in rows:
        ratio = f"{row['ratio']:.2f}x" if row.get("ratio") is not None else "-"
        base = f"{row['baseline']:.4g}" if row.get("baseline") is not None else "-"
        print(
            f"{row['name']:<58} {row['value']:>10.4g} {row['unit']:<6} "
            f"baseline {base:>8}  ratio {ratio:>6}  goal {row['goal']}"
        )


if __name__ == "__main__":
    print_rows(run())
