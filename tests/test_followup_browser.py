"""Anonymous follow-up end to end: real Chromium, real `vigie serve`, real stores, real keys.

Reporter (context A) ticks follow-up, sends a tip, copies the phrase and types
three of its words back; an analyst runs `vigie inbox reply`; the reporter, in
a fresh context B, types the phrase on /suivi/, reads the question (decrypted
in the page) and answers; the analyst sees the answer threaded under the first
tip. Every request, header, URL, stored object, server log line and browser
storage area is captured: the phrase, the seed and the private key appear in
none of them. A phrase with a bad checksum makes no request; an unknown but
valid phrase gets an answer of the very same size. On dir: and on SeaweedFS.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.live import LiveVigie, write_config
from tests.test_inbox_helpers import new_signing_key, vigie
from vigie import followup
from vigie.core import layout, replies
from vigie.core.config import load_config
from vigie.core.storage import TipStore, open_store
from vigie.inbox.keys import signing_key_path
from vigie.site.build import build_site

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("followup-live")]

STORAGE_SNAPSHOT = (
    "async () => [localStorage.length, sessionStorage.length, document.cookie,"
    " (await indexedDB.databases()).length]"
)


class Live:
    def __init__(self, server: LiveVigie, store: TipStore, config: Path) -> None:
        self.server, self.store, self.config = server, store, config

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="module")
def site(identity: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("followup-site")
    conf = write_config(tmp / "vigie.toml", f"dir:{tmp / 'store'}", [str(identity.to_public())])
    return build_site(load_config(str(conf), {}), tmp / "site")


@pytest.fixture(params=["dir", "s3"])
def live(
    request: pytest.FixtureRequest, site: Path, identity: Any, tmp_path: Path
) -> Iterator[Live]:
    recipients = [str(identity.to_public())]
    if request.param == "dir":
        conf = write_config(tmp_path / "vigie.toml", f"dir:{tmp_path / 'store'}", recipients)
        client = None
    else:
        server = request.getfixturevalue("seaweed")
        bucket = request.getfixturevalue("seaweed_bucket")
        conf = write_config(
            tmp_path / "vigie.toml",
            f"s3://{bucket}/fu{os.urandom(6).hex()}",
            recipients,
            s3_endpoint_url=server.endpoint,
        )
        client = server.client()
    cfg = load_config(str(conf), {})
    # (SeaweedFS's test credentials come from tests/conftest.py's environment.)
    with LiveVigie(conf, site) as server_:
        yield Live(server_, open_store(cfg.intake, s3_client=client), conf)


class Capture:
    """Every request a page makes, with headers and body (what would leave the device)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.reply_sizes: list[int] = []

    def attach(self, page: Any) -> None:
        page.on("request", self._request)
        page.on("response", self._response)

    def _request(self, req: Any) -> None:
        self.requests.append(
            {"url": req.url, "headers": req.all_headers(), "body": req.post_data_buffer or b""}
        )

    def _response(self, res: Any) -> None:
        if res.url.endswith("/api/replies") and res.request.method == "POST":
            self.reply_sizes.append(len(res.body()))

    def blob(self) -> bytes:
        out = []
        for r in self.requests:
            out += [r["url"].encode(), json.dumps(r["headers"]).encode(), r["body"]]
        return b"\n".join(out)


def secrets_of(phrase: str) -> list[bytes]:
    """Every spelling of the phrase, the seed and the private key worth looking for."""
    keys = followup.from_phrase(phrase)
    seed = followup.seed_from_phrase(phrase)
    words = phrase.split()
    needles = [
        phrase.encode(),
        unicodedata.normalize("NFKD", phrase).encode(),
        " ".join(words[:3]).encode(),
        seed,
        seed.hex().encode(),
        base64.b64encode(seed),
        base64.urlsafe_b64encode(seed).rstrip(b"="),
        keys.identity.encode(),
        keys.identity.lower().encode(),
    ]
    return needles


def valid(phrase: str) -> bool:
    try:
        followup.seed_from_phrase(phrase)
    except followup.PhraseError:
        return False
    return True


def store_blob(store: TipStore) -> bytes:
    return b"\n".join(o.key.encode() + b"\n" + store.get(o.key) for o in store.list(""))


