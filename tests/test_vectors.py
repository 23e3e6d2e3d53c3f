"""The committed plaintext vectors match serialize_tip/parse_tip and their generator."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from tests.vectors import make_vectors
from vigie.core.envelope import Attachment, Tip, parse_tip, serialize_tip

VECTORS = json.loads(make_vectors.OUT.read_text(encoding="utf-8"))["vectors"]


def tip_from_vector(fields: dict[str, Any]) -> Tip:
    data = dict(fields)
    attachments = tuple(
        Attachment(type=a["type"], data=base64.b64decode(a["data_b64"]))
        for a in data.pop("attachments")
    )
    return Tip(**data, attachments=attachments)


def test_committed_file_is_what_the_generator_makes() -> None:
    assert make_vectors.OUT.read_text(encoding="utf-8") == make_vectors.render()


def test_vectors_cover_the_tricky_cases() -> None:
    tips = [tip_from_vector(v["tip"]) for v in VECTORS]
    assert any(t.campaign for t in tips)
    assert any(len(t.attachments) == 5 for t in tips)
    assert any(t.attachments and not t.attachments[0].data for t in tips)  # empty file
    assert any(any(ord(c) > 0xFFFF for c in t.description + t.vehicles) for t in tips)
    assert any("\u2028" in t.description for t in tips)
    assert any(t.place == "" and t.when == "" for t in tips)


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_serialize_and_parse_reproduce_the_vector(vector: dict[str, Any]) -> None:
    tip = tip_from_vector(vector["tip"])
    expected = base64.b64decode(vector["plaintext_b64"])
    assert hashlib.sha256(expected).hexdigest() == vector["plaintext_sha256"]
    assert serialize_tip(tip) == expected
    assert parse_tip(expected) == tip


def test_vector_bytes_are_utf8_not_escaped() -> None:
    # Non-ASCII travels as UTF-8, never as \\uXXXX escapes (the browser relies on it).
    full = next(v for v in VECTORS if v["name"] == "full-french")
    raw = base64.b64decode(full["plaintext_b64"])
    assert "Besançon".encode() in raw
    assert b"\\u00e7" not in raw
