"""MkDocs hook: write the subset fonts into the built site; fail on a missing glyph.

The fonts are generated at build time from the PyPI font packages (see
`vigie.site.fonts`); `assets/vigie.css` declares them with @font-face. Every
page's visible text is checked against the subsets: a character no shipped
face covers (a new accented letter, an Arabic sign) fails the build instead of
showing in a fallback font, or as a box, on someone's phone.
"""

from __future__ import annotations

import html.parser
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError


class _Text(html.parser.HTMLParser):
    """The text a page shows (and its titles/labels), without scripts and styles."""

    SKIP = frozenset({"script", "style", "svg"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "alt", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def on_post_page(output: str, page: Any, config: Any) -> str:
    from vigie.site.fonts import uncovered

    scan = _Text()
    scan.feed(output)
    missing = uncovered("".join(scan.parts))
    if missing:
        shown = ", ".join(f"U+{ord(c):04X} {c!r}" for c in sorted(missing))
        raise PluginError(
            f"{page.file.src_uri}: no font covers {shown} (add it to vigie/site/fonts.py)"
        )
    return output


def on_post_build(config: Any) -> None:
    from vigie.site.fonts import write_fonts

    root = Path(config.config_file_path).parent
    cache = root / "build" / ".cache" / "fonts"
    write_fonts(Path(config.site_dir) / "assets" / "fonts", cache_dir=cache)
