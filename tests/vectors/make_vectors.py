"""Generate tests/vectors/plaintext.json: known-answer vectors for the tip container.

Each vector is a tip (fields as typed, attachments as base64) and the exact bytes
`vigie.core.envelope.serialize_tip` makes of it. The browser serializer
(site/assets/form/tip.js) must produce the same bytes (tests/test_js_vectors.py)
and Python must keep doing so (tests/test_vectors.py, which also re-runs this
generator and compares with the committed file, so the file cannot drift).

Run: .venv/bin/python tests/vectors/make_vectors.py  (rewrites plaintext.json)
Everything here is deterministic: fixed texts, fixed attachment bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from vigie.core.envelope import Attachment, Tip, serialize_tip

OUT = Path(__file__).with_name("plaintext.json")

# A valid 1x1 PNG and a tiny JPEG-shaped byte string (the container does not
# decode images; the browser re-encodes photos before this step).
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="
)
JPEG_BYTES = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + bytes(range(256))
    + b"\xff\xd9"
)


def _tips() -> list[tuple[str, Tip]]:
    return [
        ("minimal", Tip(category="spot", description="Vente devant l'entrée B.")),
        (
            "full-french",
            Tip(
                category="delivery",
                description=(
                    "Un livreur en scooter passe « tous les soirs » vers 21 h.\n"
                    "Il s’arrête 2 minutes, échange un sachet — puis repart.\n"
                    'Cœur du quartier, près de l’école. Guillemets "droits", '
                    "barre \\ oblique, tabulation\tici."
                ),
                place="Rue de Vesoul, Besançon (Palente)",
                landmark="Près de la boulangerie, côté arrêt de bus",
                when="Du lundi au samedi, 20 h 30 – 23 h",
                vehicles="Scooter noir 🛵, plaque partielle AB-12…",
                campaign="BSN-CENTRE",
                attachments=(
                    Attachment(type="image/png", data=PNG_1X1),
                    Attachment(type="image/jpeg", data=JPEG_BYTES),
                ),
            ),
        ),
        (
            "escapes-and-scripts",
            Tip(
                category="stash",
                description=(
                    "Contrôles : \u0001\u001f fin. </script><!-- "
                    "séparateur\u2028ligne\u2029paragraphe, espace\u00a0insécable, "
                    "arabe : مخدرات, emoji 👀🏠, DEL \u007f."
                ),
                place="",
                when="",
                vehicles="Utilitaire blanc, plaque « FG-456-HJ »",
                campaign="TEST01",
                attachments=(Attachment(type="image/jpeg", data=b""),),
            ),
        ),
        (
            "five-photos-long-text",
            Tip(
                category="other",
                description="Guetteurs à l'angle. " * 90,
                place="Planoise, Besançon",
                landmark="Sous le porche",
                when="Le week-end",
                attachments=tuple(
                    Attachment(type="image/jpeg", data=bytes([i]) * (100 * i + 1)) for i in range(5)
                ),
            ),
        ),
        (
            "empty-optional-fields",
            Tip(
                category="spot",
                description="  Deux personnes vendent au pied de l'immeuble.  ",
                place=" ",
                landmark="",
                when="",
                vehicles="",
                campaign="",
            ),
        ),
        (
            "arabic-with-followup",
            Tip(
                category="spot",
                description="بيع مخدرات أمام المدخل كل مساء، بين الساعة 8 و10.",
                place="Planoise",
                lang="ar",
                campaign="BSN-GARE",
                reply_key="age1" + "q" * 58,
                reply_mailbox="ab" * 32,
                reply_proof="cd" * 32,
            ),
        ),
        (
            "followup-answer-english",
            Tip(
                category="other",
                description="Around 9 pm, building C, the blue door.",
                kind="followup",
                lang="en",
                reply_key="age1" + "z" * 58,
                reply_mailbox="01" * 32,
                reply_proof="fe" * 32,
            ),
        ),
    ]


def vector(name: str, tip: Tip) -> dict[str, Any]:
    plaintext = serialize_tip(tip)
    return {
        "name": name,
        "tip": {
            "category": tip.category,
            "description": tip.description,
            "place": tip.place,
            "landmark": tip.landmark,
            "when": tip.when,
            "vehicles": tip.vehicles,
            "campaign": tip.campaign,
            "channel": tip.channel,
            "reply_key": tip.reply_key,
            "reply_mailbox": tip.reply_mailbox,
            "reply_proof": tip.reply_proof,
            "kind": tip.kind,
            "lang": tip.lang,
            "attachments": [
                {"type": a.type, "data_b64": base64.b64encode(a.data).decode("ascii")}
                for a in tip.attachments
            ],
        },
        "plaintext_b64": base64.b64encode(plaintext).decode("ascii"),
        "plaintext_sha256": hashlib.sha256(plaintext).hexdigest(),
    }


def render() -> str:
    doc = {
        "about": "Known-answer vectors for envelope.serialize_tip; made by make_vectors.py.",
        "vectors": [vector(name, tip) for name, tip in _tips()],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def main() -> int:
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT} ({len(_tips())} vectors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
