"""Supply chain: every dependency pinned and hashed (tools/audit.py's offline checks)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.modules import load_module

ROOT = Path(__file__).resolve().parent.parent
audit = load_module(ROOT / "tools" / "audit.py", "vigie_tools_audit")


def test_python_lock_is_pinned_and_hashed() -> None:
    assert audit.check_python_lock(audit.LOCK.read_text()) == []


def test_python_lock_check_catches_unhashed_and_unpinned() -> None:
    text = "chalice==1.34.0 \\\n    --hash=sha256:abc\nboto3==1.0\nrequests>=2\n"
    problems = audit.check_python_lock(text)
    assert "requirements.lock: boto3==1.0 has no sha256 hash" in problems
    assert any("requests>=2 is not pinned" in p for p in problems)
    assert not any("chalice" in p for p in problems)


def test_npm_locks_carry_integrity(tmp_path: Path) -> None:
    locks = [lock for lock in audit.NPM_LOCKS if lock.exists()]
    assert locks, "the committed npm lockfiles are missing"
    for lock in locks:
        assert audit.check_npm_lock(lock) == []
    bad = ROOT / "tools" / "bundle" / "bad-lock.json"
    try:
        bad.write_text(json.dumps({"packages": {"": {}, "node_modules/x": {"version": "1"}}}))
        assert audit.check_npm_lock(bad) == [
            "tools/bundle/bad-lock.json: node_modules/x has no sha512 integrity"
        ]
    finally:
        bad.unlink()


def test_allowlist_entries_have_reasons() -> None:
    import tomllib

    data = tomllib.loads(audit.ALLOWLIST.read_text())
    for entry in data.get("pip", []) + data.get("npm", []):
        assert entry.get("id") and entry.get("reason") and entry.get("until"), entry


def test_lambda_requirements_are_hashed_and_cut_from_the_lock() -> None:
    """Security review finding 12: the Lambda's own dependencies are hash-pinned too."""
    text = audit.LAMBDA_REQUIREMENTS.read_text()
    assert audit.check_lambda_requirements(text, audit.LOCK.read_text()) == []
    names = [line.split("==")[0] for line in text.splitlines() if "==" in line]
    assert names == [
        "altcha",
        "cffi",
        "pillow",
        "pycparser",
        "pynacl",
        "pyrage",
        "python-multipart",
    ]
    assert text.count("--hash=sha256:") > len(names)  # every wheel, Lambda's platform included


def test_lambda_requirements_check_catches_drift_and_missing_hashes() -> None:
    lock = audit.LOCK.read_text()
    good = audit.LAMBDA_REQUIREMENTS.read_text()
    unhashed = "altcha==2.3.0\npillow==13.0.0\n"
    assert "intake_lambda/requirements.txt: altcha==2.3.0 has no sha256 hash" in (
        audit.check_lambda_requirements(unhashed, lock)
    )
    drifted = good.replace("pyrage==1.4.0", "pyrage==1.3.0")
    assert audit.check_lambda_requirements(drifted, lock) == [
        "intake_lambda/requirements.txt: out of step with requirements.lock (run make lock)"
    ]


def test_uv_bootstrap_is_hash_pinned() -> None:
    text = audit.BOOTSTRAP.read_text()
    makefile = audit.MAKEFILE.read_text()
    assert audit.check_bootstrap(text, makefile) == []
    assert "uv==0.13.8 \\" in text
    assert "--require-hashes -r $(BOOTSTRAP)" in makefile
    # The old, unhashed bootstrap is caught.
    old = makefile + "\n\t$(BIN)/python -m pip install -q uv==0.13.8\n"
    assert audit.check_bootstrap(text, old) == [
        "Makefile: pip install without --require-hashes: $(BIN)/python -m pip install -q uv==0.13.8"
    ]
    assert audit.check_bootstrap("uv==0.13.8\n", makefile) == [
        "tools/bootstrap-requirements.txt: uv==0.13.8 has no sha256 hash"
    ]
