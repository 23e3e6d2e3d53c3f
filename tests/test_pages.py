"""The intake's own HTML pages take the emergency numbers from `[emergency]`."""

from __future__ import annotations

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
