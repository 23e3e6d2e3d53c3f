"""The site's languages at build time: one list, complete translations, covered glyphs.

Built with the real MkDocs and hooks (no browser; see test_site_browser.py for
Chromium). A broken translation must fail the build, never ship a page with a
French word, a blank or a box on an Arabic phone.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.support.modules import load_module
from vigie.core.config import Config, load_config
from vigie.core.envelope import CATEGORIES, LANGS
from vigie.core.i18n import CATEGORY_LABELS, lang_url
from vigie.site import i18n as site_i18n
from vigie.site.build import PROJECT_ROOT, SiteBuildError, build_site
from vigie.site.fonts import uncovered
from vigie.site.percode import code_markdown

PAGES = [p.stem for p in (PROJECT_ROOT / "site").glob("*.md") if p.stem.count(".") == 0]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(Config(), tmp_path_factory.mktemp("i18n") / "out")


def test_every_page_exists_in_every_language_with_lang_dir_and_alternates(site: Path) -> None:
    assert len(PAGES) >= 9
    for page in ["signaler", *PAGES]:
        folder = "" if page == "index" else f"{page}/"
        for lang in LANGS:
            prefix = "" if lang == "fr" else f"{lang}/"
            html = (site / prefix / folder / "index.html").read_text(encoding="utf-8")
            assert f'<html lang="{lang}"' in html, (lang, page)
            assert f'<body dir="{"rtl" if lang == "ar" else "ltr"}"' in html, (lang, page)
            links = re.findall(r'<link rel="alternate" href="([^"]+)" hreflang="([a-z]+)">', html)
            assert [code for _, code in links] == list(LANGS), (lang, page)
            switcher = re.search(r'<nav class="vigie-langs".*?</nav>', html, re.S)
            assert switcher and switcher.group(0).count("<a ") == 3, (lang, page)


def test_every_form_posts_with_its_page_language(site: Path) -> None:
    """Issue 14: the no-JS form's action carries its language (`?lang=`), so a
    refusal sent before the body is read is a page in that language."""
    forms = [p for p in site.rglob("*.html") if 'id="vigie-form"' in p.read_text("utf-8")]
    assert len(forms) >= len(LANGS)
    for path in forms:
        html = path.read_text(encoding="utf-8")
        lang = re.search(r'<html lang="([a-z]+)"', html)
        assert lang, path
        (action,) = re.findall(r'<form id="vigie-form"[^>]*\saction="([^"]*)"', html)
        assert action.endswith(f"/tips/form?lang={lang.group(1)}"), (path, action)


def test_translated_pages_keep_the_facts_and_placeholders_of_the_french_page() -> None:
    """Same emergency numbers, links and deployment values in every language."""
    placeholder = re.compile(r"\{\{\s*vigie\.([a-z_.]+)\s*\}\}")
    for french in (PROJECT_ROOT / "site").rglob("*.md"):
        if french.stem.count(".") or ("signaler" in french.parts and french.stem != "index"):
            continue
        expected = set(placeholder.findall(french.read_text(encoding="utf-8")))
        for lang in LANGS[1:]:
            other = french.with_name(f"{french.stem}.{lang}.md")
            got = set(placeholder.findall(other.read_text(encoding="utf-8")))
            assert got == expected, other
            assert "tel.police" in got or "urgence" not in french.stem, other


def test_a_missing_translation_fails_the_build(tmp_path: Path) -> None:
    docs = tmp_path / "site"
    shutil.copytree(PROJECT_ROOT / "site", docs)
    assert site_i18n.missing_translations(docs) == []
    (docs / "faq.ar.md").unlink()
    assert site_i18n.missing_translations(docs) == ["faq.ar.md"]


def test_interface_words_must_match_french_keys_and_placeholders(monkeypatch: Any) -> None:
    texts = site_i18n.all_texts()
    for lang in LANGS:
        assert set(texts[lang]["ui"]) == set(texts["fr"]["ui"])
        assert set(texts[lang]["form"]) == set(texts["fr"]["form"])
    broken = {lang: {k: dict(v) for k, v in t.items()} for lang, t in texts.items()}
    broken["ar"]["form"]["waiting"] = "الخادم لا يستجيب."  # lost {seconds}
    monkeypatch.setattr(site_i18n, "_load", lambda lang: broken[lang])
    site_i18n.all_texts.cache_clear()
    try:
        with pytest.raises(site_i18n.TextsError, match="waiting: placeholders"):
            site_i18n.all_texts()
        del broken["en"]["ui"]["exit"]
        broken["ar"]["form"]["waiting"] = texts["ar"]["form"]["waiting"]
        with pytest.raises(site_i18n.TextsError, match=r"en\.toml \[ui\]: missing \['exit'\]"):
            site_i18n.all_texts()
        broken["en"]["ui"]["exit"] = texts["en"]["ui"]["exit"]
        broken["ar"]["form"]["sending"] = "جارٍ الإرسال ✓"
        with pytest.raises(site_i18n.TextsError, match="sending: no font covers"):
            site_i18n.all_texts()
    finally:
        site_i18n.all_texts.cache_clear()


def test_site_languages_are_the_envelope_languages() -> None:
    site_i18n.check_site_languages(list(LANGS))
    with pytest.raises(site_i18n.TextsError, match=r"vigie\.core\.envelope\.LANGS"):
        site_i18n.check_site_languages(["fr", "en"])
    mkdocs = (PROJECT_ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.findall(r"- locale: ([a-z]+)", mkdocs) == list(LANGS)


def test_category_labels_exist_in_every_language() -> None:
    assert CATEGORY_LABELS["fr"] == CATEGORIES
    for lang in LANGS:
        assert set(CATEGORY_LABELS[lang]) == set(CATEGORIES), lang


def test_a_character_no_font_covers_fails_the_build() -> None:
    fonts_hook = load_module(PROJECT_ROOT / "hooks" / "fonts.py", "vigie_hook_fonts_i18n")
    from types import SimpleNamespace

    from mkdocs.exceptions import PluginError

    page = SimpleNamespace(file=SimpleNamespace(src_uri="x.ar.md"))
    ok = "<p>اتصلوا بالرقم 17 « Besançon » – œ</p><script>ignored ✓</script>"
    assert fonts_hook.on_post_page(ok, page, None) == ok
    assert uncovered("ب 17 é") == set()
    with pytest.raises(PluginError, match=r"U\+0688"):
        fonts_hook.on_post_page("<p>ڈ</p>", page, None)  # an Urdu letter: not subset
    with pytest.raises(PluginError, match=r"U\+2713"):
        fonts_hook.on_post_page('<a title="✓">x</a>', page, None)


def test_language_urls() -> None:
    assert lang_url("https://x.fr/signaler/", "fr") == "https://x.fr/signaler/"
    assert lang_url("https://x.fr/signaler/", "ar") == "https://x.fr/ar/signaler/"
    assert lang_url("https://x.fr/v/signaler/", "en", "https://x.fr/v/") == (
        "https://x.fr/v/en/signaler/"
    )


def test_per_code_pages_are_refused_on_a_duplicate_code(tmp_path: Path) -> None:
    spec = '[campaign]\nname = "A"\n[[variant]]\ncode = "DUP-1"\nlabel = "x"\n'
    (tmp_path / "a.toml").write_text(spec)
    (tmp_path / "b.toml").write_text(spec)
    (tmp_path / "vigie.toml").write_text('[site]\ncampaigns = ["a.toml", "b.toml"]\n')
    with pytest.raises(SiteBuildError, match="DUP-1 is in both"):
        build_site(load_config(str(tmp_path / "vigie.toml"), {}), tmp_path / "out")


def test_per_code_markdown_needs_the_hidden_field() -> None:
    form = (PROJECT_ROOT / "site" / "signaler" / "index.ar.md").read_text(encoding="utf-8")
    text = code_markdown(form, "BSN-X", "ar/signaler/")
    assert 'name="campaign" value="BSN-X"' in text and "vigie_campaign: BSN-X" in text
    with pytest.raises(ValueError):
        code_markdown(form.replace('name="campaign"', 'name="c"'), "BSN-X", "ar/signaler/")
