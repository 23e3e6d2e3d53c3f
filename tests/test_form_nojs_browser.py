"""Real Chromium against a real `vigie serve`: the no-JS path and foreign pages.

* An ordinary phone photo (4032×3024 JPEG, ~3 MB, GPS EXIF, a JFXX thumbnail
  with its own EXIF) goes through the form with JavaScript off and is stored
  re-encoded, upright and without metadata (journey issue item 1, finding 9).
* A page from another origin (another port on this machine) cannot post a tip
  through `vigie serve`, with or without a script (finding 11), and a host name
  made to resolve to the server (DNS rebinding) gets nothing but a 421.
"""

from __future__ import annotations

import http.server
import io
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.live import LiveVigie, write_config
from tests.test_form_hostile import phone_photo
from vigie.core import layout
from vigie.core.config import load_config
from vigie.core.envelope import parse_tip
from vigie.core.storage import TipStore, open_store
from vigie.inbox.reader import open_sealed
from vigie.site.build import build_site

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("form-nojs-browser")]


@pytest.fixture(scope="module")
def live(identity: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp = tmp_path_factory.mktemp("nojs-live")
    config_path = write_config(
        tmp / "vigie.toml", f"dir:{tmp / 'store'}", [str(identity.to_public())]
    )
    cfg = load_config(str(config_path), {})
    with LiveVigie(config_path, build_site(cfg, tmp / "site")) as server:
        yield server, open_store(cfg.intake)


def _keys(store: TipStore) -> set[str]:
    return {o.key for o in store.list(layout.TIPS) if o.key.endswith(".age")}


def test_phone_photo_goes_through_without_javascript(
    browser: Any, live: tuple[LiveVigie, TipStore], identity: Any, tmp_path: Path
) -> None:
    server, store = live
    photo = tmp_path / "IMG_2041.jpg"
    photo.write_bytes(phone_photo())
    assert photo.stat().st_size > 2_500_000
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    before = _keys(store)
    page.goto(server.url + "signaler/")
    assert "Sans JavaScript" in page.inner_text("#photos-hint")
    page.check("#category-delivery")
    page.fill("#description", "Échanges rapides devant le hall B, tous les soirs.")
    page.set_input_files("#photos", str(photo))
    with page.expect_navigation():
        page.click("#vigie-submit")
    body = page.inner_text("body")
    context.close()
    (key,) = _keys(store) - before
    assert key.rsplit("/", 1)[1].removesuffix(".age") in body
    tip = parse_tip(open_sealed(store.get(key), [identity]))
    (attachment,) = tip.attachments
    data = attachment.data
    for needle in (b"Exif", b"JFXX", b"Phone Model", b"Thumb Cam", b"GPS"):
        assert needle not in data, needle
    assert data.count(b"\xff\xd8") == 1
    with Image.open(io.BytesIO(data)) as img:
        assert img.size == (1500, 2000) and not img.getexif()


@pytest.fixture
def foreign(live: tuple[LiveVigie, TipStore], tmp_path: Path) -> Iterator[str]:
    """Another origin on this machine (another port) serving a hostile page."""
    server, _ = live
    target = server.url + "api/tips/form"
    (tmp_path / "post.html").write_text(
        f'<form id="f" method="post" action="{target}">'
        '<input name="category" value="spot"><input name="description" value="forged">'
        '</form><script>document.getElementById("f").submit()</script>'
    )
    (tmp_path / "fetch.html").write_text(
        "<script>fetch(" + repr(target) + ", {method: 'POST', mode: 'no-cors', "
        "headers: {'Content-Type': 'application/x-www-form-urlencoded'}, "
        "body: 'category=spot&description=forged'}).then(() => document.title = 'sent', "
        "() => document.title = 'failed')</script>"
    )

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_foreign_page_cannot_post_a_tip_through_serve(
    browser: Any, live: tuple[LiveVigie, TipStore], foreign: str
) -> None:
    server, store = live
    before = _keys(store)
    context = browser.new_context()
    page = context.new_page()
    statuses: list[int] = []
    page.on(
        "response",
        lambda r: statuses.append(r.status) if r.url.endswith("/api/tips/form") else None,
    )
    with page.expect_navigation(url=server.url + "api/tips/form"):
        page.goto(foreign + "post.html")
    assert "Rien n'a été enregistré" in page.inner_text("body")
    page.goto(foreign + "fetch.html")
    page.wait_for_function("document.title !== ''")
    context.close()
    assert statuses and set(statuses) == {403}
    assert _keys(store) == before


def test_a_rebound_host_name_gets_nothing(browser: Any, live: tuple[LiveVigie, TipStore]) -> None:
    """DNS rebinding: `rebind.test` made to resolve to the server, as an attacker would."""
    server, store = live
    before = _keys(store)
    args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP rebind.test 127.0.0.1"]
    rebinding = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=args)
    try:
        page = rebinding.new_page()
        answer = page.goto(f"http://rebind.test:{server.port}/signaler/")
        assert answer is not None and answer.status == 421
        assert "Vigie" not in page.title()
        # A same-origin form post from a document of that origin (the rebound name).
        page.set_content(
            '<form method="post" action="/api/tips/form"><input name="category" value="spot">'
            '<input name="description" value="forged"><button id="go">go</button></form>'
        )
        with page.expect_navigation() as sent:
            page.click("#go")
        posted = sent.value
        assert posted is not None and posted.status == 421
    finally:
        rebinding.close()
    assert _keys(store) == before


