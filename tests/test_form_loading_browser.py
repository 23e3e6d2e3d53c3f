"""How the report form loads its crypto: real Chromium, real `vigie serve`, real keys.

Issue #14 point 6: the age bundle must not hold the main thread before the page
is usable, and the follow-up word list (phrase.js) is fetched only for a
phrase. So age.js is no <script> tag of /signaler/: tip.js downloads it, with
the integrity baked into the page, once the page is loaded and idle, and
evaluates it at the first interaction. The checks are about order, not speed
(robust on a loaded machine): the bundle is requested after the load event and
not evaluated before someone uses the form (then from that one download),
phrase.js not at all until the follow-up box is ticked; a Send pressed before age.js arrived waits
for it and stores exactly one tip; a bundle refused by its integrity (a
tampered copy) turns the page back into the plain form, which says so and
keeps everything typed, and the second Send stores the tip by the plain path.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.live import LiveVigie, write_config
from tests.test_form_browser import Live, assert_typed, fill, new_tip
from vigie.core.config import load_config
from vigie.core.storage import open_store
from vigie.site.build import build_site
from vigie.site.i18n import form_page_settings

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("form-loading")]

AGE = "**/assets/form/age.js"
AGE_FETCHED = """() => performance.getEntriesByType('resource')
  .some((r) => r.name.endsWith('/assets/form/age.js') && r.responseEnd > 0)"""
TEXT = form_page_settings("fr", None)["text"]


@pytest.fixture(scope="module")
def sites(identity: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Live, Live]]:
    """The real site, and a copy whose age.js was tampered with after the build."""
    tmp = tmp_path_factory.mktemp("form-loading")
    config_path = write_config(
        tmp / "vigie.toml", f"dir:{tmp / 'store'}", [str(identity.to_public())]
    )
    cfg = load_config(str(config_path), {})
    site = build_site(cfg, tmp / "site")
    tampered = tmp / "tampered"
    shutil.copytree(site, tampered)
    age = tampered / "assets" / "form" / "age.js"
    # Still valid JavaScript that would work: only its integrity betrays it.
    age.write_bytes(age.read_bytes() + b"\n/* swapped on the CDN */\n")
    real, bad = LiveVigie(config_path, site), LiveVigie(config_path, tampered)
    real.start()
    bad.start()
    store = open_store(cfg.intake)
    yield Live(real, store), Live(bad, store)
    real.stop()
    bad.stop()


def test_age_loads_after_the_page_and_the_word_list_only_for_a_phrase(
    browser: Any, sites: tuple[Live, Live], identity: Any
) -> None:
    live, _ = sites
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(live.url + "signaler/")
    page.wait_for_function(AGE_FETCHED, timeout=30_000)
    timing = page.evaluate(
        """() => {
          const nav = performance.getEntriesByType('navigation')[0];
          const age = performance.getEntriesByType('resource')
            .filter((r) => r.name.endsWith('/assets/form/age.js'));
          return {dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
                  age: age.map((r) => r.startTime)};
        }"""
    )
    # Downloaded after the load event, and not evaluated while nobody uses the form.
    assert len(timing["age"]) == 1
    assert timing["age"][0] >= timing["load"] >= timing["dcl"] > 0
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.vigieAge") == "undefined"
    # The first interaction evaluates it, from that one download.
    page.check("#category-delivery")
    page.wait_for_selector("#vigie-form[data-age=ready]", timeout=30_000)
    assert len([u for u in requested if u.endswith("/assets/form/age.js")]) == 1
    assert not [u for u in requested if u.endswith("/phrase.js")]
    # The follow-up box brings the word list: twelve words, then a normal send.
    page.check("#followup")
    page.wait_for_selector("#vigie-followup-panel:not([hidden])", timeout=30_000)
    assert len(page.inner_text("#vigie-followup-phrase").split()) == 12
    assert [u for u in requested if u.endswith("/assets/form/phrase.js")]
    before = live.keys()
    fill(page, None)
    page.click("#vigie-submit")
    page.wait_for_selector("#vigie-receipt:not([hidden])", timeout=30_000)
    context.close()
    assert errors == []
    _, tip = new_tip(live, before, identity)
    assert_typed(tip)
    assert tip.reply_key.startswith("age1") and tip.reply_mailbox


def test_send_before_the_bundle_arrived_waits_for_it(
    browser: Any, sites: tuple[Live, Live], identity: Any
) -> None:
    live, _ = sites
    context = browser.new_context()
    page = context.new_page()
    held: list[Any] = []
    page.route(AGE, lambda route: held.append(route))  # answered only when the test says
    page.goto(live.url + "signaler/")
    before = live.keys()
    fill(page, None)
    page.click("#vigie-submit")
    page.wait_for_function("document.getElementById('vigie-status').textContent !== ''")
    assert page.inner_text("#vigie-status") == TEXT["encrypting"]
    page.wait_for_timeout(500)
    assert held and live.keys() == before  # nothing sent without the page's encryption
    assert page.get_attribute("#vigie-submit", "aria-disabled") == "true"
    for route in held:
        route.continue_()
    page.wait_for_selector("#vigie-receipt:not([hidden])", timeout=30_000)
    context.close()
    _, tip = new_tip(live, before, identity)
    assert_typed(tip)
    assert tip.channel == "web"


@pytest.mark.privacy
def test_a_tampered_bundle_is_refused_and_the_plain_form_keeps_the_tip(
    browser: Any, sites: tuple[Live, Live], identity: Any
) -> None:
    _, bad = sites
    context = browser.new_context()
    page = context.new_page()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(bad.url + "signaler/")
    assert page.inner_text("#vigie-mode") == TEXT["mode_encrypted"]
    before = bad.keys()
    fill(page, None)
    page.click("#vigie-submit")
    page.wait_for_selector("#vigie-form[data-age=unavailable]", timeout=30_000)
    # Said before anything leaves: the server will encrypt; what was typed is all there.
    assert page.inner_text("#vigie-status") == TEXT["plain_fallback"]
    assert "chiffré par le serveur" in page.inner_text("#vigie-mode")
    assert page.input_value("#description").startswith("Un livreur")
    assert page.is_hidden("#vigie-followup-choice")
    assert posts == [] and bad.keys() == before
    with page.expect_navigation():
        page.click("#vigie-submit")
    context.close()
    assert posts == [bad.url + "api/tips/form?lang=fr"]  # the no-JS path, in the page's language
    _, tip = new_tip(bad, before, identity)
    assert_typed(tip)
    assert tip.channel == "form"
