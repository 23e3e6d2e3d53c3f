"""The no-JS form path's costs, each against a baseline measured in the same run.

* A 5 MB hostile multipart body (a part header of `;`, the review's finding 1)
  through Vigie's parser, against the standard library's `email` parser on
  the same shape at only 8 KB (what the intake used before).
* A genuine no-JS post with a 3 MB phone photo, parsed and re-encoded, against
  the same re-encode decoding the photo at full size (no `draft()`).

CPU time of this process (`time.process_time`), best of a few runs.
Run alone: `python bench/nojs.py`.
"""

from __future__ import annotations

import email.parser
import email.policy
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BOUNDARY = b"zzBOUNDARYzz"
CTYPE = "multipart/form-data; boundary=" + BOUNDARY.decode()


def row(name: str, value: float, unit: str, baseline: float | None, goal: str) -> dict[str, Any]:
    ratio = value / baseline if baseline else None
    return {
        "name": name,
        "value": round(value, 4),
        "unit": unit,
        "baseline": None if baseline is None else round(baseline, 4),
        "ratio": None if ratio is None else round(ratio, 4),
        "goal": goal,
    }


def cpu(work: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best


def hostile(size: int) -> bytes:
    header = b'Content-Disposition: form-data; name="description"' + b";" * size
    return b"--" + BOUNDARY + b"\r\n" + header + b"\r\n\r\nx\r\n--" + BOUNDARY + b"--\r\n"


def old_parser(body: bytes) -> None:
    """What `formpath._multipart` did before: the stdlib email parser, then the name."""
    head = f"Content-Type: {CTYPE}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    for part in message.get_payload():
        part.get_param("name", header="content-disposition")  # type: ignore[union-attr]


def refused(body: bytes) -> None:
    from vigie.core.formpath import parse_form
    from vigie.core.http import ApiError

    try:
        parse_form(CTYPE, body)
    except ApiError:
        return
    raise AssertionError("the hostile body was accepted")


def photo_post(photo: bytes) -> bytes:
    text = b'--%s\r\nContent-Disposition: form-data; name="description"\r\n\r\nx\r\n' % BOUNDARY
    part = (
        b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="photos"; filename="a.jpg"'
        b"\r\nContent-Type: image/jpeg\r\n\r\n" + photo + b"\r\n--" + BOUNDARY + b"--\r\n"
    )
    return text + part


def full_decode(photo: bytes) -> None:
    """The same re-encode without draft(): decode 12 MP, then resize."""
    from PIL import Image, ImageOps

    from vigie.core.exif import MAX_SIDE, QUALITIES

    with Image.open(io.BytesIO(photo)) as img:
        img.load()
        rgb = ImageOps.exif_transpose(img).convert("RGB")
        rgb.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        rgb.save(io.BytesIO(), "JPEG", quality=QUALITIES[0], optimize=True)


def run() -> list[dict[str, Any]]:
    from tests.test_form_hostile import phone_photo
    from vigie.core.formpath import build_form_tip, parse_form

    big = hostile(5 * 1024 * 1024 - 200)
    small = hostile(8 * 1024)
    new = cpu(lambda: refused(big))
    old = cpu(lambda: old_parser(small), repeat=1)
    photo = phone_photo()
    body = photo_post(photo)
    genuine = cpu(lambda: build_form_tip(*parse_form(CTYPE, body)))
    baseline = cpu(lambda: full_decode(photo))
    return [
        row(
            "no-JS: 5 MB hostile part header refused vs old email parser at 8 KB",
            new,
            "s",
            old,
            "≪ 1 (and < 0.1 s: finding 1)",
        ),
        row(
            "no-JS: phone photo post parsed + re-encoded (draft) vs full-size decode",
            genuine,
            "s",
            baseline,
            "< 1 (draft decodes at half size)",
        ),
    ]


if __name__ == "__main__":
    for r in run():
        print(r)
