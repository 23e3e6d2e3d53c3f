"""Build the awareness site with MkDocs, programmatically, from a Vigie Config.

`build_site(cfg)` loads `mkdocs.yml` (from the checkout or the wheel, see
`vigie.resources`), puts the site values
(`vigie.site.values.site_values`) into `config.extra["vigie"]` before any hook
runs, and builds into `build/site` (or `out_dir`). With `strict=True` (the
default) any MkDocs warning (broken link, missing page, unknown placeholder)
fails the build with `SiteBuildError` listing the warnings.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from vigie.core.config import Config, ConfigError
from vigie.resources import mkdocs_yml, source_root
from vigie.site.i18n import TextsError
from vigie.site.values import site_values

# The site sources: a checkout's top level, or the copy a wheel carries
# (vigie.resources); the output goes to ./build/site by default.
PROJECT_ROOT = source_root()
MKDOCS_YML = mkdocs_yml()
DEFAULT_OUT = Path("build") / "site"


class SiteBuildError(Exception):
    """The site did not build; the message lists MkDocs' warnings or errors."""


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build_site(cfg: Config, out_dir: Path | None = None, strict: bool = True) -> Path:
    """Build the site for this deployment and return the output directory."""
    # Material prints a banner about MkDocs 2.0 on every build unless told not to.
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config as load_mkdocs_config
    from mkdocs.exceptions import MkDocsException

    out = Path(out_dir) if out_dir is not None else DEFAULT_OUT
    out = out.resolve()
    collector = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collector)
    try:
        config = load_mkdocs_config(config_file=str(MKDOCS_YML), site_dir=str(out), strict=strict)
        # Set before the build so hooks/vigie_config.py does not read vigie.toml again.
        config.extra["vigie"] = site_values(cfg)
        build(config)
    except (TextsError, ConfigError) as exc:
        raise SiteBuildError(f"site build failed: {exc}") from None
    except (MkDocsException, SystemExit) as exc:
        details = "; ".join(collector.messages) or str(exc)
        raise SiteBuildError(f"site build failed: {details}") from None
    finally:
        logger.removeHandler(collector)
    return out
