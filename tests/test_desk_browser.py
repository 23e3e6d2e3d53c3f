"""`vigie desk` in Debian Chromium, against a real desk process, on dir: and SeaweedFS.

Tips are submitted through the real intake; the analyst's key is
passphrase-protected. The browser opens the printed one-time URL, unlocks,
pulls, searches, opens a tip with its photo, marks it, exports CSV and looks at
the stats; the same actions without the session are refused, and so are a
foreign Host and a cross-site form. After the desk stops, no file anywhere it
could write holds decrypted text or the photo.
"""

from __future__ import annotations

import csv
import http.client
import io
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyrage
import pytest

from tests.conftest import make_config
from tests.support.browser import axe_violations
from tests.support.desk import LiveDesk, files_containing
from tests.support.seaweed import free_port
from tests.test_inbox_helpers import new_receipt, png, submit, write_toml
from vigie.core import envelope
from vigie.core.config import Config, load_config
from vigie.core.storage import TipStore
from vigie.inbox import service
from vigie.inbox.keys import file_passphrase, keygen
from vigie.inbox.listing import Filters

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
PASSPHRASE = "cheval agrafe batterie correcte"
DESCRIPTION = "Livraisons Zorglub-7731 le soir, scooter noir immatriculé"
PLACE = "Quai Vauban-Qx91"
NOTE = "Recoupé avec la BAC, note-Kp44"
ASSIGNEE = "Marie-Dq52"
# The pull page once the pull is over (null-safe while navigating): the progress
# message also says "téléchargé(s)", so wait for desk.js to mark the job done.
PULLED = (
    "() => { const b = document.getElementById('pull');"
    " return !!b && b.getAttribute('data-running') === 'no'"
    " && b.textContent.includes('téléchargé'); }"
)


def _check_axe(page: Any, where: str) -> None:
    violations = axe_violations(page, AXE.read_text(encoding="utf-8"))
    assert violations == [], (where, violations)


def _setup(cfg: Config, store: TipStore, tmp: Path) -> dict[str, Any]:
    key = keygen(tmp / "marie.age", PASSPHRASE)
    s3 = {"s3_endpoint_url": cfg.intake.s3_endpoint_url} if cfg.intake.s3_endpoint_url else {}
    cfg = make_config(cfg.intake.store, [key.public_key], tmp, **s3)
    photo = png("purple", 48)
    with_photo = submit(
        cfg,
        store,
        envelope.Tip(
            category="delivery",
            description=DESCRIPTION,
            place=PLACE,
            vehicles='=HYPERLINK("http://x") scooter',
            attachments=(envelope.Attachment("image/png", photo),),
        ),
    )
    plain = submit(
        cfg,
        store,
        envelope.Tip(category="spot", description="Guetteurs <b>au</b> hall B", place="Planoise"),
    )
    today = datetime.now(UTC).date().isoformat()
    damaged, foreign = new_receipt(), new_receipt()
    store.put_new(f"tips/{today}/{damaged}.age", b"not an age file", envelope.STORE_METADATA)
    other = pyrage.x25519.Identity.generate()
    sealed = envelope.seal(
        envelope.serialize_tip(envelope.Tip(category="spot", description="autre cellule")),
        [str(other.to_public())],
    )
    store.put_new(f"tips/{today}/{foreign}.age", sealed, envelope.STORE_METADATA)
    return {
        "cfg": cfg,
        "conf": write_toml(cfg, tmp / "vigie.toml", signing_keys=[key.signing_public_key]),
        "key": tmp / "marie.age",
        "photo": photo,
        "with_photo": with_photo,
        "plain": plain,
        "damaged": damaged,
        "foreign": foreign,
    }


