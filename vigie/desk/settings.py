"""The desk's one local setting: which identity file(s) to offer at unlock.

Stored as paths only (never the key, never the passphrase) in
`.vigie/desk.json`, which is git-ignored with the rest of `.vigie/`. The file
is created 0600 and replaced atomically; a damaged file is simply ignored.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

DEFAULT_SETTINGS = Path(".vigie/desk.json")


def load_identity_paths(path: Path) -> tuple[Path, ...]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    paths = data.get("identity_files") if isinstance(data, dict) else None
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        return ()
    return tuple(Path(p) for p in paths)


def save_identity_paths(path: Path, identity_files: Sequence[Path]) -> None:
    """Remember absolute paths, so the desk finds them from any folder."""
    data = {"identity_files": [str(p.expanduser().absolute()) for p in identity_files]}
    with contextlib.suppress(OSError):  # a read-only folder only costs the reminder
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def split_paths(text: str) -> tuple[Path, ...]:
    """Several paths in one field, separated like $VIGIE_IDENTITY (os.pathsep)."""
    return tuple(Path(p.strip()).expanduser() for p in text.split(os.pathsep) if p.strip())


def join_paths(paths: Sequence[Path]) -> str:
    return os.pathsep.join(str(p) for p in paths)
