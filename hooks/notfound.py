"""MkDocs hook: one 404 page per language, French at the site's root.

mkdocs-static-i18n builds each language in turn into the same site directory,
and MkDocs writes the theme's `404.html` at its root every time: the last
language built (Arabic, right to left) was what every missing address showed
(upstream issue ultrabug/mkdocs-static-i18n#284). Here the default language's
page stays at `/404.html` (what CloudFront and `vigie serve` answer for any
missing address) and each other language's page goes to `/<lang>/404.html`
(`vigie serve` answers it for a missing address under `/<lang>/`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vigie.core.i18n import lang_prefix


def on_post_template(output: str, template_name: str, config: Any) -> str:
    if template_name != "404.html":
        return output
    prefix = lang_prefix(config.theme["language"])
    if not prefix:
        return output
    target = Path(config.site_dir) / prefix / "404.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(output, encoding="utf-8")
    # Empty output: MkDocs writes nothing at the root for this language.
    return ""
