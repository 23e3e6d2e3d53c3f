"""Fill `intake_lambda/vendor/` with the core, under its real name, for Chalice.

Chalice copies `vendor/` into the deployment package as it is (its documented
way to ship shared code), so the Lambda imports `vigie.core` exactly as the
CLI does. Only the core goes in, under a bare `vigie/__init__.py`: never the
inbox, the campaign generator, the site build or anything that decrypts
(`tests/test_lambda_package.py` pins the zip's file list). The folder is
git-ignored and rebuilt from scratch each time, so a stale module can never
ride along.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from vigie.resources import source_root

CORE = Path(__file__).resolve().parent / "core"

_INIT = '"""Vigie, as vendored into the intake Lambda: only `vigie.core`."""\n'


def vendor_core(dest: Path | None = None) -> Path:
    """Copy vigie/core into DEST (default: intake_lambda/vendor) and return DEST."""
    target = dest if dest is not None else source_root() / "intake_lambda" / "vendor"
    if target.exists():
        shutil.rmtree(target)
    package = target / "vigie"
    shutil.copytree(CORE, package / "core", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (package / "__init__.py").write_text(_INIT, encoding="utf-8")
    return target


if __name__ == "__main__":  # `python -m vigie.lambdapkg` (make vendor)
    print(vendor_core())