def _request(
    desk: LiveDesk, method: str, path: str, headers: dict[str, str] | None = None, body: str = ""
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", desk.port, timeout=10)
    try:
        hdrs = {"Host": f"127.0.0.1:{desk.port}", **(headers or {})}
        if body:
            hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
        conn.request(method, path, body=body.encode() or None, headers=hdrs)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _unlock(page: Any, key: Path, passphrase: str = PASSPHRASE) -> None:
    page.fill("#identity", str(key))
    page.fill("#passphrase", passphrase)
    page.click("button:has-text('Déverrouiller')")


def test_desk_end_to_end(
    backend_config: tuple[Config, TipStore], browser: Any, tmp_path: Path
) -> None:
    assert AXE.is_file(), "run `make test` (npm ci --prefix tests/js) to install axe-core"
    base_cfg, store = backend_config
    s = _setup(base_cfg, store, tmp_path)
    desk = LiveDesk(s["conf"], tmp_path / "desk", "--settings", str(tmp_path / "desk/desk.json"))
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    console: list[str] = []
    try:
        url = desk.start()
        page = ctx.new_page()
        page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))

        # 1. The one-time URL becomes a strict session cookie and leaves the address bar.
        page.goto(url)
        assert page.url == desk.base + "/"
        (cookie,) = ctx.cookies()
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        session = f"{cookie['name']}={cookie['value']}"
        token_path = urlsplit(url).path + "?" + urlsplit(url).query
        assert _request(desk, "GET", token_path)[0] == 403  # used up

        # 2. Unlock: a wrong passphrase keeps what was typed; then the right one.
        _check_axe(page, "unlock")
        _unlock(page, s["key"], "pas la bonne")
        assert "phrase de passe incorrecte" in page.inner_text("[role=alert]")
        assert page.input_value("#identity") == str(s["key"])
        _check_axe(page, "unlock error")
        assert len(console) == 1 and "400" in console[0]  # the refused passphrase
        console.clear()
        _unlock(page, s["key"])
        assert page.url == desk.base + "/"

        # 3. Pull, with the progress page.
        page.click("button:has-text('Récupérer les nouveaux signalements')")
        page.wait_for_function(PULLED)
        # Four tips, and the intake's signatures and effort markers of the two it stored.
        assert page.inner_text("#pull-message").startswith("8 nouvel(s) objet(s)")
        _check_axe(page, "pull")
        page.click("#pull-done")

        # 4. The list: readable tips, the damaged and foreign objects as in the CLI.
        table = page.inner_text("table")
        for receipt in (s["with_photo"], s["plain"], s["damaged"], s["foreign"]):
            assert receipt in table
        assert "ABÎMÉ" in table and "AUTRES CLÉS" in table
        assert "4 signalement(s), dont 2 illisible(s)." in page.inner_text("#summary")
        _check_axe(page, "inbox")

        # 5. Search over the decrypted fields (in memory).
        page.fill("#q", "zorglub")
        page.click("button:has-text('Filtrer')")
        assert "1 signalement(s)" in page.inner_text("#summary")
        assert s["plain"] not in page.inner_text("table")

        # 6. The tip with its photo, served from memory; reached with the keyboard only.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent") == s["with_photo"]:
                break
        else:
            raise AssertionError("the tip's link is not reachable with Tab")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{desk.base}/tips/{s['with_photo']}")
        assert DESCRIPTION in page.inner_text("#description")
        img = page.locator(".photos img")
        assert img.evaluate("i => i.complete && i.naturalWidth") == 48
        _check_axe(page, "tip")

        # 7. Mark it in progress with an assignee and a note.
        page.select_option("#status", "in-progress")
        page.fill("#assignee", ASSIGNEE)
        page.fill("#note", NOTE)
        page.click("button:has-text('Enregistrer le suivi')")
        assert "en cours" in page.inner_text("[role=status]")
        assert ASSIGNEE in page.inner_text(".fields") and NOTE in page.inner_text(".history")
        _check_axe(page, "tip after mark")
        # The same shared state as the CLI's (one implementation).
        trust = service.trust(load_config(str(s["conf"]), {}))  # the pinned signing keys
        analyst = service.Analyst(
            desk.cache, (s["key"],), file_passphrase(_passfile(tmp_path)), **trust
        )
        rows = service.do_list(analyst, Filters(), as_json=True)
        assert '"status": "in-progress"' in rows and ASSIGNEE in rows

        # 8. Export the checked tip as CSV (a download: saved on purpose).
        page.goto(desk.base + "/")
        page.check(f"#sel-{s['with_photo']}")
        with page.expect_download() as info:
            page.click("button:has-text('Exporter')")
        download = info.value
        text = Path(download.path()).read_text(encoding="utf-8-sig")
        download.delete()
        (row,) = list(csv.DictReader(io.StringIO(text)))
        assert row["receipt"] == s["with_photo"] and row["status"] == "in-progress"
        assert row["assignee"] == ASSIGNEE and row["vehicles"].startswith("'=")

        # 9. The stats chart for the comms team.
        page.click("a:has-text('Statistiques')")
        page.wait_for_function("() => document.querySelector('img.chart').complete", timeout=60_000)
        assert page.locator("img.chart").evaluate("i => i.naturalWidth") > 100
        assert "< 5" in page.inner_text("main")
        _check_axe(page, "stats")

        # 10. At 200 % zoom (a 1280 px laptop): nothing wider than the window.
        for path in ("/", f"/tips/{s['with_photo']}", "/stats"):
            page.set_viewport_size({"width": 640, "height": 400})
            page.goto(desk.base + path)
            too_wide = page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right
                                 > document.documentElement.clientWidth + 1)
                    .filter(e => !e.closest('.scroll'))
                    .map(e => e.tagName + '.' + e.className)"""
            )
            assert too_wide == [], (path, too_wide)
        assert console == []
        # No third-party request: every request of the desk's pages went to the desk.
        assert requested and all(u.startswith(desk.base + "/") for u in requested), requested

        # 11. Without the session every action is refused; with a wrong one too.
        r = s["with_photo"]
        actions = [
            ("GET", "/", ""),
            ("GET", f"/tips/{r}", ""),
            ("GET", f"/tips/{r}/photos/1", ""),
            ("GET", "/stats.png", ""),
            ("POST", f"/tips/{r}/mark", "status=rejected"),
            ("POST", "/export", "format=csv"),
            ("POST", "/pull", ""),
        ]
        for method, path, body in actions:
            status, answer = _request(desk, method, path, body=body)
            assert status == 401, (method, path)
            assert DESCRIPTION.encode() not in answer and b"PNG" not in answer
            status, _ = _request(desk, method, path, {"Cookie": f"{cookie['name']}=forged"}, body)
            assert status == 403, (method, path)

        # 12. DNS rebinding: the real session, under a foreign Host name.
        for path in ("/", f"/tips/{r}", f"/tips/{r}/photos/1"):
            status, answer = _request(
                desk, "GET", path, {"Host": "evil.example", "Cookie": session}
            )
            assert status == 403 and DESCRIPTION.encode() not in answer

        # 13. A state change without the CSRF token: refused, state unchanged.
        status, _ = _request(
            desk, "POST", f"/tips/{r}/mark", {"Cookie": session}, "status=rejected"
        )
        assert status == 403
        _cross_site_form_is_refused(ctx, desk, r)
        assert '"status": "in-progress"' in service.do_list(analyst, Filters(), as_json=True)
    finally:
        ctx.close()
        output = desk.stop() if desk.proc else ""

    # 14. Nothing decrypted left in any file the desk could write.
    assert "arrêté" in output
    assert DESCRIPTION not in output and "Zorglub" not in output
    leaks = files_containing(
        [desk.cache, desk.home, desk.tmp, desk.work, tmp_path / "desk"],
        [b"Zorglub-7731", b"Vauban-Qx91", b"note-Kp44", b"Dq52", s["photo"], PASSPHRASE.encode()],
    )
    assert leaks == []
    settings = (tmp_path / "desk" / "desk.json").read_text()
    assert str(s["key"]) in settings and "AGE-SECRET" not in settings


def _passfile(tmp: Path) -> Path:
    path = tmp / "passphrase.txt"
    if not path.exists():
        path.write_text(PASSPHRASE + "\n")
    return path


def _cross_site_form_is_refused(ctx: Any, desk: LiveDesk, receipt: str) -> None:
    """Pages elsewhere post a form to the desk; nothing changes.

    From another site the cookie is not even sent (SameSite=Strict). From another
    port of 127.0.0.1 it is (cookies ignore ports: same site), and the CSRF token
    and Sec-Fetch-Site check refuse it.
    """
    attack = (
        f'<!doctype html><form method="post" action="{desk.base}/tips/{receipt}/mark">'
        '<input name="status" value="rejected"><button id="go">go</button></form>'
    )
    for origin in ("http://evil.example", f"http://127.0.0.1:{free_port()}"):
        ctx.route(
            f"{origin}/**",
            lambda route: route.fulfill(status=200, content_type="text/html", body=attack),
        )
        page = ctx.new_page()
        page.goto(f"{origin}/")
        with page.expect_response(f"{desk.base}/tips/{receipt}/mark") as info:
            page.click("#go")
        assert info.value.status in (401, 403), origin
        page.close()


def test_idle_timeout_asks_for_the_passphrase_again(browser: Any, tmp_path: Path) -> None:
    # The idle timer does not depend on the store: dir: only.
    from vigie.core.storage import open_store

    base_cfg = make_config(f"dir:{tmp_path / 'store'}", [], tmp_path)
    s = _setup(base_cfg, open_store(base_cfg.intake), tmp_path)
    desk = LiveDesk(
        s["conf"],
        tmp_path / "desk",
        "--idle-timeout",
        "2",
        "--settings",
        str(tmp_path / "desk/desk.json"),
    )
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = ctx.new_page()
        page.goto(desk.start())
        _unlock(page, s["key"])
        page.click("button:has-text('Récupérer les nouveaux signalements')")
        page.wait_for_function(PULLED)
        page.goto(f"{desk.base}/tips/{s['with_photo']}")
        assert DESCRIPTION in page.inner_text("#description")
        time.sleep(3)
        page.reload()
        assert page.locator("#passphrase").is_visible()
        assert "inactivité" in page.inner_text("main")
        assert DESCRIPTION not in page.content()
        # The remembered path is offered; the passphrase brings the same page back.
        assert page.input_value("#identity") == str(s["key"])
        _check_axe(page, "relocked")
        page.fill("#passphrase", PASSPHRASE)
        page.click("button:has-text('Déverrouiller')")
        assert page.url == f"{desk.base}/tips/{s['with_photo']}"
        assert DESCRIPTION in page.inner_text("#description")
        # Away again, then a change sent from the stale page: nothing is done.
        time.sleep(3)
        page.select_option("#status", "rejected")
        page.click("button:has-text('Enregistrer le suivi')")
        assert "rien n'a été fait" in page.inner_text("main")
        page.fill("#passphrase", PASSPHRASE)
        page.click("button:has-text('Déverrouiller')")
        assert page.url == f"{desk.base}/tips/{s['with_photo']}"
        assert "nouveau" in page.inner_text(".fields")
        assert "Aucun suivi enregistré" in page.inner_text("main")
        # « Verrouiller » forgets at once.
        page.click("button:has-text('Verrouiller')")
        assert page.locator("#passphrase").is_visible()
        page.goto(f"{desk.base}/tips/{s['with_photo']}/photos/1")
        assert "Déverrouiller" in page.content()
    finally:
        ctx.close()
        desk.stop()


def test_the_browser_profile_keeps_no_decrypted_page_or_photo(browser: Any, tmp_path: Path) -> None:
    """`Cache-Control: no-store` at work: Chromium's own disk cache holds no tip page or photo.

    (Without no-store, this test finds the tip page and the PNG in Cache_Data.)
    """
    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
    from vigie.core.storage import open_store

    base_cfg = make_config(f"dir:{tmp_path / 'store'}", [], tmp_path)
    s = _setup(base_cfg, open_store(base_cfg.intake), tmp_path)
    profile = tmp_path / "profile"
    desk = LiveDesk(s["conf"], tmp_path / "desk", "--settings", str(tmp_path / "desk/desk.json"))
    ctx = browser.browser_type.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    try:
        page = ctx.new_page()
        page.goto(desk.start())
        _unlock(page, s["key"])
        page.click("button:has-text('Récupérer les nouveaux signalements')")
        page.wait_for_function(PULLED)
        page.goto(f"{desk.base}/tips/{s['with_photo']}")
        assert DESCRIPTION in page.inner_text("#description")
        assert page.locator(".photos img").evaluate("i => i.complete && i.naturalWidth") == 48
        page.goto(f"{desk.base}/")
    finally:
        ctx.close()
        desk.stop()
    leaks = files_containing([profile], [b"Zorglub-7731", b"Vauban-Qx91", s["photo"]])
    assert leaks == []
