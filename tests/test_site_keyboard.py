"""Keyboard users on a phone and at 200 % / 400 % zoom: every Tab stop is on screen and seen.

Tabbing through a page (real key presses, so the browser scrolls as it does
for a person): no stop is off screen (the closed navigation drawer is out of
the tab order), the focused element is the one at its own centre (nothing
fixed or sticky, such as the quick-exit button or the header, covers it:
WCAG 2.2 "focus not obscured"), and its focus indicator is visible (an
outline or a box shadow that changes the element's look). Every kind of page
in French, English and Arabic (PAGES), at every viewport, in one browser on
one built site.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyrage
import pytest

from tests.support.live import LiveVigie, write_config
from vigie.core.config import load_config
from vigie.site.build import build_site

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("site_keyboard")]

# (CSS width, height, device scale): a 390 px phone, the same phone at 200 %
# zoom, a 1280 × 800 laptop at 200 % and at 400 % (WCAG reflow: 320 px).
VIEWPORTS = [(390, 844, 1), (195, 422, 2), (640, 400, 2), (320, 200, 4)]
LANGS = {"fr": "", "en": "en/", "ar": "ar/"}
# Every kind of page, in every language: the home page, the form, the FAQ (its
# questions are <summary> elements), a plain text page, the follow-up page, a
# per-code copy of the form (/s/CODE/) and the page for a missing address.
PAGES = ["", "signaler/", "faq/", "securite/", "suivi/", "s/{code}/", "adresse-introuvable/"]
CAMPAIGN = """
[campaign]
name = "Clavier"
formats = ["square"]
[[variant]]
code = "KB-FR"
label = "Centre"
[[variant]]
code = "KB-EN"
label = "Gare"
language = "en"
[[variant]]
code = "KB-AR"
label = "Planoise"
language = "ar"
"""

_PROBE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  // Material's palette toggle is a visually hidden radio input: the label
  // that follows it is what a person sees (and must see the focus on).
  const shown = el.classList.contains("md-option") ? el.nextElementSibling : el;
  const r = shown.getBoundingClientRect();
  // The part of the element inside the viewport (a tall text box may not fit
  // whole); its centre is where a person looks for the focus.
  const vw = window.innerWidth, vh = window.innerHeight;
  const left = Math.max(r.left, 0), right = Math.min(r.right, vw);
  const top = Math.max(r.top, 0), bottom = Math.min(r.bottom, vh);
  const onScreen = right - left >= 1 && bottom - top >= 1;
  const cx = (left + right) / 2, cy = (top + bottom) / 2;
  const hit = onScreen ? document.elementFromPoint(cx, cy) : null;
  const seen = !!hit && (hit === el || el.contains(hit) || hit.contains(el) ||
                         hit === shown || shown.contains(hit));
  const s = getComputedStyle(shown);
  const ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) ||
               (s.boxShadow && s.boxShadow !== "none");
  const name = (el.id ? "#" + el.id : el.tagName.toLowerCase()) + " " +
               (el.textContent || el.getAttribute("aria-label") || "").trim().slice(0, 30);
  return {name, onScreen, seen, ring, hit: hit ? hit.className || hit.tagName : null};
}"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveVigie]:
    tmp = tmp_path_factory.mktemp("keyboard")
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    config_path = write_config(tmp / "vigie.toml", f"dir:{tmp / 'store'}", [recipient])
    (tmp / "clavier.toml").write_text(CAMPAIGN, encoding="utf-8")
    with config_path.open("a", encoding="utf-8") as toml:
        toml.write('\n[site]\ncampaigns = ["clavier.toml"]\n')
    site_dir = build_site(load_config(str(config_path), {}), tmp / "site")
    with LiveVigie(config_path, site_dir) as server:
        yield server


def tab_stops(page: Any, limit: int = 90) -> list[dict[str, Any]]:
    stops: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(_PROBE)
        for _ in range(10):  # a smooth scroll to the new stop may still be running
            if stop is None or (stop["onScreen"] and stop["seen"]):
                break
            page.wait_for_timeout(100)
            stop = page.evaluate(_PROBE)
        if stop is None or (stops and stop["name"] == stops[0]["name"]):
            break  # back to the page itself, or round to the first stop again
        stops.append(stop)
    return stops


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v[0]}x{v[1]}@{v[2]}")
def test_every_tab_stop_is_on_screen_unobscured_and_visibly_focused(
    browser: Any, live: LiveVigie, viewport: tuple[int, int, int], tmp_path: Path
) -> None:
    width, height, scale = viewport
    ctx = browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=scale
    )
    try:
        page = ctx.new_page()
        problems = []
        for lang, prefix in LANGS.items():
            for path in PAGES:
                url = prefix + path.format(code=f"KB-{lang.upper()}")
                page.goto(live.url + url)
                stops = tab_stops(page)
                assert len(stops) >= 5, (url, stops)
                for stop in stops:
                    if not (stop["onScreen"] and stop["seen"] and stop["ring"]):
                        problems.append((url, stop))
        assert problems == [], "\n".join(map(str, problems))
    finally:
        ctx.close()
