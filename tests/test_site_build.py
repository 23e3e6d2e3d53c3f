"""The awareness site builds strictly, shows vigie.toml's values, and loads nothing external.

These tests read the built HTML (no browser): placeholders, CSP, inline scripts,
external assets, font coverage. Browser checks are in test_site_browser.py.
"""

from __future__ import annotations

import html.parser
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fontTools.ttLib import TTFont

from tests.support.modules import load_module
from vigie.cli import main as vigie_main
from vigie.core.config import Config, load_config
from vigie.site.build import MKDOCS_YML, PROJECT_ROOT, SiteBuildError, build_site
from vigie.site.i18n import ui_values
from vigie.site.values import content_security_policy, site_values

RECIPIENT = "age1" + "q" * 58
# Distinctive values, so a page that hard-codes the defaults fails.
TOML = f"""
[site]
city = "Pontarlier"
department = "Haut-Doubs"
url = "https://vigie.example.test/"
report_url = "https://vigie.example.test/signaler/"
[analysts]
recipients = ["{RECIPIENT}"]
retention_days = 45
[emergency]
drugs_info = "0 800 99 99 99"
national_chat = "https://chat.example.test/"
"""

EXPECTED_PAGES = {
    "index.html",
    "signaler/index.html",
    "que-signaler/index.html",
    "urgence/index.html",
    "securite/index.html",
    "apres/index.html",
    "autres-moyens/index.html",
    "faq/index.html",
    "mentions-legales/index.html",
    "accessibilite/index.html",
}


@pytest.fixture(scope="module")
def cfg(tmp_path_factory: pytest.TempPathFactory) -> Config:
    path = tmp_path_factory.mktemp("sitecfg") / "vigie.toml"
    path.write_text(TOML)
    return load_config(str(path), {})


