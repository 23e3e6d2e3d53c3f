"""`vigie desk` over plain HTTP (a real desk process): hostile tip text, bad addresses, edge cases.

The browser journey is in `test_desk_browser.py`; here each request is built by
hand with the session cookie and the CSRF token, as the browser would send them.
"""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyrage
import pytest

from tests.conftest import make_config
from tests.support.desk import LiveDesk
from tests.test_inbox_helpers import png, submit, write_toml
from vigie.core import envelope
from vigie.core.storage import open_store

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@dataclass
class Session:
    desk: LiveDesk
    cookie: str
    csrf: str
    receipt: str

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.desk.port, timeout=30)
        try:
            headers = {"Host": f"127.0.0.1:{self.desk.port}", "Cookie": self.cookie}
            body = None
            if form is not None:
                body = urlencode({"csrf": self.csrf, **form}).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()


def _login(desk: LiveDesk) -> tuple[str, str]:
    target = urlsplit(desk.url)
    conn = http.client.HTTPConnection("127.0.0.1", desk.port, timeout=30)
    conn.request("GET", f"{target.path}?{target.query}", headers={"Host": target.netloc})
    resp = conn.getresponse()
    resp.read()
    cookie = (resp.getheader("Set-Cookie") or "").split(";")[0]
    conn.request("GET", "/", headers={"Host": target.netloc, "Cookie": cookie})
    page = conn.getresponse().read().decode()
    conn.close()
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, page
    return cookie, match.group(1)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    """A desk unlocked with a plain key, its cache pulled; the config has no recipient left
    (the key was retired after the tip arrived), so marking must fail with a clear message."""
    identity = pyrage.x25519.Identity.generate()
    key = tmp_path / "analyst.key"
    key.write_text(f"{identity}\n")
    cfg = make_config(f"dir:{tmp_path / 'store'}", [str(identity.to_public())], tmp_path)
    receipt = submit(
        cfg,
        open_store(cfg.intake),
        envelope.Tip(
            category="other",
            description=HOSTILE,
            place=HOSTILE,
            campaign="",
            # The second "photo" is HTML declared as PNG: the desk must never serve it.
            attachments=(
                envelope.Attachment("image/png", png("red", 8)),
                envelope.Attachment("image/png", b"<html><script>alert(1)</script></html>"),
            ),
        ),
    )
    retired = make_config(cfg.intake.store, [], tmp_path)
    conf = write_toml(retired, tmp_path / "vigie.toml")
    with LiveDesk(conf, tmp_path / "desk", "--settings", str(tmp_path / "desk.json")) as desk:
        cookie, csrf = _login(desk)
        s = Session(desk, cookie, csrf, receipt)
        status, headers, _ = s.request(
            "POST", "/unlock", {"identity": str(key), "passphrase": "", "next": "//evil.example/x"}
        )
        # An unlock never sends the analyst to another site.
        assert status == 303 and headers["location"] in ("/", f"{desk.base}/")
        assert s.request("POST", "/pull", {})[0] == 303
        for _ in range(100):
            status, _, body = s.request("GET", "/pull/status")
            if not json.loads(body)["running"]:
                break
        yield s


def test_tip_text_is_escaped_everywhere(session: Session) -> None:
    for path in ("/", f"/tips/{session.receipt}", f"/?q={session.receipt}"):
        status, headers, body = session.request("GET", path)
        assert status == 200, path
        assert b"<script>alert" not in body and b"<img src=x" not in body, path
        assert b"&lt;script&gt;" in body, path
        assert "unsafe-inline" not in headers["content-security-policy"]


def test_photos_are_images_from_memory_and_bad_addresses_are_404(session: Session) -> None:
    status, headers, body = session.request("GET", f"/tips/{session.receipt}/photos/1")
    assert status == 200 and headers["content-type"] == "image/png" and body.startswith(b"\x89PNG")
    assert headers["cache-control"] == "no-store"
    for path in (
        f"/tips/{session.receipt}/photos/2",  # not an image: refused (review finding)
        f"/tips/{session.receipt}/photos/3",
        f"/tips/{session.receipt}/photos/0",
        "/tips/VG-0000-0000-0000",
        "/tips/not-a-receipt",
        "/tips/../../etc/passwd",
        "/static/../app.py",
        "/static/desk.py",
    ):
        status, _, body = session.request("GET", path)
        assert status == 404, path
        assert b"Traceback" not in body


def test_marking_without_recipients_is_a_clear_refusal(session: Session) -> None:
    status, _, body = session.request(
        "POST", f"/tips/{session.receipt}/mark", {"status": "actioned", "note": "gardé"}
    )
    assert status == 400
    page = body.decode()
    assert "recipients" in page and "gardé" in page  # what was typed is kept
    status, _, body = session.request(
        "POST", f"/tips/{session.receipt}/mark", {"status": "bogus", "note": "x"}
    )
    assert status == 400 and "Choisissez un statut" in body.decode()


def test_export_json_of_the_filtered_list(session: Session) -> None:
    status, headers, body = session.request(
        "POST", "/export", {"format": "json", "category": "other"}
    )
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert "attachment" in headers["content-disposition"]
    (row,) = json.loads(body)
    assert row["receipt"] == session.receipt and row["description"] == HOSTILE
    status, _, body = session.request("POST", "/export", {"format": "json", "category": "spot"})
    assert status == 200 and json.loads(body) == []


def test_vigie_identity_names_the_keys_the_desk_offers_to_unlock(tmp_path: Path) -> None:
    """Issue 15: $VIGIE_IDENTITY (several files, os.pathsep) stands in for -i, as for the CLI."""
    import html
    import os

    keys = [tmp_path / "marie.age", tmp_path / "cellule.age"]
    cfg = make_config(f"dir:{tmp_path / 'store'}", [], tmp_path)
    conf = write_toml(cfg, tmp_path / "vigie.toml")
    env = {"VIGIE_IDENTITY": os.pathsep.join(str(k) for k in keys)}
    settings = tmp_path / "desk.json"
    with LiveDesk(conf, tmp_path / "desk", "--settings", str(settings), env=env) as desk:
        cookie, _ = _login(desk)
        s = Session(desk, cookie, "", "")
        status, _, body = s.request("GET", "/")  # locked: the unlock form
    assert status == 200
    match = re.search(r'id="identity" name="identity" value="([^"]*)"', body.decode())
    assert match, body[:500]
    assert html.unescape(match.group(1)) == os.pathsep.join(str(k) for k in keys)
    assert not settings.exists()  # nothing remembered before an unlock
