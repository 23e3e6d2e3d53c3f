"""MkDocs hook: expose the Vigie configuration to pages and templates.

`on_config` fills `config.extra["vigie"]` (see `vigie.site.values.site_values`).
`vigie site build` passes the already-loaded Config in; a plain `mkdocs build`
loads `vigie.toml` here, at build time (never at import time), the same way the
CLI does (`$VIGIE_CONFIG`, else ./vigie.toml).

`on_page_markdown` replaces `{{ vigie.emergency.police }}`-style placeholders in
the Markdown, so the content never hard-codes a number or a URL that the
deployment owns. An unknown placeholder fails the build: a typo must not ship a
page with a blank where the emergency number should be. `{{ vigie.words.KEY }}`
is the `[ui]` word KEY of `i18n/<lang>.toml` in the language being built, so
a sentence two pages share (the history advice on the home page and the form)
has one owner per language.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

_PLACEHOLDER = re.compile(r"\{\{\s*vigie\.([A-Za-z0-9_.]+)\s*\}\}")


def on_config(config: Any) -> Any:
    if not config.extra.get("vigie"):
        from vigie.core.config import load_config
        from vigie.site.values import site_values

        config.extra["vigie"] = site_values(load_config(None, os.environ))
    _check_languages(config)
    return config


def _check_languages(config: Any) -> None:
    """The i18n plugin must build exactly the reporter languages (one owner: the envelope)."""
    from vigie.site.i18n import TextsError, check_site_languages, missing_translations

    i18n = config.plugins.get("i18n")
    locales = [lang.locale for lang in i18n.config.languages] if i18n is not None else []
    try:
        check_site_languages(locales)
    except TextsError as exc:
        raise PluginError(str(exc)) from None
    # mkdocs-static-i18n would show the French page under /en/ when a translation
    # is missing (its fallback also serves the shared assets): refuse instead.
    missing = missing_translations(Path(config.docs_dir))
    if missing:
        raise PluginError(f"pages without a translation: {', '.join(missing)}")


def lookup(values: dict[str, Any], dotted: str) -> Any:
    """`emergency.police` -> values["emergency"]["police"]; KeyError if absent."""
    node: Any = values
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(dotted)
        node = node[part]
    return node


def substitute(text: str, values: dict[str, Any], where: str) -> str:
    """Replace every `{{ vigie.KEY }}` in `text`; PluginError names `where` on a bad key."""

    def replace(match: re.Match[str]) -> str:
        try:
            value = lookup(values, match.group(1))
        except KeyError:
            raise PluginError(f"{where}: unknown placeholder {match.group(0)!r}") from None
        if isinstance(value, (dict, list)):
            raise PluginError(f"{where}: {match.group(0)!r} is not a single value")
        return html.escape(str(value), quote=True)

    return _PLACEHOLDER.sub(replace, text)


@event_priority(-110)
def on_nav(nav: Any, config: Any, files: Any) -> Any:
    """Menu titles may use placeholders too ("appelez le {{ vigie.emergency.police }}").

    Runs after mkdocs-static-i18n's nav_translations (priority -100), whose keys
    are the French titles as written in mkdocs.yml, placeholders included.
    """
    values = config.extra["vigie"]

    def walk(items: list[Any]) -> None:
        for item in items:
            if isinstance(getattr(item, "title", None), str):
                item.title = substitute(item.title, values, "mkdocs.yml nav")
            walk(getattr(item, "children", None) or [])

    walk(nav.items)
    return nav


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    values = config.extra["vigie"]
    # mkdocs-static-i18n builds one language at a time and sets the theme's
    # language for it (the templates read the same key).
    words = values["ui"][config.theme["language"]]
    return substitute(markdown, {**values, "words": words}, page.file.src_uri)
