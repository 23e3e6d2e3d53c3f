"""Posters land on their language, and every campaign code has a short form page.

A small campaign (one square piece per language) is rendered and the real site
is built with it listed in `[site] campaigns`: each piece's QR code, decoded
with zxing-cpp, leads to the code's own page of the built site (`/s/CODE/`,
`/en/s/CODE/`, `/ar/s/CODE/`) in the piece's language, whose hidden field
already holds the code. The same campaign under a config that does not list it
keeps `?c=CODE`, and the manifest says that such a scan loses the code without
JavaScript.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image

from vigie.campaign.build import build_campaign
from vigie.campaign.spec import load_campaign, site_missing_languages
from vigie.core.config import Config, load_config
from vigie.site.build import build_site

pytestmark = pytest.mark.xdist_group("campaign_i18n")

CAMPAIGN = """
[campaign]
name = "Trois langues"
formats = ["square"]
[[variant]]
code = "TR-FR"
label = "Français"
[[variant]]
code = "TR-EN"
label = "English"
language = "en"
[[variant]]
code = "TR-AR"
label = "Arabe"
language = "ar"
"""


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Config, Path, dict[str, Any]]]:
    tmp = tmp_path_factory.mktemp("campaign-i18n")
    (tmp / "trois.toml").write_text(CAMPAIGN, encoding="utf-8")
    (tmp / "vigie.toml").write_text(
        '[site]\nurl = "https://vigie.exemple.fr/"\n'
        'report_url = "https://vigie.exemple.fr/signaler/"\n'
        'campaigns = ["trois.toml"]\n',
        encoding="utf-8",
    )
    cfg = load_config(str(tmp / "vigie.toml"), {})
    site = build_site(cfg, tmp / "site")
    manifest = build_campaign(load_campaign(tmp / "trois.toml", cfg), tmp / "out", workers=1)
    yield cfg, site, {"out": tmp / "out", **manifest}


def _decoded(out: Path, piece: dict[str, Any]) -> str:
    with Image.open(out / piece["files"]["png"]) as img:
        (text,) = [r.text for r in zxingcpp.read_barcodes(img.convert("L"))]
    assert isinstance(text, str)
    return text


def _page_lang(site: Path, url: str) -> str:
    path = urlsplit(url).path.strip("/")
    html = (site / path / "index.html").read_text(encoding="utf-8")
    match = re.search(r'<html lang="([a-z]+)"', html)
    assert match, url
    return match.group(1)


def test_each_poster_decodes_to_the_form_in_its_language(
    built: tuple[Config, Path, dict[str, Any]],
) -> None:
    _, site, manifest = built
    assert manifest["code_pages"] is True and manifest["warnings"] == []
    seen = set()
    for piece in manifest["pieces"]:
        text = _decoded(manifest["out"], piece)
        assert text == piece["url"]  # the manifest records what is printed
        lang, code = piece["language"], piece["variant"]
        # The code's own page in the piece's language: its form holds the code,
        # so a scan counts even without JavaScript (before: /signaler/?c=CODE).
        expected = "https://vigie.exemple.fr/" + ("" if lang == "fr" else f"{lang}/")
        assert text == f"{expected}s/{code}/"
        assert piece["code_without_js"] is True
        assert _page_lang(site, text) == lang
        html = (site / urlsplit(text).path.strip("/") / "index.html").read_text(encoding="utf-8")
        assert f'name="campaign" value="{code}">' in html
        # The printed short address is that page too (typed by hand, still counted).
        assert piece["short_address"] == text.removeprefix("https://").rstrip("/")
        seen.add(lang)
    assert seen == {"fr", "en", "ar"}


def test_a_campaign_the_site_does_not_list_keeps_the_query_and_says_so(
    built: tuple[Config, Path, dict[str, Any]], tmp_path: Path
) -> None:
    cfg, _, _ = built
    # The same site, but its config does not list this campaign file.
    (tmp_path / "trois.toml").write_text(CAMPAIGN, encoding="utf-8")
    unlisted = load_config(str(Path(cfg.source).parent / "vigie.toml"), {})
    manifest = build_campaign(
        load_campaign(tmp_path / "trois.toml", unlisted), tmp_path / "out", workers=1
    )
    assert manifest["code_pages"] is False
    (warning,) = manifest["warnings"]
    assert "n'est pas dans [site] campaigns" in warning and "sans JavaScript" in warning
    for piece in manifest["pieces"]:
        lang = piece["language"]
        prefix = "" if lang == "fr" else f"{lang}/"
        expected = f"https://vigie.exemple.fr/{prefix}signaler/?c={piece['variant']}"
        assert _decoded(tmp_path / "out", piece) == expected == piece["url"]
        assert piece["code_without_js"] is False
        assert piece["short_address"] == f"vigie.exemple.fr/{prefix}signaler"


@pytest.mark.parametrize(
    ("path", "code", "lang"),
    [("s/TR-FR/", "TR-FR", "fr"), ("en/s/TR-EN/", "TR-EN", "en"), ("ar/s/TR-AR/", "TR-AR", "ar")],
)
def test_each_code_has_a_short_form_page_in_its_language(
    built: tuple[Config, Path, dict[str, Any]], path: str, code: str, lang: str
) -> None:
    _, site, _ = built
    html = (site / path / "index.html").read_text(encoding="utf-8")
    assert f'<html lang="{lang}"' in html
    assert f'<input type="hidden" id="campaign" name="campaign" value="{code}">' in html
    assert f'<input type="hidden" id="lang" name="lang" value="{lang}">' in html
    assert 'id="vigie-form-config"' in html and 'integrity="sha384-' in html
    assert '<meta name="robots" content="noindex, noarchive">' in html
    # Where form.js moves the history entry: this language's plain form.
    assert '"cleanUrl": "../../signaler/"' in html
    # Only the listed codes get a page, each in its own language only.
    others = {"fr": "s", "en": "en/s", "ar": "ar/s"}
    assert sorted(p.name for p in (site / others[lang]).iterdir()) == [code]


def test_a_campaign_language_the_site_lacks_is_refused() -> None:
    assert site_missing_languages([("fr",), ("ar", "en")]) == []
    assert site_missing_languages([("fr",), ("ar", "en")], ("fr", "en")) == ["ar"]


def test_the_short_addresses_a_poster_can_print_exist_on_the_site(
    built: tuple[Config, Path, dict[str, Any]],
) -> None:
    """`Campaign.code_address` (code included) and `short_address_for` lead to built pages."""
    cfg, site, manifest = built
    camp = load_campaign(Path(cfg.source).parent / "trois.toml", cfg)
    for piece in manifest["pieces"]:
        lang, code = piece["language"], piece["variant"]
        for address in (camp.code_address(lang, code), camp.short_address_for(lang)):
            assert address.startswith("vigie.exemple.fr/"), address
            assert _page_lang(site, "https://" + address + "/") == lang
    assert camp.code_address("ar", "TR-AR") == "vigie.exemple.fr/ar/s/TR-AR"
