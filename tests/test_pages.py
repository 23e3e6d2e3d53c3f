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
