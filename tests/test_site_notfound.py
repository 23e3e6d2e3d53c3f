"""The page for a missing address, per language, built and served by `vigie serve`.

mkdocs-static-i18n used to leave one `404.html`, in the last language built
(Arabic, right to left), for every missing address. Now `/404.html` is French
(`lang="fr"`, left to right) with one short line in English and one in Arabic,
each in its own `lang`/`dir`, linking to `/en/` and `/ar/` (CloudFront answers
that page for any missing address); `/en/404.html` and `/ar/404.html` are the
same page in those languages, and `vigie serve` answers them under `/en/` and
`/ar/`. In Chromium: the status, `lang`/`dir`, the emergency banner, the
language links, axe-core clean in both themes, nothing from another host.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyrage
import pytest

from tests.support.live import LiveVigie, write_config
from tests.test_form_browser import AXE, axe_violations
from vigie.core.config import load_config
from vigie.site.build import build_site
from vigie.site.i18n import all_texts

LANGS = {"fr": "", "en": "en/", "ar": "ar/"}
DIR = {"fr": "ltr", "en": "ltr", "ar": "rtl"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("notfound")
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    config_path = write_config(tmp / "vigie.toml", f"dir:{tmp / 'store'}", [recipient])
    return config_path, build_site(load_config(str(config_path), {}), tmp / "site")


@pytest.fixture(scope="module")
def live(built: tuple[Path, Path]) -> Iterator[LiveVigie]:
    with LiveVigie(*built) as server:
        yield server


@pytest.mark.parametrize("lang", list(LANGS))
def test_each_language_has_its_404_page_with_a_line_in_the_others(
    built: tuple[Path, Path], lang: str
) -> None:
    page = (built[1] / LANGS[lang] / "404.html").read_text(encoding="utf-8")
    assert re.search(r'<html lang="([a-z]+)"', page).group(1) == lang  # type: ignore[union-attr]
    assert re.search(r'<body dir="([a-z]+)"', page).group(1) == DIR[lang]  # type: ignore[union-attr]
    words = all_texts()[lang]["ui"]
    assert f"<h1>{words['notfound_title']}</h1>" in page
    assert f"<title>{words['notfound_title']} – Vigie</title>" in page
    for other, prefix in LANGS.items():
        if other == lang:
            continue
        line = re.search(rf'<p lang="{other}" dir="([a-z]+)">(.*?)</p>', page, re.S)
        assert line is not None, other
        assert line.group(1) == DIR[other]
        assert all_texts()[other]["ui"]["notfound_other"] in line.group(2)
        assert re.search(rf'href="/{prefix}\.?" hreflang="{other}"', line.group(2)), line.group(2)
    # An error page stands for any address: no hreflang alternates of "some page".
    assert 'rel="alternate"' not in page


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_vigie_serve_answers_a_missing_address_with_its_language_404(
    browser: Any, live: LiveVigie, scheme: str
) -> None:
    assert AXE.is_file(), "run `make test` (npm ci --prefix tests/js) to install axe-core"
    origin = urlsplit(live.url).netloc
    ctx = browser.new_context(viewport={"width": 320, "height": 640}, color_scheme=scheme)
    requests: list[str] = []
    ctx.on("request", lambda r: requests.append(r.url))
    try:
        # A mistyped short address from a poster, in each language's part of the site.
        for lang, missing in [
            ("fr", "signaler-vite/"),
            ("fr", "s/BSN-CENTR"),
            ("fr", "xx/inconnu.html"),
            ("en", "en/signaler-vite/"),
            ("ar", "ar/s/BSN-CENTR"),
        ]:
            page = ctx.new_page()
            response = page.goto(live.url + missing)
            assert response is not None and response.status == 404, missing
            assert response.headers["cache-control"] == "no-store"
            shown = page.evaluate(
                """() => [document.documentElement.lang,
                    getComputedStyle(document.body).direction,
                    document.querySelector('h1').innerText,
                    document.querySelector('.vigie-urgence a[href="tel:17"]').innerText,
                    [...document.querySelectorAll('.vigie-langs a')].map(
                        a => [a.hreflang, new URL(a.href).pathname])]"""
            )
            words = all_texts()[lang]["ui"]
            homes = [[other, "/" + prefix] for other, prefix in LANGS.items()]
            assert shown == [lang, DIR[lang], words["notfound_title"], "17", homes], missing
            others = page.evaluate(
                """() => [...document.querySelectorAll('article p[lang]')].map(
                    p => [p.lang, getComputedStyle(p).direction])"""
            )
            assert others == [[o, DIR[o]] for o in LANGS if o != lang], missing
            assert axe_violations(page) == [], missing
            page.close()
        assert ctx.cookies() == []
    finally:
        ctx.close()
    assert [u for u in requests if urlsplit(u).netloc != origin] == []