def test_a_refusal_without_javascript_keeps_what_was_typed(
    browser: Any, live: tuple[LiveVigie, TipStore], identity: Any, tmp_path: Path
) -> None:
    """Issue 14: a refused no-JS form comes back filled; sending it again stores the tip."""
    server, store = live
    junk = tmp_path / "photo.jpg"
    junk.write_bytes(b"%PDF-1.7 not a photo at all" * 100)  # refused: not an image
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        before = _keys(store)
        page.goto(server.url + "en/signaler/")
        page.check("#category-spot")
        page.fill("#place", "Behind the gym, Planoise")
        page.fill("#when", "every evening around 9 pm")
        page.fill("#description", "Two people selling at the back door.")
        page.set_input_files("#photos", str(junk))
        with page.expect_navigation():
            page.click("#vigie-submit")
        assert _keys(store) == before  # refused: nothing stored
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.input_value("#place") == "Behind the gym, Planoise"
        assert page.input_value("#when") == "every evening around 9 pm"
        assert page.input_value("#description") == "Two people selling at the back door."
        assert page.is_checked("#category-spot")
        assert page.is_visible("#photos-error")  # the reason, by the photos field
        with page.expect_navigation():
            page.click("button[type=submit]")  # again, without the photo
        assert "Report sent" in page.inner_text("h1")
        (key,) = _keys(store) - before
        tip = parse_tip(open_sealed(store.get(key), [identity]))
        assert (tip.place, tip.lang, tip.category) == ("Behind the gym, Planoise", "en", "spot")
    finally:
        context.close()


def test_a_photo_too_big_without_javascript_keeps_what_was_typed(
    browser: Any, live: tuple[LiveVigie, TipStore], tmp_path: Path
) -> None:
    """Issue 14: the size refusal too comes back as the form, filled, in the page's language."""
    from vigie.core.config import DEFAULT_MAX_BODY

    server, store = live
    big = tmp_path / "IMG_big.jpg"
    big.write_bytes(b"\xff\xd8" + os.urandom(DEFAULT_MAX_BODY + 200_000))
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        before = _keys(store)
        page.goto(server.url + "ar/signaler/")
        page.check("#category-spot")
        page.fill("#description", "شخصان يبيعان عند الباب الخلفي")
        page.set_input_files("#photos", str(big))
        with page.expect_navigation():
            page.click("#vigie-submit")
        assert _keys(store) == before
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.input_value("#description") == "شخصان يبيعان عند الباب الخلفي"
        assert page.is_checked("#category-spot")
        assert page.is_visible("#photos-error")
        assert "{" not in page.inner_text("body")  # a page, never JSON
    finally:
        context.close()


def test_a_photo_far_too_big_without_javascript_gets_the_truth_in_arabic(
    browser: Any, live: tuple[LiveVigie, TipStore], tmp_path: Path
) -> None:
    """Issue 14: a body `vigie serve` refuses unread (3× the limit) is still a page in
    the page's language (the action's ?lang=), never JSON, and it does not promise
    that Back keeps what was typed (the form page is no-store: it comes back empty)."""
    from vigie.core.config import DEFAULT_MAX_BODY

    server, store = live
    huge = tmp_path / "IMG_huge.jpg"
    huge.write_bytes(b"\xff\xd8" + os.urandom(3 * DEFAULT_MAX_BODY))
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        before = _keys(store)
        page.goto(server.url + "ar/signaler/")
        page.check("#category-spot")
        page.fill("#description", "شخصان يبيعان عند الباب الخلفي")
        page.set_input_files("#photos", str(huge))
        with page.expect_navigation() as navigation:
            page.click("#vigie-submit")
        answer = navigation.value
        assert answer is not None and answer.status == 413
        assert answer.headers["content-type"].startswith("text/html")
        assert _keys(store) == before
        assert page.locator("html").get_attribute("dir") == "rtl"
        body = page.inner_text("body")
        assert "لا تستطيع هذه الصفحة أن تعيد إليكم ما كتبتموه" in body  # the truth
        assert "ما زال هناك" not in body  # no false promise about Back
        assert "{" not in body and "17" in body  # a page with the emergency number
    finally:
        context.close()
