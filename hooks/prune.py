"""MkDocs hook: remove Material's JavaScript from the built site.

The page template never loads Material's bundle or its search worker (see
overrides/main.html), but the theme copies them into the output anyway. Shipping
code that no page uses only widens what a compromised or misconfigured host
could serve, so the published site leaves it out, with the source maps.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any


def on_post_build(config: Any) -> None:
    assets = Path(config.site_dir) / "assets"
    shutil.rmtree(assets / "javascripts", ignore_errors=True)
    for source_map in (assets / "stylesheets").glob("*.map"):
        source_map.unlink()