@pytest.mark.privacy
def test_follow_up_journey(
    browser: Any,
    live: Live,
    identity_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capture = Capture()
    errors: list[str] = []

    # ---- A: the report, with follow-up
    ctx_a = browser.new_context()
    page = ctx_a.new_page()
    capture.attach(page)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live.url + "signaler/")
    assert page.is_hidden("#vigie-followup-nojs") and page.is_visible("#followup")
    page.check("#category-spot")
    page.fill("#description", "Ça deale derrière le gymnase.")
    page.check("#followup")
    # (wait_for_selector, not wait_for_function: the page's CSP forbids eval)
    page.wait_for_selector("#vigie-followup-panel:not([hidden])")
    phrase = page.inner_text("#vigie-followup-phrase")
    words = phrase.split(" ")
    assert len(words) == 12 and followup.seed_from_phrase(phrase)  # a valid, checksummed phrase
    page.click("#vigie-submit")
    page.wait_for_selector("#vigie-receipt:not([hidden])", timeout=30_000)
    receipt = page.inner_text("#vigie-receipt-code")
    assert page.is_hidden("#vigie-receipt-oneway") and page.is_visible("#vigie-followup-phrase")
    assert page.inner_text("#vigie-followup-phrase") == phrase
    page.click("#vigie-followup-noted")
    assert page.is_hidden("#vigie-followup-phrase") and page.is_hidden("#vigie-followup-noted")
    labels = [page.inner_text(f"#followup-confirm-{i}-label") for i in (1, 2, 3)]
    positions = [int(label.split("° ")[1]) for label in labels]
    assert len(set(positions)) == 3
    # A wrong copy is caught while the phrase can still be shown again.
    page.fill("#followup-confirm-1", "zzzz")
    for i, p in enumerate(positions[1:], 2):
        page.fill(f"#followup-confirm-{i}", words[p - 1])
    page.click("#vigie-followup-confirm")
    assert f"n° {positions[0]} ne correspond pas" in page.inner_text("#vigie-followup-check-status")
    page.fill("#followup-confirm-1", followup.fold(words[positions[0] - 1])[:4].upper())
    page.click("#vigie-followup-confirm")
    page.wait_for_selector("#vigie-followup-check[data-checked=true]")
    assert page.is_hidden("#vigie-followup-confirm") and page.is_hidden("#vigie-followup-again")
    assert phrase not in page.content()  # dropped from the page once on paper
    assert page.evaluate(STORAGE_SNAPSHOT) == [0, 0, "", 0]
    assert ctx_a.cookies() == []
    ctx_a.close()

    # ---- the analyst asks a question
    # The analyst's key, with the signing key `vigie inbox keygen` puts beside
    # it (a question is also a signed triage event).
    key = tmp_path / "analyst.key"
    key.write_text(identity_file.read_text())
    key.chmod(0o600)
    signer = new_signing_key(signing_key_path(key))
    # The analysts' config pins that signing key (an unpinned key is refused).
    analyst_toml = tmp_path / "analyst.toml"
    analyst_toml.write_text(
        Path(live.config).read_text() + f'signing_keys = ["{signer}"]\n', encoding="utf-8"
    )
    common = ("--config", analyst_toml, "--cache", tmp_path / "cache", "-i", key)
    question = "À quelles heures ? Quel bâtiment ?"
    r = vigie(capsys, "inbox", "reply", receipt, "--message", question, *common)
    assert r.code == 0, r.err
    keys = followup.from_phrase(phrase)
    sealed = live.store.get(layout.reply_key(keys.mailbox, 1))
    out = subprocess.run(
        ["age", "-d", "-i", str(identity_file)], input=sealed, capture_output=True, check=True
    ).stdout
    assert question.encode() in out  # the cell reads the thread with the plain age CLI

    # ---- B: a fresh browser on /suivi/
    ctx_b = browser.new_context()
    page = ctx_b.new_page()
    capture.attach(page)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live.url + "suivi/")
    page.wait_for_selector("#vigie-suivi[data-pow=ready]", timeout=30_000)
    assert page.is_hidden("#vigie-suivi-nojs")
    # A bad checksum is refused in the page: no request at all.
    swapped = next(s for s in (" ".join([*words[:-1], w]) for w in words) if not valid(s))
    before = len(capture.requests)
    page.fill("#phrase", swapped)
    page.click("#vigie-read")
    page.wait_for_selector("#phrase-error:not([hidden])")
    assert len(capture.requests) == before
    # A valid phrase nobody used: an answer of the same size, and "come back".
    unknown = followup.phrase_for(os.urandom(16))
    page.fill("#phrase", unknown)
    page.click("#vigie-read")
    page.wait_for_selector("#vigie-thread:not([hidden])", timeout=30_000)
    assert page.get_attribute("#vigie-thread", "data-replies") == "0"
    assert "Revenez dans quelques jours" in page.inner_text("#vigie-suivi-status")
    page.click("#vigie-suivi-close")
    # The real phrase, typed loosely: upper case, no accents, four letters, extra spaces.
    loose = "  ".join(followup.fold(w)[:4].upper() for w in words)
    page.fill("#phrase", loose)
    page.click("#vigie-read")
    page.wait_for_selector("#vigie-thread[data-replies='1']", timeout=30_000)
    assert question in page.inner_text("#vigie-replies")
    assert capture.reply_sizes == [replies.ANSWER_BYTES, replies.ANSWER_BYTES]
    page.fill("#answer", "Vers 22 h, bâtiment C, côté parking.")
    page.click("#vigie-answer-submit")
    page.wait_for_selector("#vigie-answer-receipt:not([hidden])", timeout=30_000)
    answer_receipt = page.inner_text("#vigie-answer-code")
    assert layout.RECEIPT_RE.match(answer_receipt) and answer_receipt != receipt
    # A second answer from the same page is a new tip, never a replay of the first
    # (before: the same idempotency key, so the intake answered the first receipt
    # and the second answer was never stored).
    page.fill("#answer", "Et un scooter noir, le soir.")
    page.click("#vigie-answer-submit")
    page.wait_for_function(
        "(first) => document.getElementById('vigie-answer-code').textContent !== first",
        arg=answer_receipt,
        timeout=30_000,
    )
    second_receipt = page.inner_text("#vigie-answer-code")
    assert layout.RECEIPT_RE.match(second_receipt) and second_receipt != answer_receipt
    assert page.evaluate(STORAGE_SNAPSHOT) == [0, 0, "", 0]
    assert ctx_b.cookies() == []
    ctx_b.close()
    assert errors == []

    # ---- the analyst sees the answer threaded under the first tip
    assert vigie(capsys, "inbox", "pull", *common[:4]).code == 0
    r = vigie(capsys, "inbox", "show", receipt, "--json", *common)
    doc = json.loads(r.out)
    messages = [(m["from"], m["text"]) for m in doc["thread"]]
    # Two answers the same day: no finer time is kept (anonymity), so either order.
    assert messages[0] == ("analysts", question)
    assert sorted(messages[1:]) == [
        ("reporter", "Et un scooter noir, le soir."),
        ("reporter", "Vers 22 h, bâtiment C, côté parking."),
    ]

    # ---- nothing of the phrase, the seed or the private key left the page
    sent = capture.blob()
    stored = store_blob(live.store)
    logged = live.server.log.read_bytes()
    for needle in secrets_of(phrase) + secrets_of(unknown):
        assert needle not in sent, needle
        assert needle not in stored, needle
        assert needle not in logged, needle
    # The mailbox id went only in request bodies, never in a URL or a header.
    for r_ in capture.requests:
        assert keys.mailbox not in r_["url"] and keys.mailbox not in json.dumps(r_["headers"])


