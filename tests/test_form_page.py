"""The built /signaler/ page: baked keys and limits, SRI, no-JS form fields, the bundle.

No browser here: these read the HTML that `build_site` writes, and rebuild the
age bundle to check the committed file is what the locked tooling produces.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pyrage
import pytest
from mkdocs.exceptions import PluginError

from hooks import form_page
from vigie.core import envelope
from vigie.core.config import build_config
from vigie.site.build import build_site

ROOT = Path(__file__).resolve().parent.parent
FORM_ASSETS = ROOT / "site" / "assets" / "form"


class Elements(HTMLParser):
    """Every start tag with its attributes, plus the text of <script> elements.

    `form_tags` are the tags inside the report form only (the theme has its own
    inputs: palette toggle, drawer).
    """

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.form_tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: dict[str, str] = {}
        self._script: str | None = None
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if tag == "form" and values.get("id") == "vigie-form":
            self._in_form = True
        if self._in_form:
            self.form_tags.append((tag, values))
        if tag == "script" and values.get("id"):
            self._script = values["id"]
            self.scripts[self._script] = ""

    def handle_data(self, data: str) -> None:
        if self._script:
            self.scripts[self._script] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None
        if tag == "form":
            self._in_form = False

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]


@pytest.fixture(scope="module")
def keys() -> list[str]:
    return [str(pyrage.x25519.Identity.generate().to_public()) for _ in range(2)]


@pytest.fixture(scope="module")
def page(keys: list[str], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Elements]:
    cfg = build_config({"analysts": {"recipients": keys}}, {}, source="<test>")
    out = build_site(cfg, tmp_path_factory.mktemp("site"))
    parser = Elements()
    parser.feed((out / "signaler" / "index.html").read_text(encoding="utf-8"))
    return out, parser


def test_keys_and_limits_are_baked_into_the_page(
    page: tuple[Path, Elements], keys: list[str]
) -> None:
    _, html = page
    settings = json.loads(html.scripts["vigie-form-config"])
    assert settings["recipients"] == keys
    assert settings["intake"] == "/api"
    assert settings["textLimits"] == envelope.TEXT_LIMITS
    assert settings["maxAttachments"] == envelope.MAX_ATTACHMENTS
    assert settings["campaignPattern"] == envelope.CAMPAIGN_CODE_RE.pattern
    assert settings["worker"] == "../assets/form/pow-worker.js"
    # Challenges are renewed before the intake would call them expired.
    assert 0 < settings["challengeMaxAgeMs"] < 1000 * 600
    assert html.find("script", id="vigie-form-config")[0]["type"] == "application/json"


@pytest.mark.privacy
def test_every_form_script_carries_a_matching_sri_hash(page: tuple[Path, Elements]) -> None:
    out, html = page
    scripts = [a for t, a in html.tags if t == "script" and "/form/" in a.get("src", "")]
    assert [Path(s["src"]).name for s in scripts] == [
        "tip.js",
        "photos.js",
        "send.js",
        "followup.js",
        "form.js",
    ]
    for script in scripts:
        built = (out / "signaler" / script["src"]).resolve().read_bytes()
        digest = base64.b64encode(hashlib.sha384(built).digest()).decode()
        assert script["integrity"] == f"sha384-{digest}"


@pytest.mark.privacy
def test_the_lazily_loaded_crypto_bundles_carry_a_matching_sri_hash(
    page: tuple[Path, Elements],
) -> None:
    """age.js and phrase.js are inserted by tip.js with the integrity baked here."""
    out, html = page
    bundles = json.loads(html.scripts["vigie-form-config"])["bundles"]
    assert sorted(bundles) == ["age", "phrase"]
    for name, spec in bundles.items():
        assert spec["src"] == f"../assets/form/{name}.js"
        built = (out / "signaler" / spec["src"]).resolve().read_bytes()
        digest = base64.b64encode(hashlib.sha384(built).digest()).decode()
        assert spec["integrity"] == f"sha384-{digest}"


@pytest.mark.privacy
def test_no_script_or_stylesheet_reaches_the_form_page_without_sri(
    page: tuple[Path, Elements],
) -> None:
    """Finding 4: a tampered `vigie.js` read the description; every resource is pinned."""
    out, _ = page
    form_pages = [p for p in out.rglob("*.html") if 'id="vigie-form"' in p.read_text()]
    assert out / "signaler" / "index.html" in form_pages
    for html_file in form_pages:
        html = Elements()
        html.feed(html_file.read_text(encoding="utf-8"))
        loaded = [a.get("src", "") for t, a in html.tags if t == "script" and "src" in a]
        loaded += [a["href"] for t, a in html.tags if t == "link" and a.get("rel") == "stylesheet"]
        names = {Path(u).name for u in loaded}
        assert {"vigie.js", "vigie.css", "form.js", "form.css"} <= names, names
        for tag, attrs in html.tags:
            if tag == "script":
                url = attrs.get("src")
            elif tag == "link" and (
                attrs.get("rel") in ("stylesheet", "modulepreload")
                or (attrs.get("rel") == "preload" and attrs.get("as") != "font")
            ):
                # (A font preload is data: the CSS that uses it cannot carry SRI.)
                url = attrs.get("href")
            else:
                continue
            if not url:
                continue  # inline data (the form's settings), not a resource
            served = (html_file.parent / url).resolve().read_bytes()
            digest = base64.b64encode(hashlib.sha384(served).digest()).decode()
            assert attrs.get("integrity") == f"sha384-{digest}", (html_file, url)


def test_crypto_code_loads_only_on_the_form_page(page: tuple[Path, Elements]) -> None:
    out, _ = page
    for html_file in out.rglob("*.html"):
        # /suivi/ (follow-up) is the other page that encrypts and decrypts.
        if html_file.parent.name not in ("signaler", "suivi"):
            assert "assets/form/" not in html_file.read_text(encoding="utf-8"), html_file


def test_no_js_form_posts_the_api_field_names(page: tuple[Path, Elements]) -> None:
    _, html = page
    form = html.find("form", id="vigie-form")[0]
    assert form["action"] == "/api/tips/form?lang=fr"  # the page language (formrefusal)
    assert form["method"] == "post"
    assert form["enctype"] == "multipart/form-data"
    assert form["autocomplete"] == "off"  # no draft kept in the browser's autofill
    radios = html.find("input", name="category")
    assert [r["value"] for r in radios] == list(envelope.CATEGORIES)
    for field, limit in envelope.TEXT_LIMITS.items():
        (element,) = [a for t, a in html.form_tags if a.get("name") == field]
        assert element["maxlength"] == str(limit)
        assert f"{field}-error" in element["aria-describedby"]
    assert "required" in html.find("textarea", name="description")[0]
    photos = html.find("input", name="photos")[0]
    assert photos["accept"] == "image/jpeg,image/png" and "multiple" in photos
    assert html.find("input", name="campaign")[0]["type"] == "hidden"
    assert html.find("input", name="website")[0]["tabindex"] == "-1"


def test_every_field_has_a_real_label(page: tuple[Path, Elements]) -> None:
    out, html = page
    text = (out / "signaler" / "index.html").read_text(encoding="utf-8")
    labelled = {a["for"] for t, a in html.form_tags if t == "label" and "for" in a}
    fields = [
        a for t, a in html.form_tags if t in ("input", "textarea") and a.get("type") != "hidden"
    ]
    # 5 texts, photos, honeypot, the follow-up checkbox (shown by JavaScript only)
    assert len(fields) == len(envelope.CATEGORIES) + 8
    for attrs in fields:
        assert attrs["id"] in labelled, attrs
    for value, label in envelope.CATEGORIES.items():
        assert re.search(rf'<label for="category-{value}">{re.escape(label)}</label>', text), value
    assert 'role="status"' in text and 'aria-live="polite"' in text


def test_a_malformed_recipient_fails_the_build() -> None:
    with pytest.raises(PluginError, match="not an age X25519 public key"):
        form_page.form_settings({"recipients": ["age1notakey"]}, "signaler/")
    pq = "age1pq1" + "q" * 60
    with pytest.raises(PluginError):
        form_page.form_settings({"recipients": [pq]}, "signaler/")


def test_json_block_cannot_close_its_script_element() -> None:
    block = form_page.json_script("x", {"a": "</script><script>alert(1)</script>"})
    assert block.count("</script>") == 1
    assert json.loads(block[block.index(">") + 1 : -len("</script>")]) == {
        "a": "</script><script>alert(1)</script>"
    }


@pytest.mark.privacy
def test_committed_bundle_is_byte_identical_to_a_rebuild(tmp_path: Path) -> None:
    # tools/bundle/node_modules comes from `npm ci` on the lockfile (make test).
    assert (ROOT / "tools" / "bundle" / "node_modules" / "esbuild").is_dir(), (
        "run `make test` (npm ci --prefix tools/bundle) to install the bundle tooling"
    )
    out = tmp_path / "age.js"
    subprocess.run(["node", str(ROOT / "tools" / "bundle" / "build.mjs"), str(out)], check=True)
    assert out.read_bytes() == (FORM_ASSETS / "age.js").read_bytes()
    assert (tmp_path / "phrase.js").read_bytes() == (FORM_ASSETS / "phrase.js").read_bytes()
    pow_out = tmp_path / "pow-worker.js"
    build_pow = ROOT / "tools" / "bundle" / "build-pow.mjs"
    subprocess.run(["node", str(build_pow), str(pow_out)], check=True)
    assert pow_out.read_bytes() == (FORM_ASSETS / "pow-worker.js").read_bytes()


def test_bundle_is_slimmed_to_x25519() -> None:
    bundle = (FORM_ASSETS / "age.js").read_bytes()
    phrase = (FORM_ASSETS / "phrase.js").read_bytes()
    # The stub replaced ML-KEM, P-256 and scrypt; the unslimmed bundle is ~50 KB gzip.
    assert b"recipient type not included in Vigie's age bundle" in bundle
    assert len(gzip.compress(bundle, 9)) < 25_000
    # BIP39's French word list (~8 KB gzip) is in phrase.js only, fetched when a
    # follow-up phrase is made or typed; the BIP39 seed stretching (PBKDF2-SHA512)
    # is not used and in neither.
    assert b"abaisser" in phrase and b"abaisser" not in bundle
    assert b"pbkdf2" not in bundle.lower() and b"pbkdf2" not in phrase.lower()
    assert len(gzip.compress(phrase, 9)) < 14_000


def test_empty_recipients_build_a_page_that_keeps_the_plain_form() -> None:
    assert form_page.form_settings({"recipients": []}, "signaler/")["recipients"] == []
