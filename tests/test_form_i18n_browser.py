"""The report form in English and Arabic, with and without JavaScript, in real Chromium.

A real `vigie serve` (site + intake on one origin) whose vigie.toml lists a
campaign, so the per-code pages exist. Each journey types a tip on the page of
one language and checks what the person reads (statuses, errors, receipt and
refusal pages in that language) and what is stored (decrypted: the text as
typed, the tip's `lang`, the campaign code). The Arabic tip typed in the
browser is then read back with `vigie inbox show`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from tests.support.live import LiveVigie, write_config
from tests.test_form_browser import Live, axe_violations, new_tip
from vigie import followup
from vigie.campaign.build import build_campaign
from vigie.campaign.spec import load_campaign
from vigie.cli import main
from vigie.core.config import load_config
from vigie.core.messages import MESSAGES
from vigie.core.storage import open_store
from vigie.site.build import build_site
from vigie.site.i18n import all_texts

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("form-i18n-live")]

CAMPAIGN = """
[campaign]
name = "Test"
formats = ["square"]
[[variant]]
code = "TS-GARE"
label = "Gare"
language = "en"
[[variant]]
code = "TS-PLANOISE"
label = "Planoise"
language = "ar"
[[variant]]
code = "TS-CENTRE"
label = "Centre"
"""
TYPED = {
    "en": {"place": "Station square", "description": "Two people sell every evening.\nA car."},
    "ar": {
        "place": "ساحة المحطة، بيزانسون",
        "description": "شخصان يبيعان كل مساء أمام المدخل.\nسيارة رمادية AB-123 «تقف» هناك.",
    },
}
RECEIPT_TITLE = {"en": "Report received, thank you", "ar": "وصل البلاغ، شكرًا لكم"}
SENT_TITLE = {"en": "Report sent", "ar": "أُرسل البلاغ"}


@pytest.fixture(scope="module")
def live(identity: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    tmp = tmp_path_factory.mktemp("form-i18n")
    (tmp / "test.toml").write_text(CAMPAIGN, encoding="utf-8")
    config_path = write_config(
        tmp / "vigie.toml", f"dir:{tmp / 'store'}", [str(identity.to_public())]
    )
    server = LiveVigie(config_path, tmp / "site")
    # The site's address is the live server's, so the campaign's QR codes lead to it.
    site = f'\n[site]\nurl = "{server.url}"\nreport_url = "{server.url}signaler/"\n'
    config_path.write_text(
        config_path.read_text() + site + 'campaigns = ["test.toml"]\n', encoding="utf-8"
    )
    cfg = load_config(str(config_path), {})
    build_site(cfg, tmp / "site")
    server.start()
    yield Live(server, open_store(cfg.intake))
    server.stop()


def _fill(page: Any, lang: str) -> None:
    page.check("#category-spot")
    for field, value in TYPED[lang].items():
        page.fill(f"#{field}", value)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_journey_with_javascript(
    browser: Any, live: Live, identity: Any, identity_file: Path, lang: str, capsys: Any
) -> None:
    texts = all_texts()[lang]["form"]
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sent: list[dict[str, str]] = []
    page.on("request", lambda r: sent.append(r.headers) if r.method == "POST" else None)
    before = live.keys()
    page.goto(live.url + f"{lang}/signaler/?c=test02")
    assert page.url == live.url + f"{lang}/signaler/"
    assert page.inner_text("#vigie-mode") == texts["mode_encrypted"]
    # Empty: the errors are in the page's language.
    page.click("#vigie-submit")
    page.wait_for_selector("#vigie-error-summary:not([hidden])")
    assert page.inner_text("#description-error") == texts["need_description"]
    assert page.inner_text("#category-error") == texts["need_category"]
    _fill(page, lang)
    page.click("#vigie-submit")
    page.wait_for_selector("#vigie-receipt:not([hidden])", timeout=30_000)
    assert page.inner_text("#vigie-receipt-title") == RECEIPT_TITLE[lang]
    receipt = page.inner_text("#vigie-receipt-code")
    context.close()
    assert errors == []
    # send.js tells the intake the page's language (for its messages).
    assert [h.get("x-vigie-lang") for h in sent] == [lang]

    _, tip = new_tip(live, before, identity)
    assert (tip.lang, tip.channel, tip.campaign) == (lang, "web", "TEST02")
    for field, value in TYPED[lang].items():
        assert getattr(tip, field) == value, field
    if lang == "ar":
        # The analyst reads the Arabic exactly as typed.
        cache = live.server.config_path.parent / "inbox-cache"
        conf = live.server.config_path
        assert main(["--config", str(conf), "inbox", "pull", "--cache", str(cache)]) == 0
        capsys.readouterr()
        argv = ["inbox", "show", receipt, "--cache", str(cache), "-i", str(identity_file)]
        assert main(argv) == 0
        shown = capsys.readouterr().out
        assert TYPED["ar"]["description"] in shown and "Langue      : ar" in shown


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_journey_without_javascript(browser: Any, live: Live, identity: Any, lang: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    before = live.keys()
    page.goto(live.url + f"{lang}/signaler/")
    _fill(page, lang)
    with page.expect_navigation():
        page.click("#vigie-submit")
    assert page.url == live.url + f"api/tips/form?lang={lang}"
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        lang,
        "rtl" if lang == "ar" else "ltr",
    ]
    assert page.inner_text("h1") == SENT_TITLE[lang]
    assert page.get_attribute("a[href^='/']", "href") == f"/{lang}/"
    context.close()
    _, tip = new_tip(live, before, identity)
    assert (tip.lang, tip.channel, tip.campaign) == (lang, "form", "")
    assert tip.description == TYPED[lang]["description"]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_refusal_page_without_javascript_is_in_the_form_language(
    browser: Any, live: Live, lang: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    before = live.keys()
    page.goto(live.url + f"{lang}/signaler/")
    page.check("#category-spot")
    page.fill("#description", "   ")  # passes `required`, refused by the intake
    with page.expect_navigation() as nav:
        page.click("#vigie-submit")
    assert nav.value.status == 400
    assert page.evaluate("document.documentElement.lang") == lang
    assert MESSAGES[lang]["empty_description"] in page.inner_text("main")
    assert page.get_attribute("main a", "href") == f"/{lang}/signaler/"
    context.close()
    assert live.keys() == before


@pytest.mark.parametrize(
    ("path", "code", "lang"),
    [("en/s/TS-GARE/", "TS-GARE", "en"), ("ar/s/TS-PLANOISE/", "TS-PLANOISE", "ar")],
)
def test_a_no_js_tip_from_a_per_code_page_carries_its_campaign(
    browser: Any, live: Live, identity: Any, path: str, code: str, lang: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    before = live.keys()
    page.goto(live.url + path)  # what someone types from the poster
    assert page.evaluate("document.documentElement.lang") == lang
    _fill(page, lang)
    with page.expect_navigation():
        page.click("#vigie-submit")
    context.close()
    _, tip = new_tip(live, before, identity)
    assert (tip.campaign, tip.lang, tip.channel) == (code, lang, "form")


@pytest.mark.parametrize(("code", "lang"), [("TS-PLANOISE", "ar"), ("TS-CENTRE", "fr")])
def test_a_no_js_scan_of_a_built_poster_carries_its_campaign(
    browser: Any, live: Live, identity: Any, tmp_path: Path, code: str, lang: str
) -> None:
    """The poster's QR code, decoded from the built piece, leads to a form that carries
    the code without JavaScript (before: /ar/signaler/?c=CODE, stored with campaign '')."""
    cfg = load_config(str(live.server.config_path), {})
    camp = load_campaign(live.server.config_path.parent / "test.toml", cfg, draft=True)
    manifest = build_campaign(camp, tmp_path, workers=1)
    (piece,) = [p for p in manifest["pieces"] if p["variant"] == code]
    with Image.open(tmp_path / piece["files"]["png"]) as img:
        (url,) = [r.text for r in zxingcpp.read_barcodes(img.convert("L"))]
    assert url == live.url + ("" if lang == "fr" else f"{lang}/") + f"s/{code}/"
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    before = live.keys()
    page.goto(url)
    assert page.evaluate("document.documentElement.lang") == lang
    _fill(page, "ar" if lang == "ar" else "en")
    with page.expect_navigation():
        page.click("#vigie-submit")
    assert page.url == live.url + f"api/tips/form?lang={lang}"  # the page's language
    context.close()
    _, tip = new_tip(live, before, identity)
    assert (tip.campaign, tip.lang, tip.channel) == (code, lang, "form")


def test_with_javascript_a_per_code_page_leaves_the_address_bar(
    browser: Any, live: Live, identity: Any
) -> None:
    context = browser.new_context()
    page = context.new_page()
    before = live.keys()
    page.goto(live.url + "s/TS-CENTRE/")
    # The history entry becomes the plain form's (no third entry with the code).
    assert page.url == live.url + "signaler/"
    assert page.evaluate("history.length") == 2
    assert page.input_value("#campaign") == "TS-CENTRE"
    _fill(page, "en")
    page.click("#vigie-submit")
    page.wait_for_selector("#vigie-receipt:not([hidden])", timeout=30_000)
    context.close()
    _, tip = new_tip(live, before, identity)
    assert (tip.campaign, tip.lang) == ("TS-CENTRE", "fr")


def test_text_fields_follow_the_direction_of_what_is_typed(browser: Any, live: Live) -> None:
    page = browser.new_page()
    page.goto(live.url + "en/signaler/")
    page.fill("#description", TYPED["ar"]["description"])
    page.fill("#place", "Station square")
    directions = page.evaluate(
        "['description', 'place']"
        ".map(id => getComputedStyle(document.getElementById(id)).direction)"
    )
    assert directions == ["rtl", "ltr"]
    page.goto(live.url + "ar/signaler/")
    page.fill("#vehicles", "Black scooter AB-123")
    assert page.evaluate("getComputedStyle(document.getElementById('vehicles')).direction") == "ltr"
    page.close()


FOLLOWUP_LABEL = {
    "en": "I want to be able to receive a question from the investigators",
    "ar": "أريد أن أتمكن من تلقي سؤال من المحققين",
}
FRENCH_WORDS = {"en": "French words", "ar": "الكلمات فرنسية"}


def _bad_checksum(phrase: str) -> str:
    """The phrase with its last word swapped for another list word: checksum broken."""
    words = phrase.split()
    for other in words[:-1]:
        candidate = " ".join([*words[:-1], other])
        try:
            followup.seed_from_phrase(candidate)
        except followup.PhraseError:
            return candidate
    raise AssertionError("no broken variant")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_follow_up_speaks_the_page_language(browser: Any, live: Live, lang: str) -> None:
    """The follow-up opt-in, the word check and /suivi/ in English and Arabic."""
    texts, french = all_texts()[lang]["form"], all_texts()["fr"]["form"]
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live.url + f"{lang}/signaler/")
    assert page.inner_text("label[for=followup]") == FOLLOWUP_LABEL[lang]
    assert FRENCH_WORDS[lang] in page.inner_text("#followup-hint")
    _fill(page, lang)
    page.check("#followup")
    page.wait_for_selector("#vigie-followup-panel:not([hidden])")
    phrase = page.inner_text("#vigie-followup-phrase")
    assert len(phrase.split(" ")) == 12 and followup.seed_from_phrase(phrase)
    assert "phrase de suivi" not in page.inner_text("#vigie-followup").lower()
    found = {"phrase": axe_violations(page)}
    page.click("#vigie-submit")
    page.wait_for_selector("#vigie-followup-receipt:not([hidden])", timeout=30_000)
    assert page.is_hidden("#vigie-receipt-oneway")
    page.click("#vigie-followup-noted")
    labels = [page.inner_text(f"#followup-confirm-{i}-label") for i in (1, 2, 3)]
    first = int(labels[0].rsplit(" ", 1)[1])
    assert labels[0] == texts["followup_word"].replace("{n}", str(first))
    page.fill("#followup-confirm-1", "zzzz")
    page.click("#vigie-followup-confirm")
    # (the two other words are still empty)
    assert page.inner_text("#vigie-followup-check-status") == texts["followup_missing"]
    words = phrase.split(" ")
    for i, label in enumerate(labels[1:], 2):
        page.fill(f"#followup-confirm-{i}", words[int(label.rsplit(" ", 1)[1]) - 1])
    page.click("#vigie-followup-confirm")
    assert page.inner_text("#vigie-followup-check-status") == texts["followup_wrong_one"].replace(
        "{n}", str(first)
    )
    # axe on the resting state: Material's hover/focus colour of a primary
    # button (white on indigo accent #526cfe, 4.3:1) is a site-wide issue.
    page.mouse.move(0, 0)
    page.focus("#followup-confirm-1")
    found["check"] = axe_violations(page)
    assert found == {"phrase": [], "check": []}
    context.close()

    # /suivi/: the statuses and errors, in the page's language.
    context = browser.new_context()
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live.url + f"{lang}/suivi/")
    page.wait_for_selector("#vigie-suivi[data-pow=ready]", timeout=30_000)
    page.fill("#phrase", _bad_checksum(phrase))
    page.click("#vigie-read")
    page.wait_for_selector("#phrase-error:not([hidden])")
    assert page.inner_text("#phrase-error") == texts["suivi_checksum"] != french["suivi_checksum"]
    page.fill("#phrase", followup.phrase_for(os.urandom(16)))  # valid, never used
    page.click("#vigie-read")
    page.wait_for_selector("#vigie-thread:not([hidden])", timeout=30_000)
    # "Come back in a few days", in the page's language.
    assert page.inner_text("#vigie-suivi-status") == texts["suivi_none"]
    page.click("#vigie-suivi-close")
    assert page.inner_text("#vigie-suivi-status") == texts["suivi_closed"]
    context.close()
    assert errors == []