@pytest.fixture(scope="module")
def site(cfg: Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(cfg, tmp_path_factory.mktemp("site") / "out")


def pages(site: Path) -> dict[str, str]:
    return {
        str(p.relative_to(site)): p.read_text(encoding="utf-8")
        for p in site.rglob("*.html")
        if p.name != "404.html"
    }


class _Scan(html.parser.HTMLParser):
    """Collects resource URLs, inline scripts and visible text of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.resources: list[str] = []
        self.inline_scripts: list[str] = []
        self.text: list[str] = []
        self.metas: list[dict[str, str]] = []
        self._in: list[str] = []
        self._script_attrs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta":
            self.metas.append(a)
        if tag in ("script", "img", "iframe", "source", "audio", "video") and "src" in a:
            self.resources.append(a["src"])
        if tag == "link" and a.get("rel") in ("stylesheet", "icon", "preload", "modulepreload"):
            self.resources.append(a["href"])
        if tag == "script":
            self._script_attrs = a
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        top = self._in[-1] if self._in else ""
        if top == "script":
            executable = self._script_attrs.get("type", "text/javascript") in (
                "",
                "text/javascript",
                "module",
                "application/javascript",
            )
            if executable and "src" not in self._script_attrs and data.strip():
                self.inline_scripts.append(data)
        elif top not in ("style", "svg", "path"):
            self.text.append(data)


def scan(text: str) -> _Scan:
    s = _Scan()
    s.feed(text)
    return s


def test_every_page_is_built(site: Path) -> None:
    assert set(pages(site)) >= EXPECTED_PAGES


def test_placeholders_are_filled_from_vigie_toml(site: Path) -> None:
    for name, text in pages(site).items():
        assert "{{" not in text and "vigie." not in re.sub(r"<[^>]+>", "", text).replace(
            "vigie.example.test", ""
        ), name
    all_text = "\n".join(pages(site).values())
    assert "0 800 99 99 99" in all_text and "tel:0800999999" in all_text
    assert "0 800 23 13 13" not in all_text  # the default must not leak in
    assert "chat.example.test" in all_text
    assert "Pontarlier" in all_text and "Haut-Doubs" in all_text
    assert "45 jours" in pages(site)["mentions-legales/index.html"]
    assert "vigie.example.test/signaler" in pages(site)["securite/index.html"]


def _lang(name: str) -> str:
    """The language of a built page from its path (en/..., ar/..., else French)."""
    first = name.split("/", 1)[0]
    return first if first in ("en", "ar") else "fr"


def test_emergency_banner_and_quick_exit_on_every_page(site: Path) -> None:
    ui = ui_values()
    for name, text in pages(site).items():
        t = ui[_lang(name)]
        assert f"{t['urgent']} <a" in text and 'href="tel:17"' in text, name
        assert 'id="vigie-exit"' in text and 'href="https://meteofrance.com/"' in text, name
        assert f">{t['exit']}" in text.replace("\n", "").replace("    ", ""), name
        # The other ways to get help, in the footer of every page of every language.
        for link in ('href="tel:112"', 'href="sms:114"', 'href="tel:0800999999"'):
            assert link in text, (name, link)
        assert 'href="https://chat.example.test/"' in text and ">PHAROS</a>" in text, name
        assert "Drogues Info Service" in text, name


def test_referrer_comes_first_no_csp_meta_and_no_inline_script(site: Path, cfg: Config) -> None:
    """The CSP is an HTTP header only: a <meta> CSP stops the browser's preload scanner."""
    for name, text in pages(site).items():
        s = scan(text)
        assert s.metas[0] == {"charset": "utf-8"}, name
        assert s.metas[1] == {"name": "referrer", "content": "no-referrer"}, name
        assert not any(
            m.get("http-equiv", "").lower() == "content-security-policy" for m in s.metas
        )
        assert s.inline_scripts == [], name
        assert 'name="generator"' not in text and "squidfunk" not in text, name


def test_no_external_resource_and_no_material_bundle(site: Path) -> None:
    for name, text in pages(site).items():
        for url in scan(text).resources:
            assert not re.match(r"^(https?:)?//", url), (name, url)
            assert "javascripts/bundle" not in url, (name, url)
    assert not (site / "assets" / "javascripts").exists()
    for css in site.rglob("*.css"):
        body = css.read_text(encoding="utf-8")
        assert not re.search(r"url\((['\"]?)(https?:)?//", body), css
        assert "@import" not in body, css


def test_crypto_code_only_on_the_form_page(site: Path) -> None:
    for name, text in pages(site).items():
        form_scripts = [u for u in scan(text).resources if "assets/form/" in u]
        # The form (every language, per-code copies) and /suivi/ (follow-up) are
        # the pages that encrypt and decrypt.
        form_page = re.fullmatch(r"((en|ar)/)?(signaler|s/[A-Z0-9-]+|suivi)/index\.html", name)
        if not form_page:
            assert form_scripts == [], name


def test_fonts_are_subset_woff2_covering_every_character_shown(site: Path) -> None:
    """Latin text in Atkinson, Arabic letters in Noto Sans Arabic: nothing in a fallback."""
    fonts = site / "assets" / "fonts"
    shown: set[str] = set()
    for text in pages(site).values():
        shown |= {c for c in "".join(scan(text).text) if c.strip()}
    arabic = {c for c in shown if "\u0600" <= c <= "\u06ff"}
    assert len(arabic) > 30  # the Arabic pages are there
    for faces, chars, limit in (
        (("atkinson-regular", "atkinson-bold"), shown - arabic, 12_000),
        (("noto-arabic-regular", "noto-arabic-bold"), arabic, 14_000),
    ):
        for face in faces:
            data = (fonts / f"{face}.woff2").read_bytes()
            assert data[:4] == b"wOF2"
            assert len(data) < limit, face  # the full fonts are 60 KB and more
            cmap = TTFont(fonts / f"{face}.woff2").getBestCmap()
            missing = {c for c in chars if ord(c) not in cmap}
            assert not missing, f"{face} lacks {sorted(missing)}"


def test_values_are_json_ready_with_the_documented_keys(cfg: Config) -> None:
    import json

    values = site_values(cfg)
    json.dumps(values)
    for key in (
        "recipients",
        "intake_url",
        "max_body_bytes",
        "pow_bits",
        "pow_expires_seconds",
        "report_url",
        "site_url",
        "name",
        "city",
        "department",
        "emergency",
    ):
        assert key in values
    assert values["recipients"] == [RECIPIENT]
    assert values["intake_url"] == "/api"


def test_csp_allows_a_separate_intake_origin_only_in_connect_and_form() -> None:
    cfg = replace(Config(), intake=replace(Config().intake, url="https://api.example.test/v1"))
    csp = content_security_policy(cfg)
    assert "connect-src 'self' https://api.example.test;" in csp
    assert "form-action 'self' https://api.example.test;" in csp
    assert (
        "unsafe-inline" not in csp
        and "unsafe-eval'" not in csp.replace("wasm-unsafe-eval'", "")
        and "script-src 'self' 'wasm-unsafe-eval';" in csp
    )
    assert "connect-src 'self';" in content_security_policy(Config())


def test_unknown_placeholder_fails_the_build(tmp_path: Path) -> None:
    vigie_config = load_module(PROJECT_ROOT / "hooks" / "vigie_config.py", "vigie_hook_config")
    from mkdocs.exceptions import PluginError

    config = SimpleNamespace(extra={"vigie": site_values(Config())}, theme={"language": "fr"})
    page = SimpleNamespace(file=SimpleNamespace(src_uri="x.md"))
    assert vigie_config.on_page_markdown("{{ vigie.emergency.police }}", page, config, None) == "17"
    with pytest.raises(PluginError, match="unknown placeholder"):
        vigie_config.on_page_markdown("{{ vigie.emergency.polise }}", page, config, None)
    with pytest.raises(PluginError):
        vigie_config.on_page_markdown("{{ vigie.emergency }}", page, config, None)
    # `vigie.words.KEY`: an interface word in the language being built.
    assert vigie_config.on_page_markdown("{{ vigie.words.exit }}", page, config, None) == (
        "Quitter vite"
    )
    config.theme["language"] = "en"
    assert vigie_config.on_page_markdown("{{ vigie.words.exit }}", page, config, None) == (
        "Leave now"
    )
    with pytest.raises(PluginError, match="unknown placeholder"):
        vigie_config.on_page_markdown("{{ vigie.words.exitt }}", page, config, None)


def test_plain_mkdocs_build_strict_reads_vigie_toml(cfg: Config, tmp_path: Path) -> None:
    """`mkdocs build --strict` (no Vigie CLI) is clean and takes values from $VIGIE_CONFIG."""
    toml = tmp_path / "vigie.toml"
    toml.write_text(TOML)
    env = {**os.environ, "VIGIE_CONFIG": str(toml), "NO_MKDOCS_2_WARNING": "1"}
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "mkdocs"),
            "build",
            "--strict",
            "-f",
            str(MKDOCS_YML),
            "-d",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr, proc.stderr
    assert "0 800 99 99 99" in (out / "autres-moyens" / "index.html").read_text()


