"""The tip envelope: age structure checks, plaintext container, interop with the age CLI."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import subprocess
from pathlib import Path
from typing import Any

import pyrage
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.intake_client import intake_client, post_tip
from vigie.core import envelope, layout
from vigie.core.envelope import EnvelopeError, check_age

TIP = envelope.Tip(
    category="spot",
    description="Point de vente en bas de l'immeuble, guetteurs à l'angle.",
    place="Planoise",
    attachments=(envelope.Attachment("image/png", b"\x89PNG fake bytes"),),
)


def test_serialize_parse_round_trip() -> None:
    data = envelope.serialize_tip(TIP)
    assert data.startswith(b"vigie-tip/2\n{")
    assert envelope.parse_tip(data) == TIP


def test_version_1_tips_are_still_read() -> None:
    """Tips stored before version 2 stay readable for as long as they are retained."""
    manifest = {
        "attachments": [],
        "campaign": "BSN-CENTRE",
        "category": "spot",
        "channel": "web",
        "description": "Vente devant l'entrée B.",
        "format": "vigie-tip",
        "landmark": "",
        "place": "Planoise",
        "reply_key": "",
        "vehicles": "",
        "version": 1,
        "when": "",
    }
    tip = envelope.parse_tip(b"vigie-tip/1\n" + envelope.canonical_json(manifest) + b"\n")
    assert (tip.version, tip.lang, tip.kind, tip.campaign) == (1, "fr", "tip", "BSN-CENTRE")
    assert tip.place == "Planoise" and not tip.has_followup
    # A v1 magic with a v2 manifest (or the reverse) is refused, not half-read.
    with pytest.raises(envelope.EnvelopeError):
        envelope.parse_tip(
            b"vigie-tip/1\n" + envelope.canonical_json({**manifest, "version": 2}) + b"\n"
        )


def test_version_2_carries_language_kind_and_followup() -> None:
    reply: dict[str, Any] = {
        "reply_key": "age1" + "q" * 58,
        "reply_mailbox": "ab" * 32,
        "reply_proof": "cd" * 32,
    }
    tip = envelope.Tip(
        category="other", description="Vers 21 h.", kind="followup", lang="ar", **reply
    )
    back = envelope.parse_tip(envelope.serialize_tip(tip))
    assert back == tip and back.has_followup and back.kind == "followup" and back.lang == "ar"
    bads: list[dict[str, Any]] = [
        {"lang": "de"},
        {"kind": "chat"},
        {"kind": "followup", "reply_key": "", "reply_mailbox": "", "reply_proof": ""},
        {"reply_mailbox": "AB" * 32},
        {"reply_proof": ""},
    ]
    for bad in bads:
        with pytest.raises(envelope.EnvelopeError):
            envelope.serialize_tip(dataclasses.replace(tip, **bad))


def test_manifest_is_canonical_json() -> None:
    data = envelope.serialize_tip(TIP)
    manifest = data[len(envelope.PLAINTEXT_MAGIC) : data.index(b"\n", 12)]
    decoded = json.loads(manifest)
    assert (
        manifest
        == json.dumps(decoded, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    )
    assert decoded["attachments"][0]["size"] == len(TIP.attachments[0].data)


@pytest.mark.parametrize(
    "tip",
    [
        envelope.Tip(category="drugs", description="x"),
        envelope.Tip(category="spot", description="   "),
        envelope.Tip(category="spot", description="x" * 10_001),
        envelope.Tip(category="spot", description="x", campaign="bad code"),
        envelope.Tip(category="spot", description="x", channel="fax"),
        envelope.Tip(
            category="spot",
            description="x",
            attachments=(envelope.Attachment("application/pdf", b"%PDF"),),
        ),
    ],
)
def test_invalid_tips_are_refused(tip: envelope.Tip) -> None:
    with pytest.raises(EnvelopeError):
        envelope.serialize_tip(tip)


def test_parse_detects_tampered_attachment() -> None:
    data = bytearray(envelope.serialize_tip(TIP))
    data[-1] ^= 1
    with pytest.raises(EnvelopeError, match="corrompue"):
        envelope.parse_tip(bytes(data))


def test_check_age_accepts_rage_and_counts_recipients() -> None:
    keys = [pyrage.x25519.Identity.generate().to_public() for _ in range(3)]
    info = check_age(pyrage.encrypt(b"hello", keys), expected_recipients=3)
    assert info.recipients == 3
    with pytest.raises(EnvelopeError) as err:
        check_age(pyrage.encrypt(b"hello", keys), expected_recipients=2)
    assert err.value.code == "wrong_recipients"


def test_check_age_refuses_many_stanzas_and_other_types() -> None:
    stanza = b"-> X25519 " + b"A" * 43 + b"\n" + b"B" * 43 + b"\n"
    head = b"age-encryption.org/v1\n"
    tail = b"--- " + b"C" * 43 + b"\n" + b"\x00" * 40
    with pytest.raises(EnvelopeError, match="trop de destinataires"):
        check_age(head + stanza * 10_000 + tail)
    with pytest.raises(EnvelopeError):
        check_age(head + b"-> scrypt " + b"A" * 22 + b" 18\n" + b"B" * 43 + b"\n" + tail)
    assert check_age(head + stanza + tail).recipients == 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_check_age_random_bytes_only_raise_envelope_error(data: bytes) -> None:
    with contextlib.suppress(EnvelopeError):
        check_age(data)


_VALID = pyrage.encrypt(b"vigie-tip/1\n{}\n", [pyrage.x25519.Identity.generate().to_public()])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(_VALID) - 1), st.integers(0, 255)), min_size=1, max_size=6
    ),
    st.integers(0, len(_VALID)),
)
def test_check_age_mutated_files_only_raise_envelope_error(
    flips: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(_VALID)
    for pos, value in flips:
        data[pos] = value
    for candidate in (
        bytes(data),
        bytes(data[:cut]),
        b"-----BEGIN AGE ENCRYPTED FILE-----\n" + bytes(data[:cut]),
    ):
        with contextlib.suppress(EnvelopeError):
            check_age(candidate)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_parse_tip_random_bytes_only_raise_envelope_error(data: bytes) -> None:
    for candidate in (data, envelope.PLAINTEXT_MAGIC + data):
        with contextlib.suppress(EnvelopeError):
            envelope.parse_tip(candidate)


def test_age_cli_round_trip_through_the_intake(
    backend_config: Any, identity: Any, identity_file: Path, tmp_path: Path
) -> None:
    """Encrypt with the Debian `age` CLI, submit, decrypt the stored object with `age -d`."""
    cfg, store = backend_config
    plaintext = envelope.serialize_tip(TIP)
    ciphertext = subprocess.run(
        ["age", *[arg for r in cfg.require_recipients() for arg in ("-r", r)]],
        input=plaintext,
        capture_output=True,
        check=True,
    ).stdout
    with intake_client(cfg, store) as client:
        response = post_tip(client, ciphertext)
    assert response.status_code == 201, response.body
    (obj,) = [o for o in store.list(layout.TIPS) if o.key.endswith(".age")]
    stored = tmp_path / "tip.age"
    stored.write_bytes(store.get(obj.key))
    out = subprocess.run(
        ["age", "-d", "-i", str(identity_file), str(stored)], capture_output=True, check=True
    ).stdout
    assert envelope.parse_tip(out) == TIP
    # And the browser-side library's output format (rage) decrypts with the CLI too.
    stored.write_bytes(envelope.seal(plaintext, cfg.require_recipients()))
    assert (
        subprocess.run(
            ["age", "-d", "-i", str(identity_file), str(stored)], capture_output=True, check=True
        ).stdout
        == plaintext
    )
