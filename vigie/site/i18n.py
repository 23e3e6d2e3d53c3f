"""The site's interface words per language (`i18n/<lang>.toml`), checked at build time.

The page texts are Markdown files (`site/page.md`, `page.en.md`, `page.ar.md`,
mkdocs-static-i18n's suffix structure); the few words the templates and the
form's scripts need (emergency banner, quick exit, footer, form statuses and
errors) are in one TOML file per language, next to each other so a translator
or reviewer sees every string. French is the reference: a language file with a
missing or extra key, or a `{placeholder}` the French text does not have, fails
the build instead of shipping a blank or a French word on an Arabic page.

The languages are `vigie.core.i18n`'s (the envelope's list): the site build
also checks that mkdocs.yml builds exactly those (`check_site_languages`).
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from vigie.core.i18n import CATEGORY_LABELS, DEFAULT_LANG, LANGS, direction, lang_prefix
from vigie.resources import source_root
from vigie.site.fonts import uncovered

SECTIONS = ("ui", "form")
_FIELD = re.compile(r"\{([a-z_]+)\}")


class TextsError(ValueError):
    """A language file is missing, malformed or out of step with French."""


def _load(lang: str) -> dict[str, dict[str, str]]:
    path = source_root() / "i18n" / f"{lang}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TextsError(f"{path}: {exc}") from None
    out: dict[str, dict[str, str]] = {}
    for section in SECTIONS:
        table = data.get(section)
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise TextsError(f"{path}: [{section}] must be a table of strings")
        out[section] = dict(table)
    return out


@cache
def all_texts() -> dict[str, dict[str, dict[str, str]]]:
    """{lang: {"ui": {...}, "form": {...}}}, every language checked against French."""
    texts = {lang: _load(lang) for lang in LANGS}
    reference = texts[DEFAULT_LANG]
    for lang, sections in texts.items():
        for section in SECTIONS:
            ref, got = reference[section], sections[section]
            where = f"i18n/{lang}.toml [{section}]"
            if set(ref) != set(got):
                missing, extra = sorted(set(ref) - set(got)), sorted(set(got) - set(ref))
                raise TextsError(f"{where}: missing {missing}, unknown {extra}")
            for key, text in got.items():
                if set(_FIELD.findall(text)) != set(_FIELD.findall(ref[key])):
                    raise TextsError(f"{where} {key}: placeholders differ from the French text")
                # The form's messages are shown by script, after the build's page
                # scan (hooks/fonts.py): check their characters here.
                lacking = uncovered(text)
                if lacking:
                    raise TextsError(f"{where} {key}: no font covers {sorted(lacking)}")
    return texts


def ui_values() -> dict[str, dict[str, Any]]:
    """Per language, what the templates read: the words, `prefix`, `dir`, `lang`."""
    return {
        lang: {**sections["ui"], "lang": lang, "prefix": lang_prefix(lang), "dir": direction(lang)}
        for lang, sections in all_texts().items()
    }


def form_texts(lang: str) -> dict[str, str]:
    """The form scripts' messages in `lang` (baked into the form page)."""
    return dict(all_texts()[lang]["form"])


def category_labels(lang: str) -> dict[str, str]:
    return CATEGORY_LABELS[lang]


def check_site_languages(locales: list[str]) -> None:
    """mkdocs.yml's i18n languages must be exactly vigie.core.i18n's, French first."""
    if tuple(locales) != LANGS:
        raise TextsError(
            f"mkdocs.yml plugins.i18n.languages: expected {list(LANGS)} (vigie.core.envelope.LANGS)"
            f", got {locales}"
        )


def is_form_source(src_uri: str, form_page: str) -> bool:
    """`signaler/index.md`, its translations `signaler/index.<lang>.md`, per-code copies."""
    stem, _, ext = form_page.rpartition(".")
    if src_uri == form_page or any(src_uri == f"{stem}.{lang}.{ext}" for lang in LANGS):
        return True
    folder = form_page.rpartition("/")[0]
    return src_uri.startswith(f"{folder}/{CODE_PAGE_PREFIX}") and src_uri.endswith(".md")


#: Per-code copies of the form are generated as `signaler/code-<CODE>.md` (in the
#: form's folder, so its relative links resolve the same way) and published at
#: `<lang prefix>s/<CODE>/` (hooks/percode.py).
CODE_PAGE_PREFIX = "code-"


def form_page_settings(lang: str, clean_url: str | None) -> dict[str, Any]:
    """What form.js needs beyond form_settings: the language, its words, the clean URL."""
    settings: dict[str, Any] = {"lang": lang, "text": form_texts(lang)}
    if clean_url:
        settings["cleanUrl"] = clean_url
    return settings


def missing_translations(docs_dir: Path) -> list[str]:
    """Pages (`page.md`, French) lacking a `page.<lang>.md` for some language."""
    missing = []
    for page in sorted(docs_dir.rglob("*.md")):
        if any(page.name.endswith(f".{lang}.md") for lang in LANGS):
            continue
        for lang in LANGS[1:]:
            if not page.with_name(f"{page.stem}.{lang}.md").is_file():
                missing.append(str(page.with_name(f"{page.stem}.{lang}.md").relative_to(docs_dir)))
    return missing
