"""Supply-chain checks: pinned and hashed dependencies, then vulnerability audits.

1. Offline, always enforced: every Python dependency in requirements.lock is
   pinned (==) with sha256 hashes, and so are the Lambda's
   intake_lambda/requirements.txt (which must be exactly what
   tools/lambda_requirements.py cuts from the lock) and the uv bootstrap
   (tools/bootstrap-requirements.txt, the only thing the Makefile installs
   before the lock, always with --require-hashes); every npm package in the
   committed lockfiles carries an sha512 integrity hash.
2. Online: `pip-audit` over requirements.lock and `npm audit` over each npm
   lockfile, failing on any advisory not accepted in audit-allowlist.toml.
   When the vulnerability services cannot be reached (a closed network), the
   run says so loudly; `--require-online` turns that into a failure (use it in
   a CI that has the network).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
LAMBDA_REQUIREMENTS = ROOT / "intake_lambda" / "requirements.txt"
BOOTSTRAP = ROOT / "tools" / "bootstrap-requirements.txt"
MAKEFILE = ROOT / "Makefile"
NPM_LOCKS = [ROOT / "tools/bundle/package-lock.json", ROOT / "tests/js/package-lock.json"]
ALLOWLIST = ROOT / "audit-allowlist.toml"


def check_python_lock(text: str, label: str = "requirements.lock") -> list[str]:
    """Problems in a pip-compile lock: unpinned or unhashed requirements."""
    problems = []
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        line = block.strip().splitlines()[0] if block.strip() else ""
        if not line or line.startswith(("#", "-")):
            continue
        name = line.split()[0]
        if "==" not in name:
            problems.append(f"{label}: {name} is not pinned with ==")
        if "--hash=sha256:" not in block:
            problems.append(f"{label}: {name} has no sha256 hash")
    return problems


def check_lambda_requirements(text: str, lock_text: str) -> list[str]:
    """The Lambda's requirements: hashed, and exactly what the lock says."""
    lambda_requirements = _load_tool("lambda_requirements")
    label = "intake_lambda/requirements.txt"
    problems = check_python_lock(text, label)
    if not problems and text != lambda_requirements.render(lock_text):
        problems.append(f"{label}: out of step with requirements.lock (run make lock)")
    return problems


def check_bootstrap(text: str, makefile: str) -> list[str]:
    """The uv bootstrap: one hashed pin, and the Makefile installs uv no other way."""
    label = "tools/bootstrap-requirements.txt"
    problems = check_python_lock(text, label)
    if not re.search(r"^uv==", text, re.MULTILINE):
        problems.append(f"{label}: no uv== pin")
    for line in makefile.splitlines():
        local = line.rstrip().endswith("--no-deps -e .")  # the project itself, from here
        if "pip install" in line and "--require-hashes" not in line and not local:
            problems.append(f"Makefile: pip install without --require-hashes: {line.strip()}")
    return problems


def _load_tool(name: str) -> ModuleType:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        f"vigie_tools_{name}", ROOT / "tools" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_npm_lock(path: Path) -> list[str]:
    data = json.loads(path.read_text())
    problems = []
    for name, meta in data.get("packages", {}).items():
        if (
            name
            and not meta.get("link")
            and not str(meta.get("integrity", "")).startswith("sha512-")
        ):
            problems.append(f"{path.relative_to(ROOT)}: {name} has no sha512 integrity")
    return problems


def allowed() -> tuple[set[str], set[str]]:
    data = tomllib.loads(ALLOWLIST.read_text())
    return {e["id"] for e in data.get("pip", [])}, {e["id"] for e in data.get("npm", [])}


def pip_audit(ignore: set[str]) -> tuple[bool, list[str]]:
    """(reachable, advisories not allowed)."""
    cmd = [
        str(Path(sys.executable).parent / "pip-audit"),
        "-r",
        str(LOCK),
        "--disable-pip",
        "--no-deps",
        "--require-hashes",
        "-s",
        "pypi",
        "-f",
        "json",
        "--progress-spinner",
        "off",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    try:
        report = json.loads(out.stdout)
    except json.JSONDecodeError:
        return False, []
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    if not audited:
        return False, []
    found = [
        f"{d['name']} {d['version']}: {v['id']}"
        for d in audited
        for v in d.get("vulns", [])
        if v["id"] not in ignore and not set(v.get("aliases", [])) & ignore
    ]
    return True, found


def npm_audit(lock: Path, ignore: set[str]) -> tuple[bool, list[str]]:
    out = subprocess.run(
        ["npm", "audit", "--json", "--package-lock-only"],
        cwd=lock.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        report = json.loads(out.stdout)
    except json.JSONDecodeError:
        return False, []
    if "vulnerabilities" not in report:
        return False, []
    found = []
    for name, vuln in report["vulnerabilities"].items():
        ids = {
            str(v.get("url", "")).rsplit("/", 1)[-1]
            for v in vuln.get("via", [])
            if isinstance(v, dict)
        }
        if not ids or not ids <= ignore:
            found.append(f"{lock.parent.name}: {name} ({vuln.get('severity')})")
    return True, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--require-online",
        action="store_true",
        help="fail when a vulnerability service cannot be reached",
    )
    parser.add_argument("--offline", action="store_true", help="only the lockfile checks")
    args = parser.parse_args(argv)
    problems = check_python_lock(LOCK.read_text())
    problems += check_lambda_requirements(LAMBDA_REQUIREMENTS.read_text(), LOCK.read_text())
    problems += check_bootstrap(BOOTSTRAP.read_text(), MAKEFILE.read_text())
    for lock in NPM_LOCKS:
        if lock.exists():
            problems += check_npm_lock(lock)
    unreachable = []
    if not args.offline:
        pip_ignore, npm_ignore = allowed()
        reachable, found = pip_audit(pip_ignore)
        problems += found
        if not reachable:
            unreachable.append("pip-audit (PyPI vulnerability data)")
        for lock in NPM_LOCKS:
            if lock.exists():
                reachable, found = npm_audit(lock, npm_ignore)
                problems += found
                if not reachable:
                    unreachable.append(f"npm audit ({lock.parent.name})")
    for problem in problems:
        print(f"audit: {problem}")
    for name in unreachable:
        print(f"audit: NOT AUDITED, service unreachable from this machine: {name}")
    if problems or (unreachable and args.require_online):
        return 1
    print(
        "audit: lockfiles pinned and hashed"
        + ("; no unaccepted advisory" if not unreachable and not args.offline else "")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
