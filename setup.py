"""Build hook: the wheel carries the site sources and the intake's entry point.

Everything else is declared in pyproject.toml. `vigie.resources.DATA_PATHS`
lists what is copied under `vigie/_data/`, so an installed `vigie site build`
or `vigie serve` works outside a checkout (editable installs read the
checkout itself and copy nothing).
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store")


def _data_paths() -> tuple[str, ...]:
    # Read the list without importing vigie (its dependencies are not in the
    # isolated build environment).
    tree = ast.parse((ROOT / "vigie" / "resources.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "DATA_PATHS":
            return tuple(ast.literal_eval(node.value))  # type: ignore[arg-type]
    raise RuntimeError("vigie/resources.py: DATA_PATHS not found")


class BuildPyWithData(build_py):  # type: ignore[misc]  # setuptools has no stubs here
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        dest = Path(self.build_lib) / "vigie" / "_data"
        for rel in _data_paths():
            src, out = ROOT / rel, dest / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, out, ignore=_IGNORE, dirs_exist_ok=True)
            else:
                shutil.copy2(src, out)


setup(cmdclass={"build_py": BuildPyWithData})
