"""MkDocs hook: write the subset Atkinson Hyperlegible fonts into the built site.

The fonts are generated at build time from the PyPI font package (see
`vigie.site.fonts`); `assets/vigie.css` declares them with @font-face.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def on_post_build(config: Any) -> None:
    from vigie.site.fonts import write_fonts

    root = Path(config.config_file_path).parent
    cache = root / "build" / ".cache" / "fonts"
    write_fonts(Path(config.site_dir) / "assets" / "fonts", cache_dir=cache)
