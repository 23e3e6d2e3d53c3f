"""How `vigie serve` answers the built site: no escape from the site directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigie.static import static_answer

HEADERS = {"Content-Security-Policy": "default-src 'self'"}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "signaler").mkdir(parents=True)
    (root / "index.html").write_text("<p>accueil</p>")
    (root / "signaler" / "index.html").write_text("<p>form</p>")
    (root / "404.html").write_text("<p>introuvable</p>")
    (root / "app.js").write_text("x")
    (tmp_path / "secret.txt").write_text("outside")
    return root


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/signaler/../../secret.txt",
        "/nope",
        "/%00",
        "/a%00b",
    ],
)
def test_outside_or_missing_is_the_sites_404(site: Path, path: str) -> None:
    status, headers, body = static_answer(site.resolve(), path, HEADERS)
    assert (status, body) == (404, b"<p>introuvable</p>")
    assert headers["Content-Security-Policy"] == "default-src 'self'"


def test_directories_redirect_then_serve_their_index(site: Path) -> None:
    assert static_answer(site.resolve(), "/signaler?c=AB", HEADERS)[:2] == (
        301,
        {"Location": "/signaler/?c=AB"},
    )
    status, headers, body = static_answer(site.resolve(), "/signaler/?c=AB", HEADERS)
    assert (status, body) == (200, b"<p>form</p>")
    assert headers["Cache-Control"] == "no-store"
    status, headers, _ = static_answer(site.resolve(), "/app.js", HEADERS)
    assert status == 200 and "Content-Security-Policy" not in headers


@pytest.mark.parametrize("path", ["/\\evil.example/../signaler", "//evil.example/../signaler"])
def test_redirects_never_leave_the_site(site: Path, path: str) -> None:
    status, headers, _ = static_answer(site.resolve(), path, HEADERS)
    assert status in (301, 404)
    if status == 301:
        assert headers["Location"].startswith("/") and not headers["Location"].startswith("//")
        assert "\\" not in headers["Location"]


@pytest.mark.parametrize(
    ("path", "page"),
    [
        ("/en/nope", b"<p>not found</p>"),
        ("/en/s/BSN-X/", b"<p>not found</p>"),
        ("/ar/nope", b"<p>ar</p>"),
        ("/english/nope", b"<p>introuvable</p>"),  # not the /en/ prefix
        ("/en/../nope", b"<p>introuvable</p>"),  # normalised first: /nope
        ("/nope/en/x", b"<p>introuvable</p>"),
    ],
)
def test_a_missing_address_under_a_language_prefix_gets_that_languages_404(
    site: Path, path: str, page: bytes
) -> None:
    for lang, text in (("en", "<p>not found</p>"), ("ar", "<p>ar</p>")):
        (site / lang).mkdir()
        (site / lang / "404.html").write_text(text)
    status, headers, body = static_answer(site.resolve(), path, HEADERS)
    assert (status, body) == (404, page)
    assert headers["Cache-Control"] == "no-store"


def test_a_language_without_its_own_404_falls_back_to_the_root_one(site: Path) -> None:
    (site / "en").mkdir()
    assert static_answer(site.resolve(), "/en/nope", HEADERS)[::2] == (404, b"<p>introuvable</p>")
