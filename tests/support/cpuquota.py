"""A slow phone's CPU for the browser: a real CPU quota (cgroup), not DevTools throttling.

DevTools' `Emulation.setCPUThrottlingRate` slows a page's main thread only: a
Web Worker (the proof-of-work) runs at full speed under it, so measuring the
worker that way would flatter the phone. Here the browser's processes run in
a cgroup whose CFS quota is a fraction of one core (¼ by default: a
mid-range phone against this machine's core), which reaches every thread.

Used by bench scripts (bench/form.py): once the browser is up, its processes
(found by a marker in their command line) and all their descendants move into
the group, so every renderer and worker forked later is born there; the group
is removed when the browser has exited. Needs a writable cgroup v1 `cpu` hierarchy or a
cgroup v2 one with the `cpu` controller (root in this sandbox); `available()`
says whether it is there, and the bench prints why a row is missing if not.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

_V1 = Path("/sys/fs/cgroup/cpu")
_V2 = Path("/sys/fs/cgroup")
PERIOD_US = 100_000


def _root() -> tuple[Path, int] | None:
    if (_V1 / "cpu.cfs_quota_us").exists() and os.access(_V1, os.W_OK):
        return _V1, 1
    controllers = _V2 / "cgroup.controllers"
    if (
        controllers.exists()
        and "cpu" in controllers.read_text().split()
        and os.access(_V2, os.W_OK)
    ):
        return _V2, 2
    return None


def available() -> bool:
    return _root() is not None


@contextlib.contextmanager
def cpu_quota(fraction: float) -> Iterator[Path]:
    """Processes started inside this block run on at most `fraction` of one core."""
    found = _root()
    if found is None:
        raise OSError("no writable cgroup cpu controller")
    root, version = found
    group = root / f"vigie-bench-{secrets.token_hex(4)}"
    group.mkdir()
    quota = max(1000, int(PERIOD_US * fraction))
    if version == 1:
        (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
        (group / "cpu.cfs_quota_us").write_text(str(quota))
    else:
        (group / "cpu.max").write_text(f"{quota} {PERIOD_US}")
    try:
        yield group
    finally:
        leftover = [p for p in (group / "cgroup.procs").read_text().split() if p]
        for pid in leftover:  # whatever is still running goes back to the root group
            with contextlib.suppress(OSError):
                (root / "cgroup.procs").write_text(pid)
        with contextlib.suppress(OSError):
            group.rmdir()


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # after "(comm)": state, ppid
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def move_tree(group: Path, marker: str) -> int:
    """Move every process whose command line holds `marker`, and all its descendants.

    For a browser a driver already running has started (Playwright): its
    processes, zygotes included, go into the group, so renderers and their
    workers forked later are born there. Returns how many processes moved.
    """
    roots = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    roots.append(int(entry.name))
            except OSError:
                continue
    tree, seen, todo = _children(), set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        todo.extend(tree.get(pid, []))
    for pid in seen:
        with contextlib.suppress(OSError):  # a process that has just exited
            (group / "cgroup.procs").write_text(str(pid))
    return len(seen)
