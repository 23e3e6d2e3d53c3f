"""MkDocs hook: the short per-code form pages (`/s/CODE/`, `/en/s/CODE/`...).

For each code of the campaigns listed in vigie.toml (`site_values`'s
`code_pages`, see vigie.site.percode), the form page of the code's language is
copied with the code in its hidden `campaign` field. The copies are added after
mkdocs-static-i18n has sorted the files of the language being built (priority
-110 < its -100), at `<prefix>s/<CODE>/`, as `signaler/code-<CODE>.md` so the
form's relative links resolve as on the form itself; hooks/form_page.py then
treats them as form pages (categories, settings, integrity).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

FORM_FOLDER = "signaler"


def _source(docs_dir: str, lang: str) -> str:
    name = "index.md" if lang == "fr" else f"index.{lang}.md"
    return (Path(docs_dir) / FORM_FOLDER / name).read_text(encoding="utf-8")


@event_priority(-110)
def on_files(files: Any, config: Any) -> Any:
    from vigie.core.i18n import lang_prefix
    from vigie.site.i18n import CODE_PAGE_PREFIX
    from vigie.site.percode import code_markdown

    lang = config.theme["language"]
    for entry in config.extra["vigie"].get("code_pages", []):
        if entry["lang"] != lang:
            continue
        clean = f"{lang_prefix(lang)}{FORM_FOLDER}/"
        try:
            text = code_markdown(_source(config.docs_dir, lang), entry["code"], clean)
        except (OSError, ValueError) as exc:
            raise PluginError(f"per-code page {entry['path']}: {exc}") from None
        page = File.generated(
            config, f"{FORM_FOLDER}/{CODE_PAGE_PREFIX}{entry['code']}.md", content=text
        )
        page.dest_uri = entry["path"] + "index.html"
        page.url = entry["path"]
        files.append(page)
    return files


@event_priority(40)
def on_page_context(context: Any, page: Any, config: Any, nav: Any) -> Any:
    """The language links of a per-code page lead to the plain form in each language."""
    if page.meta.get("vigie_campaign") and config.extra.get("alternate"):
        from vigie.core.i18n import lang_prefix

        for alt in config.extra["alternate"]:
            alt["link"] = lang_prefix(alt["lang"]) + f"{FORM_FOLDER}/"  # from the site root
    return context
