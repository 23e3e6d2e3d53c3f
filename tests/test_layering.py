"""Import rules between Vigie's packages (issue 9): thin entry points, no cycles through the CLI.

`vigie/cli.py` is the top of the tree: it imports every command's module, so a
command module importing it back would make a cycle and drag every command in
at once. The Lambda's core must not import anything else of Vigie (it ships
alone, vendored).
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

VIGIE = Path(__file__).resolve().parent.parent / "vigie"


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved (`from ..cli import x`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts = path.relative_to(VIGIE.parent).with_suffix("").parts
    package = ".".join(parts if path.name == "__init__.py" else parts[:-1])
    package = package.removesuffix(".__init__")
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                module = importlib.util.resolve_name("." * node.level + module, package)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_relative_imports_are_resolved() -> None:
    """The check must see `from ..cli import main` as an import of vigie.cli."""
    assert "vigie.core.http" in _imports(VIGIE / "core" / "pages.py")


def test_no_module_imports_the_cli_back() -> None:
    offenders = [
        str(path.relative_to(VIGIE))
        for path in VIGIE.rglob("*.py")
        if path.name not in ("cli.py", "__main__.py") or path.parent != VIGIE
        if "vigie.cli" in _imports(path)
    ]
    assert offenders == []


def test_the_core_imports_nothing_else_of_vigie() -> None:
    offenders = {
        str(path.relative_to(VIGIE)): sorted(
            name for name in _imports(path)
            if name.startswith("vigie.") and not name.startswith("vigie.core")
        )
        for path in (VIGIE / "core").rglob("*.py")
    }  # fmt: skip
    assert {k: v for k, v in offenders.items() if v} == {}
