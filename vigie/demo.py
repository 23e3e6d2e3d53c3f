"""Demo analyst key for `make run`: generated on first run, clearly marked, git-ignored.

The demo identity is a real age key kept unencrypted in `.vigie/demo/` so a
newcomer can submit a tip and read it back at once. It is never a production
key: `vigie serve --demo` only uses it when `[analysts] recipients` is empty.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyrage

DEMO_DIR = Path(".vigie/demo")
DEMO_IDENTITY = DEMO_DIR / "analyst-DEMO.key"


def demo_public_key(path: Path = DEMO_IDENTITY) -> str | None:
    """The demo key's public key if the demo key exists, else None (nothing is created)."""
    try:
        return _public_key(path)
    except (OSError, ValueError):
        return None  # no demo key (or a damaged one): the demo hint is not given


def _public_key(path: Path) -> str:
    for line in path.read_text().splitlines():
        if line.startswith("AGE-SECRET-KEY-"):
            return str(pyrage.x25519.Identity.from_str(line).to_public())
    raise ValueError(f"{path}: no age identity inside")


def ensure_demo_identity(path: Path = DEMO_IDENTITY) -> str:
    """Create the demo identity if missing; return its public key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        identity = pyrage.x25519.Identity.generate()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(
                "# DEMO KEY for `make run` only: never use it for real tips.\n"
                f"# public key: {identity.to_public()}\n{identity}\n"
            )
    return _public_key(path)
