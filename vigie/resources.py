"""Where Vigie's non-Python sources are: a checkout, or the installed wheel.

The site sources (`mkdocs.yml`, `site/`, `overrides/`, `hooks/`), the intake's
Chalice entry point (`intake_lambda/app.py`) and the example campaign live at
the top of the repository, as the design card lays them out. A wheel carries
a copy of the same tree under `vigie/_data/` (copied by `setup.py` at build
time), so an installed `vigie` works from any folder. This module is the one
place that knows which of the two is in use; nothing touches `sys.path`.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

_PACKAGE = Path(__file__).resolve().parent

#: Top-level paths a wheel carries under vigie/_data (setup.py reads this list).
DATA_PATHS: tuple[str, ...] = (
    "mkdocs.yml",
    "site",
    "overrides",
    "hooks",
    "i18n",
    "intake_lambda/app.py",
    "intake_lambda/openapi.yaml",
    "campaign/examples",
)


@cache
def source_root() -> Path:
    """The folder holding `mkdocs.yml`, `site/`, `hooks/`, `intake_lambda/app.py`."""
    packaged = _PACKAGE / "_data"
    if (packaged / "mkdocs.yml").is_file():
        return packaged
    checkout = _PACKAGE.parent
    if (checkout / "mkdocs.yml").is_file():
        return checkout
    raise FileNotFoundError(
        f"Vigie's site sources are missing (looked in {packaged} and {checkout})"
    )


def mkdocs_yml() -> Path:
    return source_root() / "mkdocs.yml"


def intake_app_file() -> Path:
    return source_root() / "intake_lambda" / "app.py"


def example_campaign() -> Path:
    return source_root() / "campaign" / "examples" / "besancon.toml"


# A stable, package-private module name: `app` would collide with any other
# project's top-level `app` module in the same interpreter.
_APP_MODULE = "vigie._intake_app"


def load_intake_app() -> ModuleType:
    """Import the Chalice app (intake_lambda/app.py) by path, once per process."""
    if _APP_MODULE in sys.modules:
        return sys.modules[_APP_MODULE]
    spec = importlib.util.spec_from_file_location(_APP_MODULE, intake_app_file())
    if spec is None or spec.loader is None:  # pragma: no cover - a broken install
        raise ImportError(f"cannot load {intake_app_file()}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[_APP_MODULE] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[_APP_MODULE]
        raise
    return module
