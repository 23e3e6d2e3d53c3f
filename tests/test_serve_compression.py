"""`vigie serve` gzips text answers as CloudFront does, so local measurements mean something."""

from __future__ import annotations

import gzip
import http.client
from typing import Any

import pytest

from tests.support.hardening import tiny_site
from tests.support.live import LiveVigie, write_config
from vigie.compress import accepts_gzip


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, identity: Any) -> Any:
    root = tmp_path_factory.mktemp("gz")
    site = tiny_site(root / "site")
    (site / "app.js").write_text("function vigie() { return 'x'; }\n" * 400)
    (site / "photo.png").write_bytes(b"\x89PNG" + bytes(4000))
    config = write_config(root / "vigie.toml", f"dir:{root / 'store'}", [str(identity.to_public())])
    with LiveVigie(config, site) as server:
        yield server


def get(live: Any, path: str, accept: str | None) -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
    conn.request("GET", path, headers={"Accept-Encoding": accept} if accept else {})
    answer = conn.getresponse()
    return answer, answer.read()


def test_text_is_gzipped_when_asked_and_identical_once_decoded(live: Any) -> None:
    plain_answer, plain = get(live, "/app.js", None)
    assert plain_answer.getheader("Content-Encoding") is None
    assert plain_answer.getheader("Vary") == "Accept-Encoding"
    answer, body = get(live, "/app.js", "gzip, deflate, br")
    assert answer.getheader("Content-Encoding") == "gzip"
    assert int(answer.getheader("Content-Length") or 0) == len(body) < len(plain) / 10
    assert gzip.decompress(body) == plain
    # Deterministic: the same bytes each time (no timestamp in the gzip header).
    assert get(live, "/app.js", "gzip")[1] == body


def test_images_small_answers_and_refused_gzip_stay_as_they_are(live: Any) -> None:
    answer, body = get(live, "/photo.png", "gzip")
    assert answer.getheader("Content-Encoding") is None and body.startswith(b"\x89PNG")
    answer, _ = get(live, "/api/health", "gzip")  # a short JSON answer
    assert answer.getheader("Content-Encoding") is None
    answer, _ = get(live, "/app.js", "gzip;q=0, identity")
    assert answer.getheader("Content-Encoding") is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [("gzip", True), ("br, gzip;q=0.5", True), ("*", True), ("gzip;q=0", False), ("br", False)],
)
def test_accept_encoding_negotiation(header: str, expected: bool) -> None:
    assert accepts_gzip(header) is expected
    assert accepts_gzip(None) is False


def test_an_explicit_gzip_refusal_wins_over_a_star() -> None:
    from vigie.compress import accepts_gzip

    assert accepts_gzip("*, gzip;q=0") is False
    assert accepts_gzip("gzip;q=0, *") is False
    assert accepts_gzip("br, *") is True


def test_only_static_answers_stay_in_the_compression_cache() -> None:
    """An intake answer (a receipt, a form refilled with what was typed) must not
    outlive its request in the server's memory (before: every answer was cached)."""
    from vigie.compress import Compressor

    compressor = Compressor()
    page = ("<p>Ce que vous avez écrit : deux guetteurs rue de Vesoul</p>" * 40).encode()
    html = {"Content-Type": "text/html; charset=utf-8"}
    compressor.apply(html, page, "gzip")
    assert compressor._cache == {}
    compressor.apply(html, page, "gzip", cache=True)
    assert len(compressor._cache) == 1
