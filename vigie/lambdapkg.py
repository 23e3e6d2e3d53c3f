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

import os
import secrets
import shutil
import tempfile
from pathlib import Path

from vigie.resources import source_root

CORE = Path(__file__).resolve().parent / "core"

_INIT = '"""Vigie, as vendored into the intake Lambda: only `vigie.core`."""\n'


def vendor_core(dest: Path | None = None) -> Path:
    """Copy vigie/core into DEST (default: intake_lambda/vendor) and return DEST.

    Built beside DEST and swapped in by rename, so a packager reading DEST
    (or a second build running at the same time) never sees half a tree.
    """
    target = dest if dest is not None else source_root() / "intake_lambda" / "vendor"
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=".vendor-new-", dir=target.parent))
    package = fresh / "vigie"
    shutil.copytree(CORE, package / "core", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (package / "__init__.py").write_text(_INIT, encoding="utf-8")
    fresh.chmod(0o755)
    for _ in range(5):
        old = target.parent / f".vendor-old-{secrets.token_hex(6)}"
        try:
            if target.exists():
                os.rename(target, old)
            os.rename(fresh, target)
        except OSError:
            continue  # another build swapped at the same moment: try again
        finally:
            shutil.rmtree(old, ignore_errors=True)
        return target
    shutil.rmtree(fresh, ignore_errors=True)
    raise OSError(f"could not replace {target}")


if __name__ == "__main__":  # `python -m vigie.lambdapkg` (make vendor)
    print(vendor_core())
