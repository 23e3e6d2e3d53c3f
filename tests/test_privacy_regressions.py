"""Privacy regressions: nothing that could identify a reporter is logged, stored or echoed.

Each submission carries marker values in every header a proxy or browser could
add (client address, user agent, referrer, cookie) and in the tip itself; then
every log record, every stored object and every response is searched for them.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.support.intake_client import intake_client, new_key, solve
from tests.support.live import LiveVigie, write_config
from vigie.core import envelope

# The privacy regression scope is this module plus the tests marked `privacy`
# elsewhere (zero third-party requests and no cookie on every page, in
# tests/test_site_browser.py; the bundle rebuilt from its lockfile and its SRI
# hashes, in tests/test_form_page.py): run them all with `pytest -m privacy`.
pytestmark = pytest.mark.privacy

ROOT = Path(__file__).resolve().parent.parent
IP = "203.0.113.77"
MARKERS = {
    "X-Forwarded-For": IP,
    "X-Real-IP": IP,
    "Forwarded": f"for={IP}",
    "User-Agent": "MarkerAgent/9.9 (Reporter Phone)",
    "Referer": "https://referrer.example/secret-page",
    "Cookie": "session=marker-cookie-value",
}
SECRET_TEXT = "PlaintextMarkerRueDesLilas"


def leaks(text: str) -> list[str]:
    found = [v for v in (IP, "MarkerAgent", "referrer.example", "marker-cookie") if v in text]
    return found + ([SECRET_TEXT] if SECRET_TEXT in text else [])


def submissions(client: Any, cfg: Any) -> list[Any]:
    tip = envelope.Tip(category="spot", description=SECRET_TEXT, place=SECRET_TEXT)
    body = envelope.seal(envelope.serialize_tip(tip), cfg.require_recipients())
    key = new_key()
    challenge = json.loads(
        client.http.get("/api/challenge", headers={**MARKERS, "Idempotency-Key": key}).body
    )
    good = {
        **MARKERS,
        "Content-Type": "application/octet-stream",
        "Idempotency-Key": key,
        "X-Altcha": solve(challenge),
    }
    form = urlencode({"category": "spot", "description": SECRET_TEXT}).encode()
    return [
        client.http.post("/api/tips", headers=good, body=body),
        client.http.post("/api/tips", headers=good, body=body),  # idempotent replay
        client.http.post("/api/tips", headers={**good, "X-Altcha": "forged"}, body=body),
        client.http.post("/api/tips", headers=good, body=SECRET_TEXT.encode()),
        client.http.post("/api/tips", headers={**good, "Content-Type": "text/html"}, body=body),
        client.http.post(
            "/api/tips/form",
            headers={**MARKERS, "Content-Type": "application/x-www-form-urlencoded"},
            body=form,
        ),
        client.http.post(
            "/api/tips/form",
            headers={**MARKERS, "Content-Type": "application/x-www-form-urlencoded"},
            body=form + b"&website=" + SECRET_TEXT.encode(),
        ),
        client.http.get("/api/health", headers=MARKERS),
    ]


def test_no_identifying_data_in_logs_store_or_responses(
    backend_config: Any, caplog: pytest.LogCaptureFixture
) -> None:
    cfg, store = backend_config
    caplog.set_level(logging.DEBUG)  # every logger, every level
    with intake_client(cfg, store) as client:
        responses = submissions(client, cfg)
    assert [r.status_code for r in responses] == [201, 200, 403, 400, 415, 201, 400, 200]
    for record in caplog.records:
        assert not leaks(record.getMessage()), record.getMessage()
        assert not leaks(repr(record.args)), record.args
    for response in responses:
        assert not leaks(response.body.decode("utf-8", "replace"))
        assert "Set-Cookie" not in response.headers
        assert not leaks(json.dumps(dict(response.headers)))
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
    objects = list(store.list(""))
    assert len([o for o in objects if o.key.startswith("tips/") and o.key.endswith(".age")]) == 2
    for obj in objects:
        data = store.get(obj.key)
        assert not leaks(data.decode("latin-1")), obj.key
        # Object names: date to the day, a receipt and the 2-bit effort class,
        # nothing else (the tip, the intake's signature of it, its effort
        # marker, a large tip's replay marker); counter slots under a keyed
        # hash of the hour, never the hour.
        assert re.fullmatch(
            r"(tips|effort)/\d{4}-\d{2}-\d{2}/VG-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}"
            r"(\.age|\.sig|\.e[0-3])"
            r"|intake/seen/\d{4}-\d{2}-\d{2}/VG-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}"
            r"|intake/(ready|form-budget/[0-9a-f]{24}/\d+|load/[0-9a-f]{24}/\d+-\d+)",
            obj.key,
        ), obj.key


def test_live_server_prints_no_access_log(tmp_path: Path, identity: Any) -> None:
    """`vigie serve` (what `make run` starts) writes no client address or header anywhere."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>ok</p>")
    (site / "404.html").write_text("<p>404</p>")
    cfg = write_config(
        tmp_path / "vigie.toml", f"dir:{tmp_path / 'store'}", [str(identity.to_public())]
    )
    with LiveVigie(cfg, site) as live:
        for path, data in [
            ("", None),
            ("nope", None),
            ("api/health", None),
            ("api/tips/form", urlencode({"description": SECRET_TEXT}).encode()),
        ]:
            request = urllib.request.Request(live.url + path, data=data, headers=MARKERS)
            try:
                with urllib.request.urlopen(request) as response:
                    assert response.headers.get("Set-Cookie") is None
            except urllib.error.HTTPError as exc:
                assert exc.headers.get("Set-Cookie") is None
    output = live.log.read_text()
    assert "127.0.0.1 -" not in output and "GET /" not in output and "POST /" not in output
    assert not leaks(output)


def test_no_age_secret_key_committed() -> None:
    """No private key or intake secret is tracked by git (keys are made at run time)."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    offenders = []
    for name in filter(None, files):
        path = ROOT / name.decode()
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        data = path.read_bytes()
        if re.search(rb"AGE-SECRET-KEY-1[0-9A-Z]{58}", data) or re.search(
            rb"AGE-PLUGIN-[0-9A-Z-]+1[0-9A-Z]{20,}", data
        ):
            offenders.append(name.decode())
    assert offenders == []


def test_network_counts_hold_only_keyed_hashes_unlinkable_across_processes() -> None:
    """P4: the per-network counter of `vigie serve` keeps no address, prefix or stable hash."""
    import ipaddress

    from vigie.core.config import build_config
    from vigie.netcap import NetworkCap

    cfg = build_config({}, {}).intake
    first, second = NetworkCap(cfg), NetworkCap(cfg)
    for cap in (first, second):
        cap.settle(cap.reserve("127.0.1.5"), accepted=True)
        cap.settle(cap.reserve("127.0.1.77"), accepted=True)  # same /24: same counter
        assert cap.tracked() == 1
    packed = ipaddress.ip_address("127.0.1.5").packed
    for cap in (first, second):
        for tag in cap._counts:
            assert packed[:3] not in tag and b"127.0.1" not in tag
            assert len(tag) == 16
    # A fresh secret per process: the same network gets another tag.
    assert set(first._counts).isdisjoint(second._counts)
