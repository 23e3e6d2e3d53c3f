"""The intake's own HTML pages take the emergency numbers from `[emergency]`."""

from __future__ import annotations

from typing import Any

import pytest

from vigie.core.config import EmergencyConfig
from vigie.core.http import ApiError
from vigie.core.pages import error_page, receipt_page


def test_pages_show_the_configured_emergency_numbers() -> None:
    numbers = EmergencyConfig(police="17", european="112", sms="114")
    other = EmergencyConfig(police="+33 1 23", european="999", sms="3114")
    for page in (
        receipt_page("VG-AAAA-BBBB-CCCC", "2026-12-01", other),
        error_page(ApiError(400, "bad_form", "Formulaire incomplet."), other),
    ):
        text = page.body.decode()
        assert 'href="tel:+33123">+33 1 23</a>' in text
        assert 'href="tel:999">999</a>' in text and 'href="sms:3114">3114</a>' in text
        assert "tel:17" not in text and "tel:112" not in text
    default = receipt_page("VG-AAAA-BBBB-CCCC", "2026-12-01", numbers).body.decode()
    assert 'href="tel:17">17</a>' in default and 'href="sms:114">114</a>' in default


def test_intake_pages_carry_the_quick_exit_and_only_its_hashed_script() -> None:
    """Issue 14: the no-JS receipt and refusal pages have the quick exit too.

    A plain link (works without JavaScript) and one inline script (Escape
    twice), allowed by its hash in the pages' CSP and by nothing else.
    """
    import base64
    import hashlib
    import re

    from vigie.core.http import HTML_CSP
    from vigie.core.quickexit import QUICK_EXIT_URL

    numbers = EmergencyConfig()
    for lang in ("fr", "en", "ar"):
        for page in (
            receipt_page("VG-AAAA-BBBB-CCCC", "2026-12-01", numbers, lang),
            error_page(ApiError(400, "bad_form", "Formulaire incomplet."), numbers, lang),
        ):
            text = page.body.decode()
            assert f'id="vigie-exit" href="{QUICK_EXIT_URL}"' in text
            (script,) = re.findall(r"<script>(.*?)</script>", text, flags=re.S)
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"script-src 'sha256-{digest}';" in HTML_CSP
            assert "Escape" in script and "location.replace" in script
    assert "'unsafe-inline'" not in HTML_CSP.split("script-src")[1].split(";")[0]


@pytest.mark.browser
@pytest.mark.parametrize("code", ["too_large", "rate_limited"])
def test_the_edge_pages_are_accessible_at_phone_width_under_their_own_csp(
    browser: Any, code: str
) -> None:
    """The WAF's HTML answers (vigie.deploy.waf), served with the headers WAF sends."""
    from tests.test_form_browser import axe_violations
    from vigie.deploy.waf import waf_template_pages

    page_html, headers = waf_template_pages(EmergencyConfig())[code]
    page = browser.new_page(viewport={"width": 320, "height": 640})
    errors: list[str] = []
    # A refusal by the CSP is logged to the console; a broken script raises.
    page.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(
        "https://vigie.test/api/tips/form",
        lambda route: route.fulfill(
            status=413, headers={**headers, "Content-Type": "text/html; charset=utf-8"},
            body=page_html,
        ),
    )  # fmt: skip
    # Where the quick exit leads, answered here: the test never leaves loopback.
    page.route("https://meteofrance.com/**", lambda route: route.fulfill(body="", status=200))
    try:
        page.goto("https://vigie.test/api/tips/form")
        assert errors == []  # the quick exit's script runs under the page's CSP
        assert axe_violations(page) == []
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320  # no sideways scrolling at 320 px (WCAG 1.4.10)
        arabic = page.locator("section[lang=ar]")
        assert arabic.evaluate("e => getComputedStyle(e).direction") == "rtl"
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")  # twice: the quick exit leaves for a neutral site
        page.wait_for_url("https://meteofrance.com/**", wait_until="commit")
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_intake_pages_pass_axe(browser: Any, lang: str) -> None:
    """The no-JS receipt, and a refusal with the form filled again (vigie.core.refill)."""
    from tests.test_form_browser import axe_violations
    from vigie.core.http import HTML_CSP
    from vigie.core.refill import refill_form

    numbers = EmergencyConfig()
    fields = {"category": "spot", "description": "<b>deux</b> guetteurs", "place": "Planoise"}
    error = ApiError(400, "empty_description", "Décrivez ce que vous avez vu.")
    form = refill_form(fields, error.code, error.message, "/api/tips/form", lang)
    bodies = [
        receipt_page("VG-AAAA-BBBB-CCCC", "2026-12-01", numbers, lang).body,
        error_page(error, numbers, lang, form).body,
    ]
    page = browser.new_page(viewport={"width": 320, "height": 640})
    try:
        headers = {"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": HTML_CSP}

        def answering(body: bytes) -> Any:
            return lambda route: route.fulfill(status=200, body=body, headers=headers)

        for body in bodies:
            page.route("https://vigie.test/answer", answering(body))
            page.goto("https://vigie.test/answer")
            assert axe_violations(page) == []
            assert page.evaluate("document.documentElement.scrollWidth") <= 320
            page.unroute("https://vigie.test/answer")
    finally:
        page.close()
