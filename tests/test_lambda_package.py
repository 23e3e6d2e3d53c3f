"""The Lambda's deployment package: the intake's modules and their runtime dependencies only.

`chalice package` after the vendor step (`vigie.lambdapkg.vendor_core`): the zip
must hold `app.py`, `vigie/__init__.py` and exactly the modules of
`vigie/core/`, plus the pinned runtime dependencies of
`intake_lambda/requirements.txt`, and never the inbox, the campaign generator,
the site build or anything that opens a tip.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from vigie.lambdapkg import vendor_core

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.xdist_group("chalice-package")


@pytest.fixture(scope="module")
def zip_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    from vigie.deploy.build import package_lock

    out = tmp_path_factory.mktemp("lambda-zip")
    with package_lock():  # Chalice's shared package cache: one packager at a time
        vendor_core()
        subprocess.run(
            [str(Path(sys.executable).parent / "chalice"), "package", "--stage", "prod", str(out)],
            cwd=ROOT / "intake_lambda",
            env={**os.environ, "AWS_DEFAULT_REGION": "eu-west-3"},
            check=True,
            capture_output=True,
        )
    return set(zipfile.ZipFile(out / "deployment.zip").namelist())


def test_first_party_python_files_are_exactly_the_intake_core(zip_names: set[str]) -> None:
    core = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "vigie" / "core").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    ours = {n for n in zip_names if n.endswith(".py") and n.split("/")[0] in ("app.py", "vigie")}
    assert ours == {"app.py", "vigie/__init__.py", *core}


def test_only_the_pinned_runtime_dependencies_ride_along(zip_names: set[str]) -> None:
    tops = {n.split("/")[0] for n in zip_names if not n.split("/")[0].endswith(".dist-info")}
    # chalice/ is Chalice's own small runtime, which it adds to every package;
    # nacl (and its cffi) signs the tips the intake stores; PIL re-encodes no-JS
    # photos and python_multipart frames the no-JS form (multipart/ is its
    # old import name, shipped in the same wheel).
    assert tops == {
        "app.py", "vigie", "chalice", "altcha", "pyrage", "nacl", "cffi", "pycparser",
        "_cffi_backend.cpython-311-x86_64-linux-gnu.so", "PIL", "python_multipart",
        "multipart",
    }  # fmt: skip


def test_nothing_that_decrypts_or_reads_tips_is_shipped(zip_names: set[str]) -> None:
    for forbidden in ("vigie/inbox/", "vigie/campaign/", "vigie/site/", "vigie/desk/", "hooks/"):
        assert not any(n.startswith(forbidden) for n in zip_names), forbidden
    vendored = ROOT / "intake_lambda" / "vendor" / "vigie" / "core"
    for path in vendored.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "pyrage.decrypt" not in text and "Identity" not in text, path


def test_one_chalice_package_at_a_time_in_a_checkout() -> None:
    """Chalice writes its shared package cache in place: two packagers at once
    (two deploys, or two test workers) corrupted both zips. The second waits."""
    import time

    from vigie.deploy.build import package_lock

    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nfrom vigie.deploy.build import package_lock\n"
         "with package_lock():\n    print('held', flush=True)\n    time.sleep(1.5)\n"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    started = time.monotonic()
    with package_lock():
        waited = time.monotonic() - started
    holder.wait(timeout=30)
    assert waited > 0.5, waited
