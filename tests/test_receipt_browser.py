"""The receipt a reporter gets (issue 14): readable, copyable, honest about traces.

In Debian Chromium against the real `vigie serve`: at 320 px (a small phone,
or a laptop at 400 % zoom) the receipt code is one line; the copy button puts
exactly the code on the clipboard; the page's words match the path in use
(browser encryption only when the script really encrypts); the receipt says
that closing the tab does not remove the visit from the history.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.test_form_browser import Live, fill

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("form-browser")]


def test_receipt_is_one_line_at_320_px_and_the_copy_button_copies_it(
    browser: Any, live: Live
) -> None:
    origin = live.url.rstrip("/")
    context = browser.new_context(viewport={"width": 320, "height": 640})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    try:
        page = context.new_page()
        page.goto(live.url + "signaler/")
        # The script encrypts here (a secure context): the page says so.
        assert "dans votre navigateur" in page.inner_text("#vigie-mode")
        fill(page, None)
        page.click("#vigie-submit")
        page.wait_for_selector("#vigie-receipt:not([hidden])", timeout=30_000)
        code = page.inner_text("#vigie-receipt-code")
        assert code.startswith("VG-") and len(code) == 17
        lines = page.evaluate(
            "document.getElementById('vigie-receipt-code').getClientRects().length"
        )
        box = page.evaluate(
            "(() => { const r = document.getElementById('vigie-receipt-code')"
            ".getBoundingClientRect(); return [r.left, r.right]; })()"
        )
        assert lines == 1 and box[0] >= 0 and box[1] <= 320, (lines, box)
        page.click("#vigie-receipt-copy")
        # (A locator assertion: the page's CSP forbids the eval a polled string needs.)
        expect(page.locator("#vigie-receipt-copied")).to_contain_text("Numéro copié")
        assert page.evaluate("navigator.clipboard.readText()") == code
        receipt = page.inner_text("#vigie-receipt")
        assert "Fermer l'onglet ne suffit pas" in receipt and "historique" in receipt
        assert "recopiez ce numéro" in receipt  # its one real use, said on the receipt
    finally:
        context.close()


def test_without_javascript_the_page_promises_server_side_encryption_only(
    browser: Any, live: Live
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live.url + "signaler/")
        mode = page.inner_text("#vigie-mode")
        assert "par le serveur dès réception" in mode and "navigateur" not in mode
        intro = page.inner_text("main")
        assert "avant de quitter votre appareil" not in intro
        assert "navigation privée" in intro  # said before they start, not only after
    finally:
        context.close()
