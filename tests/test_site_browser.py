"""The built site in Debian Chromium, served by the real `vigie serve`.

Every page in every language (French at /, English at /en/, Arabic at /ar/,
right to left), in the light and the dark theme: the right `lang` and `dir`,
the emergency number shown, the language links, no request to any other host,
no cookie, no console error (CSP violations are console errors), no axe-core
violation, no horizontal scrolling on a 320 px wide screen (200 % zoom and
more). Then the quick exit (button, Escape twice, no-JS link), the palette
toggle's storage, and the print stylesheet.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyrage
import pytest

from tests.support.live import LiveVigie, write_config
from vigie.core.config import load_config
from vigie.site.build import build_site

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("site_browser")]

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = [
    "",
    "signaler/",
    "que-signaler/",
    "urgence/",
    "securite/",
    "apres/",
    "autres-moyens/",
    "faq/",
    "suivi/",
    "mentions-legales/",
    "accessibilite/",
]
LANGS = {"fr": "", "en": "en/", "ar": "ar/"}
NEUTRAL = "https://meteofrance.com/"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveVigie]:
    tmp = tmp_path_factory.mktemp("sitelive")
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    config_path = write_config(tmp / "vigie.toml", f"dir:{tmp / 'store'}", [recipient])
    site_dir = build_site(load_config(str(config_path), {}), tmp / "site")
    server = LiveVigie(config_path, site_dir)
    server.start()
    yield server
    server.stop()


def _fake_neutral_site(route: Any) -> None:
    # The neutral site is never contacted by tests: answer in place of it.
    route.fulfill(
        status=200, content_type="text/html; charset=utf-8", body="<title>Météo</title>Météo"
    )


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 390, "height": 800})
    ctx.route("https://meteofrance.com/**", _fake_neutral_site)
    yield ctx
    ctx.close()


def _axe_violations(page: Any) -> list[dict[str, Any]]:
    # Not page.add_script_tag: the page's CSP (script-src 'self') rightly blocks
    # that inline <script>. DevTools evaluation is outside the page's CSP.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        """() => axe.run(document, {
              resultTypes: ['violations'],
              runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                              'wcag22aa', 'best-practice']}
           })"""
    )
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


@pytest.mark.privacy
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_is_local_cookieless_clean_and_accessible(
    browser: Any, live: LiveVigie, scheme: str
) -> None:
    assert AXE.is_file(), "run `make test` (npm ci --prefix tests/js) to install axe-core"
    origin = urlsplit(live.url).netloc
    # 320 CSS px: what a 1280 px window shows at 400 % zoom (WCAG reflow).
    ctx = browser.new_context(viewport={"width": 320, "height": 640}, color_scheme=scheme)
    requests: list[str] = []
    errors: list[str] = []
    ctx.on("request", lambda r: requests.append(r.url))
    problems: dict[str, Any] = {}
    try:
        for lang, prefix in LANGS.items():
            for path in PAGES:
                page = ctx.new_page()
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                # The form page starts fetching a challenge after load: wait for it too.
                wait = "networkidle" if path == "signaler/" else "load"
                page.goto(live.url + prefix + path, wait_until=wait)
                expected = "slate" if scheme == "dark" else "default"
                assert page.evaluate("document.body.dataset.mdColorScheme") == expected, path
                shown = page.evaluate(
                    """() => [document.documentElement.lang,
                        getComputedStyle(document.body).direction,
                        document.querySelector('.vigie-urgence a[href="tel:17"]').innerText,
                        document.querySelector('.vigie-urgence').getBoundingClientRect().height > 0,
                        [...document.querySelectorAll('.vigie-langs a')].map(a => a.hreflang),
                        getComputedStyle(document.getElementById('vigie-exit')).direction]"""
                )
                direction = "rtl" if lang == "ar" else "ltr"
                assert shown == [lang, direction, "17", True, list(LANGS), direction], path
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                violations = _axe_violations(page)
                if violations or overflow > 0 or errors:
                    problems[prefix + path or "/"] = {
                        "axe": violations,
                        "overflow_px": overflow,
                        "console": list(errors),
                    }
                errors.clear()
                page.close()
        assert ctx.cookies() == []
    finally:
        ctx.close()
    foreign = [u for u in requests if urlsplit(u).netloc != origin]
    assert foreign == []
    assert problems == {}


def test_quick_exit_button_replaces_the_page(context: Any, live: LiveVigie) -> None:
    page = context.new_page()
    page.goto(live.url + "que-signaler/")
    page.click("#vigie-exit")
    page.wait_for_url(NEUTRAL)
    assert page.title() == "Météo"
    # location.replace: the Vigie page is not the previous history entry.
    page.go_back()
    assert "127.0.0.1" not in page.url
    assert page.evaluate("history.length") == 2  # about:blank, then the neutral site


def test_quick_exit_from_a_typed_draft_leaves_nothing_behind(context: Any, live: LiveVigie) -> None:
    """On the form, with a draft typed: out, and back does not bring the draft back."""
    page = context.new_page()
    page.goto(live.url + "signaler/")
    page.fill("#description", "Brouillon à ne jamais retrouver")
    page.click("#vigie-exit")
    page.wait_for_url(NEUTRAL)
    assert page.evaluate("[localStorage.length, sessionStorage.length]") == [0, 0]
    page.go_back()
    assert "127.0.0.1" not in page.url
    assert "Brouillon" not in page.content()


def test_escape_twice_exits_but_once_does_not(context: Any, live: LiveVigie) -> None:
    page = context.new_page()
    page.goto(live.url)
    page.keyboard.press("Escape")
    page.wait_for_timeout(1700)  # beyond the 1.5 s window: the count starts again
    page.keyboard.press("Escape")
    page.wait_for_timeout(200)
    assert page.url == live.url
    page.keyboard.press("Escape")
    page.wait_for_url(NEUTRAL)


def test_quick_exit_works_without_javascript(browser: Any, live: LiveVigie) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    ctx.route("https://meteofrance.com/**", _fake_neutral_site)
    try:
        page = ctx.new_page()
        page.goto(live.url + "securite/")
        assert page.get_attribute("#vigie-exit", "rel") == "noreferrer noopener"
        page.click("#vigie-exit")
        page.wait_for_url(NEUTRAL)
    finally:
        ctx.close()


def test_palette_choice_stays_in_the_tab_only(context: Any, live: LiveVigie) -> None:
    page = context.new_page()
    page.goto(live.url)
    assert page.evaluate("document.body.dataset.mdColorScheme") == "default"
    page.click("label[for='__palette_1']")
    assert page.evaluate("document.body.dataset.mdColorScheme") == "slate"
    page.goto(live.url + "faq/")
    assert page.evaluate("document.body.dataset.mdColorScheme") == "slate"
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("document.cookie") == ""
    # A new tab (no sessionStorage) starts again from the system preference.
    other = context.new_page()
    other.goto(live.url)
    assert other.evaluate("document.body.dataset.mdColorScheme") == "default"


def test_print_layout_hides_navigation_and_buttons(context: Any, live: LiveVigie) -> None:
    page = context.new_page()
    page.goto(live.url + "que-signaler/")
    page.emulate_media(media="print")
    shown = page.evaluate(
        """() => ['.md-header', '.vigie-exit', '.md-sidebar--primary', '.md-footer', '.md-banner']
             .map(s => getComputedStyle(document.querySelector(s)).display)"""
    )
    assert shown[:4] == ["none"] * 4
    assert shown[4] != "none"  # the emergency numbers stay on paper


def test_language_links_are_plain_links_to_the_same_page(browser: Any, live: LiveVigie) -> None:
    """No script needed: each link leads to this page in the other language."""
    ctx = browser.new_context(java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.goto(live.url + "en/faq/")
        assert page.get_attribute(".vigie-langs a[aria-current]", "hreflang") == "en"
        page.click(".vigie-langs a[hreflang='ar']")
        assert page.url == live.url + "ar/faq/"
        assert page.evaluate("document.documentElement.lang") == "ar"
        page.click(".vigie-langs a[hreflang='fr']")
        assert page.url == live.url + "faq/"
        alternates = page.evaluate(
            "[...document.querySelectorAll('link[rel=alternate]')].map(l => [l.hreflang, l.href])"
        )
        assert alternates == [
            ["fr", live.url + "faq/"],
            ["en", live.url + "en/faq/"],
            ["ar", live.url + "ar/faq/"],
        ]
    finally:
        ctx.close()


@pytest.mark.parametrize(("prefix", "side"), [("", "right"), ("en/", "right"), ("ar/", "left")])
def test_quick_exit_sits_at_the_end_of_the_reading_direction(
    context: Any, live: LiveVigie, prefix: str, side: str
) -> None:
    page = context.new_page()
    page.goto(live.url + prefix + "securite/")
    box = page.locator("#vigie-exit").bounding_box()
    assert box is not None
    width = page.viewport_size["width"]
    assert (box["x"] + box["width"] / 2 > width / 2) == (side == "right")


@pytest.mark.parametrize(("prefix", "arabic"), [("", False), ("en/", False), ("ar/", True)])
def test_arabic_font_loads_on_arabic_pages_only(
    context: Any, live: LiveVigie, prefix: str, arabic: bool
) -> None:
    """Noto Sans Arabic is self-hosted and used for Arabic; other pages never fetch it."""
    fonts: list[str] = []
    page = context.new_page()
    page.on(
        "request", lambda r: fonts.append(r.url.rsplit("/", 1)[1]) if ".woff2" in r.url else None
    )
    page.goto(live.url + prefix, wait_until="networkidle")
    noto = sorted(f for f in fonts if f.startswith("noto-arabic"))
    assert noto == (["noto-arabic-bold.woff2", "noto-arabic-regular.woff2"] if arabic else [])
    if arabic:
        used = page.evaluate(
            "document.fonts.check('16px \"Noto Sans Arabic Vigie\"', 'عربي')"
            " && getComputedStyle(document.querySelector('h1')).fontFamily"
        )
        assert "Noto Sans Arabic Vigie" in used


def test_phone_numbers_read_left_to_right_on_arabic_pages(context: Any, live: LiveVigie) -> None:
    """'0 800 23 13 13' keeps its digit groups in order inside Arabic text."""
    page = context.new_page()
    page.goto(live.url + "ar/urgence/")
    order = page.evaluate(
        """() => [...document.querySelectorAll('a[href^="tel:"], a[href^="sms:"]')]
             .filter(a => a.textContent.trim().includes(' '))
             .map(a => {
               const text = a.firstChild, r = document.createRange();
               const n = text.textContent.length;
               r.setStart(text, 0); r.setEnd(text, 1);
               const first = r.getBoundingClientRect().left;
               r.setStart(text, n - 1); r.setEnd(text, n);
               return first < r.getBoundingClientRect().left;
             })"""
    )
    assert order and all(order), order
