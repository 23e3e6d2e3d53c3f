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
