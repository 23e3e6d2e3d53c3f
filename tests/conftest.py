"""Shared fixtures: real SeaweedFS, throwaway age identities, configs per backend.

Keys are generated at run time in pytest's temp dirs; nothing secret is committed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyrage
import pytest

ROOT = Path(__file__).resolve().parent.parent

from tests.support.seaweed import SeaweedServer  # noqa: E402
from vigie.core.config import Config, build_config  # noqa: E402
from vigie.core.storage import TipStore, open_store  # noqa: E402

# boto3 needs credentials even for an auth-less local SeaweedFS. Set for the
# test process only, never read at import time by Vigie itself.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    """One SeaweedFS per test worker, killed (SIGKILL) at the end."""
    server = SeaweedServer(tmp_path_factory.mktemp("seaweed"))
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="session")
def seaweed_bucket(seaweed: SeaweedServer) -> str:
    """The bucket the tests share on this worker's SeaweedFS (prefixes keep them apart)."""
    seaweed.client().create_bucket(Bucket="vigie-tests")
    return "vigie-tests"


@pytest.fixture(scope="session")
def identity() -> Any:
    """An analyst's age identity for this test session (pyrage object)."""
    return pyrage.x25519.Identity.generate()


@pytest.fixture(scope="session")
def identity_file(identity: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "analyst.key"
    path.write_text(f"# public key: {identity.to_public()}\n{identity}\n")
    path.chmod(0o600)
    return path


def make_config(store: str, recipients: list[str], tmp: Path, **intake: Any) -> Config:
    data: dict[str, Any] = {
        "intake": {
            "store": store,
            # Tests solve challenges fast (one small scrypt run) and are never asked
            # for more (the top level is the base one); tests of the levels set these.
            "pow_cost": 1024,
            "pow_bits": 0,
            "pow_max_bits": 0,
            "secret_file": str(tmp / "intake-secret"),
            "signing_key_file": str(tmp / "intake-signing-key"),
            **intake,
        },
        "analysts": {"recipients": recipients},
    }
    return build_config(data, {}, source="<test>")


@pytest.fixture(params=["dir", "s3"])
def backend_config(
    request: pytest.FixtureRequest, tmp_path: Path, identity: Any
) -> Iterator[tuple[Config, TipStore]]:
    """(config, store) for each backend: the same test runs against dir: and SeaweedFS."""
    recipients = [str(identity.to_public())]
    if request.param == "dir":
        cfg = make_config(f"dir:{tmp_path / 'store'}", recipients, tmp_path)
        yield cfg, open_store(cfg.intake)
        return
    server: SeaweedServer = request.getfixturevalue("seaweed")
    # One bucket per server, one prefix per test: every new bucket is a new
    # SeaweedFS collection that needs its own volumes, which is slow and finite.
    bucket = request.getfixturevalue("seaweed_bucket")
    cfg = make_config(
        f"s3://{bucket}/t{os.urandom(6).hex()}",
        recipients,
        tmp_path,
        s3_endpoint_url=server.endpoint,
    )
    yield cfg, open_store(cfg.intake, s3_client=server.client())


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Debian Chromium (via Playwright) per test worker."""
    from tests.support.browser import browser_session

    yield from browser_session()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Stop at once if `--dist loadgroup` does not group (as under pytest 9.2).

    Tests marked with one `xdist_group` share something that cannot be used twice
    at once (Chalice's package cache, the flood tests' CPU budget); when pytest
    silently dropped the group suffix, they ran on both workers and corrupted
    `deployment.zip` now and then. Better one clear error than rare flakes.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER") or not config.getvalue("loadgroup"):
        return
    lost = [i.nodeid for i in items if i.get_closest_marker("xdist_group") and "@" not in i.nodeid]
    if lost:
        raise pytest.UsageError(
            f"--dist loadgroup did not group {len(lost)} test(s), e.g. {lost[0]}: "
            "this pytest ignores pytest-xdist's group suffix (pytest-dev/pytest-xdist#1386)"
        )
