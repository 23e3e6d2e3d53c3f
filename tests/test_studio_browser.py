"""The studio driven by Debian Chromium: add a variant, see its preview, download both PDFs.

The studio runs for real behind `vigie.localweb` on a loopback port, on a copy
of the example campaign. Downloads are checked with poppler (pdfinfo, pdftoppm)
and every code is decoded with zxing-cpp from the downloaded files. Each page
is checked with axe-core, and the form works from the keyboard.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from vigie import localweb
from vigie.core.config import build_config
from vigie.studio.run import make_guarded_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("studio_browser")]

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
REPORT_URL = "https://signaler.vigie-besancon.fr/signaler/"
A4_PT = "595.276 x 841.89 pts (A4)"


@dataclass
class Studio:
    url: str
    origin: str
    file: Path
    out: Path


@contextlib.contextmanager
def _running_studio(tmp: Path) -> Iterator[Studio]:
    for name in ("besancon.toml", "logo-vigie.png"):
        shutil.copy(ROOT / "campaign" / "examples" / name, tmp / name)
    cfg = build_config({"site": {"report_url": REPORT_URL}})
    sock = localweb.listen(0)
    port = int(sock.getsockname()[1])
    guard = make_guarded_app(cfg, tmp / "besancon.toml", tmp / "out", False, port)
    server = localweb.make_server(guard, sock)
    sock.close()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Studio(guard.url, f"http://127.0.0.1:{port}", tmp / "besancon.toml", tmp / "out")
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    with _running_studio(tmp_path_factory.mktemp("studio")) as running:
        yield running


def _axe(page: Any) -> list[Any]:
    # DevTools evaluation is outside the page's CSP (which rightly forbids inline script).
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """() => axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"""
    )
    return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


def _fits_width(page: Any) -> bool:
    return bool(
        page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    )


def _decode(path: Path) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(path).convert("L"))]


def _pdf_page(pdf: Path, tmp: Path) -> Path:
    prefix = tmp / pdf.stem
    subprocess.run(["pdftoppm", "-r", "100", "-gray", "-png", str(pdf), str(prefix)], check=True)
    return Path(f"{prefix}-1.png")


def test_add_a_variant_preview_it_and_download_both_pdfs(
    browser: Any, studio: Studio, tmp_path: Path
) -> None:
    assert AXE.is_file(), "run `make tests/js/node_modules/axe-core/axe.min.js`"
    comments_before = [x for x in studio.file.read_text().splitlines() if x.startswith("#")]
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    foreign: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(studio.origin) else foreign.append(r.url))
    try:
        page.goto(studio.url)  # the one-time link: session cookie, then the list of variants
        assert page.url == f"{studio.origin}/"
        assert page.get_by_role("heading", level=1).inner_text() == "Besançon — stupéfiants 2026"
        assert page.locator("tbody tr").count() == 5
        assert _axe(page) == []

        page.get_by_role("link", name="Réglages de la campagne").click()
        assert page.get_by_label("Texte", exact=True).input_value() == "#1a1a1a"
        assert _axe(page) == []
        # 320 CSS px (a 1280 px window at 400 % zoom): the forms reflow, no sideways scroll.
        page.set_viewport_size({"width": 320, "height": 640})
        assert _fits_width(page), "settings page scrolls sideways at 320 px"
        page.goto(f"{studio.origin}/variantes/BSN-CENTRE")
        assert _fits_width(page), "variant form scrolls sideways at 320 px"
        page.set_viewport_size({"width": 1280, "height": 900})
        page.get_by_role("link", name="Variantes").click()
        page.get_by_role("link", name="Ajouter une variante").click()
        assert _axe(page) == []
        # Without JavaScript's help the server refuses, in French, and keeps the form.
        page.get_by_role("button", name="Enregistrer et voir l'aperçu").click()
        page.get_by_role("heading", name="Rien n'a été enregistré").wait_for()
        assert _axe(page) == []
        # The code's grammar is checked as it is typed (the server's rule, via JS).
        page.get_by_label("Code de la variante").focus()
        page.keyboard.type("bsn tram")
        msg = page.locator("#code-msg")
        msg.get_by_text("n'est pas un code de campagne").wait_for()
        page.get_by_label("Code de la variante").fill("")
        page.get_by_label("Code de la variante").press_sequentially("BSN-TRAM-T1")
        msg.get_by_text("Code valable.").wait_for()
        # Keyboard only: Tab to the label, type; formats with the space bar.
        page.keyboard.press("Tab")
        page.keyboard.type("Tram, ligne 1")
        page.get_by_label("Langue").select_option("fr")
        for key in ("a6", "sticker"):  # the defaults of the first variant: uncheck
            box = page.locator(f"#format-{key}")
            if box.is_checked():
                box.focus()
                page.keyboard.press("Space")
        for key in ("a3", "a5"):
            box = page.locator(f"#format-{key}")
            if box.is_checked():
                box.uncheck()
        a4 = page.locator("#format-a4")
        if not a4.is_checked():
            a4.focus()
            page.keyboard.press("Space")
        page.get_by_label("Titre", exact=True).fill("Trafic près du tram ? Signalez-le.")
        # First a trial: every piece drawn and verified from the form, nothing written.
        page.get_by_role("button", name="Essayer sans enregistrer").click()
        page.wait_for_url(f"{studio.origin}/variantes/essai")
        trial = page.get_by_role("img", name="Aperçu de la pièce BSN-TRAM-T1-fr-a4")
        trial.wait_for()
        assert page.evaluate("(el) => el.complete && el.naturalWidth > 100", trial.element_handle())
        assert "BSN-TRAM-T1" not in studio.file.read_text()
        assert _axe(page) == []
        # The form comes back filled in: saving it is one key press.
        assert page.get_by_label("Titre", exact=True).input_value().startswith("Trafic près")
        page.get_by_role("button", name="Enregistrer et voir l'aperçu").press("Enter")
        page.wait_for_url(f"{studio.origin}/variantes/BSN-TRAM-T1/apercu")
        img = page.get_by_role("img", name="Aperçu de la pièce BSN-TRAM-T1-fr-a4")
        img.wait_for()
        assert page.evaluate("(el) => el.complete && el.naturalWidth > 100", img.element_handle())
        results = page.locator(".results").inner_text()
        assert "Lecture à la résolution d'impression : réussie" in results
        assert "Lecture comme un téléphone : réussie" in results
        assert "QR v" in results and "module" in results
        assert "Hauteur des capitales, minimum 5 mm" in page.locator(".caps caption").inner_text()
        assert _axe(page) == []

        # The file on disk has the new variant and still has its comments.
        data = tomllib.loads(studio.file.read_text())
        new = [v for v in data["variant"] if v["code"] == "BSN-TRAM-T1"]
        assert new == [
            {
                "code": "BSN-TRAM-T1", "label": "Tram, ligne 1", "language": "fr",
                "formats": ["a4"],
                "texts": {"fr": {"headline": "Trafic près du tram ? Signalez-le."}},
            }
        ]  # fmt: skip
        after = [x for x in studio.file.read_text().splitlines() if x.startswith("#")]
        assert after == comments_before

        page.get_by_role("button", name="Préparer les fichiers à télécharger").click()
        page.wait_for_url(f"{studio.origin}/fichiers/BSN-TRAM-T1")
        assert _axe(page) == []
        got = {}
        for label, key in (("PDF pour l'imprimeur", "print"), ("PDF bureau", "office")):
            with page.expect_download() as info:
                page.get_by_role("link", name=f"{label} BSN-TRAM-T1-fr-a4").click()
            got[key] = tmp_path / info.value.suggested_filename
            info.value.save_as(got[key])
        with page.expect_download() as info:
            page.get_by_role("link", name="Image PNG pour le web BSN-TRAM-T1-fr-a4").click()
        got["png"] = tmp_path / info.value.suggested_filename
        info.value.save_as(got["png"])
    finally:
        ctx.close()
    assert got["office"].name == "BSN-TRAM-T1-fr-a4-bureau.pdf"
    info_out = subprocess.run(
        ["pdfinfo", "-box", str(got["office"])], capture_output=True, text=True, check=True
    ).stdout
    # Exactly 210 x 297 mm: the page an office printer takes without scaling.
    assert f"Page size:       {A4_PT}" in info_out
    page_boxes = {
        name: [float(v) for v in rest.split()]
        for name, _, rest in (line.partition(":") for line in info_out.splitlines())
        if name.endswith("Box")
    }
    assert set(page_boxes) == {"MediaBox", "CropBox", "BleedBox", "TrimBox", "ArtBox"}
    for box in page_boxes.values():
        assert box == pytest.approx([0, 0, 210 * 72 / 25.4, 297 * 72 / 25.4], abs=0.01)
    printed = subprocess.run(
        ["pdfinfo", str(got["print"])], capture_output=True, text=True, check=True
    ).stdout
    assert A4_PT not in printed  # the print-shop PDF has its bleed and crop marks
    url = f"{REPORT_URL}?c=BSN-TRAM-T1"
    assert _decode(got["png"]) == [url]
    for key in ("print", "office"):
        assert _decode(_pdf_page(got[key], tmp_path)) == [url], key
    # The one refused form answers 400 (Chromium logs that); nothing else, no CSP report.
    assert [e for e in errors if "status of 400" not in e] == [] and len(errors) == 1
    assert foreign == []


def test_the_variant_form_previews_each_piece_live_without_writing(
    browser: Any, tmp_path: Path
) -> None:
    """Issue 16: « a live preview of each piece as it will print », as the form changes."""
    with _running_studio(tmp_path) as studio:
        _live_preview(browser, studio)


def _live_preview(browser: Any, studio: Studio) -> None:
    before = studio.file.read_text()
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    errors: list[str] = []
    # (The trial of a form with a mistake is a 400, which Chromium notes in the console.)
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and "status of 400" not in m.text else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(studio.url)
        page.goto(f"{studio.origin}/variantes/BSN-CENTRE")
        status = page.locator("#live-status")
        # An existing variant: its pieces are drawn at once, on the form's own page.
        status.get_by_text("Aperçu mis à jour").wait_for(timeout=60_000)
        first = page.locator("#live-preview img").first.get_attribute("src")
        assert first and first.startswith("/apercu/BSN-CENTRE/")
        page.get_by_label("Titre", exact=True).fill("Un guetteur ? Signalez-le ici.")
        page.wait_for_function(
            "(src) => { const i = document.querySelector('#live-preview img');"
            " return i && i.getAttribute('src') !== src && i.complete && i.naturalWidth > 100; }",
            arg=first,
            timeout=60_000,
        )
        assert page.url == f"{studio.origin}/variantes/BSN-CENTRE"  # no page load
        # A mistake shows as the reasons, in the preview area, still without a write.
        page.get_by_label("Code de la variante").fill("pas un code")
        status.get_by_text("Aperçu impossible").wait_for(timeout=60_000)
        reasons = page.locator("#live-preview").inner_text()
        assert "n'est pas un code de campagne" in reasons, reasons
        assert page.locator("#live-preview img").count() == 0
        assert _axe(page) == []
        assert errors == []
    finally:
        ctx.close()
    assert studio.file.read_text() == before  # previews never write the campaign file
