"""Write intake_lambda/requirements.txt from requirements.lock: same pins, same hashes.

The Lambda ships only what the intake imports at run time (boto3 comes with
the runtime). Its requirements are cut from the project's lock, so the two
can never disagree, and every line carries the lock's sha256 hashes: Chalice's
packager hands the file to `pip download`, which then refuses any download
whose hash is not listed. `tools/audit.py` checks the committed file is what
this script writes (`make lock` runs it).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
TARGET = ROOT / "intake_lambda" / "requirements.txt"
# What the Lambda imports besides the standard library and the runtime's boto3.
LAMBDA_PACKAGES = ("altcha", "cffi", "pillow", "pycparser", "pynacl", "pyrage", "python-multipart")
HEADER = (
    "# What the Lambda needs besides the runtime's own boto3 (kept out: smaller package).\n"
    "# Generated from requirements.lock by tools/lambda_requirements.py (make lock):\n"
    "# pinned with every sha256 hash of the lock; do not edit by hand.\n"
)


def lock_blocks(text: str) -> dict[str, str]:
    """Each requirement block of a uv/pip-compile lock, by normalised package name."""
    blocks: dict[str, str] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        first = block.strip().splitlines()[0] if block.strip() else ""
        if not first or first.startswith(("#", "-")):
            continue
        name = re.split(r"[=<>!~ \[;]", first, maxsplit=1)[0]
        lines = [line for line in block.rstrip().splitlines() if not line.strip().startswith("#")]
        blocks[re.sub(r"[-_.]+", "-", name).lower()] = "\n".join(lines).rstrip(" \\") + "\n"
    return blocks


def render(lock_text: str) -> str:
    blocks = lock_blocks(lock_text)
    missing = [name for name in LAMBDA_PACKAGES if name not in blocks]
    if missing:
        raise SystemExit(f"requirements.lock has no {', '.join(missing)}")
    return HEADER + "".join(blocks[name] for name in LAMBDA_PACKAGES)


def main() -> int:
    TARGET.write_text(render(LOCK.read_text()))
    print(f"wrote {TARGET.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