@pytest.mark.parametrize("live", ["dir"], indirect=True)
def test_without_javascript_both_pages_say_what_follow_up_needs(browser: Any, live: Live) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(live.url + "signaler/")
    assert page.is_visible("#vigie-followup-nojs") and page.is_hidden("#followup")
    assert "sens unique" in page.inner_text("#vigie-followup-nojs")
    page.goto(live.url + "suivi/")
    assert page.is_visible("#vigie-suivi-nojs") and page.is_hidden("#phrase")
    assert "JavaScript" in page.inner_text("#vigie-suivi-nojs")
    ctx.close()


@pytest.mark.parametrize("live", ["dir"], indirect=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_follow_up_states_are_accessible(browser: Any, live: Live, scheme: str) -> None:
    """axe-core on every follow-up state: phrase shown, receipt, word check, /suivi/."""
    from tests.test_form_browser import AXE, axe_violations

    assert AXE.is_file(), "run `make test` (npm ci --prefix tests/js) to install axe-core"
    ctx = browser.new_context(viewport={"width": 320, "height": 640}, color_scheme=scheme)
    page = ctx.new_page()
    found: dict[str, Any] = {}
    page.goto(live.url + "signaler/")
    page.check("#category-spot")
    page.fill("#description", "Test")
    page.focus("#followup")
    page.keyboard.press("Space")
    page.wait_for_selector("#vigie-followup-panel:not([hidden])")
    found["phrase"] = axe_violations(page)
    page.focus("#vigie-submit")
    page.keyboard.press("Enter")
    page.wait_for_selector("#vigie-receipt:not([hidden])", timeout=30_000)
    found["receipt"] = axe_violations(page)
    page.focus("#vigie-followup-noted")
    page.keyboard.press("Enter")
    page.focus("#vigie-followup-confirm")
    page.keyboard.press("Enter")
    found["check"] = axe_violations(page)
    page.goto(live.url + "suivi/")
    page.wait_for_selector("#vigie-suivi[data-pow=ready]", timeout=30_000)
    found["suivi"] = axe_violations(page)
    page.fill("#phrase", "abaisser")
    page.focus("#vigie-read")
    page.keyboard.press("Enter")
    page.wait_for_selector("#phrase-error:not([hidden])")
    found["suivi-error"] = axe_violations(page)
    page.fill("#phrase", followup.phrase_for(os.urandom(16)))
    page.focus("#vigie-read")
    page.keyboard.press("Enter")
    page.wait_for_selector("#vigie-thread:not([hidden])", timeout=30_000)
    found["suivi-thread"] = axe_violations(page)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    ctx.close()
    assert found == {k: [] for k in found}
    assert overflow <= 0