def test_cli_builds_and_reports_errors_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = tmp_path / "vigie.toml"
    toml.write_text(TOML)
    out = tmp_path / "cli-site"
    assert vigie_main(["--config", str(toml), "site", "build", "--out", str(out)]) == 0
    assert (out / "index.html").is_file()
    toml.write_text("[analysts]\nretention_days = 'forever'\n")
    assert vigie_main(["--config", str(toml), "site", "build", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vigie: ") and err.count("\n") == 1 and "Traceback" not in err


def test_build_error_is_reported_not_raised_raw(
    cfg: Config, tmp_path: Path, monkeypatch: Any
) -> None:
    import vigie.site.build as build_mod

    broken = tmp_path / "mkdocs.yml"
    text = MKDOCS_YML.read_text().replace("- Accueil: index.md", "- Accueil: absent.md")
    # Relative paths in mkdocs.yml resolve from its folder: make them absolute.
    text = re.sub(
        r"(docs_dir: |custom_dir: |  - )(site|overrides|hooks/)", rf"\1{PROJECT_ROOT}/\2", text
    )
    broken.write_text(text)
    monkeypatch.setattr(build_mod, "MKDOCS_YML", broken)
    with pytest.raises(SiteBuildError, match=r"absent\.md"):
        build_site(cfg, tmp_path / "out")


def test_security_headers_for_the_host(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    toml = tmp_path / "vigie.toml"
    toml.write_text(TOML)
    assert vigie_main(["--config", str(toml), "site", "headers"]) == 0
    headers = json.loads(capsys.readouterr().out)
    csp = headers["Content-Security-Policy"]
    # frame-ancestors only works as a header; the rest equals the page's <meta> policy.
    assert csp == content_security_policy(Config()) + "; frame-ancestors 'none'"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_home_has_the_big_report_button_and_the_three_promises(site: Path) -> None:
    home = pages(site)["index.html"]
    assert re.search(r'<a class="md-button md-button--primary vigie-cta" href="signaler/">', home)
    for promise in ("Anonyme", "Chiffré", "Lu par des enquêteurs"):
        assert f">{promise}</h3>" in home, promise
