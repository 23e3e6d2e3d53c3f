"""The no-JavaScript path: plain form posts, encrypted at once, metadata stripped."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pyrage
import pytest
from PIL import Image

from tests.support.intake_client import intake_client
from vigie.core import envelope, layout

FIELDS = {
    "category": "stash",
    "place": "Immeuble 12, rue de Dole",
    "landmark": "Près de la boulangerie",
    "when": "Le week-end, la nuit",
    "description": "Des allers-retours avec des sacs vers la cave, côté cour.",
    "vehicles": "",
    "campaign": "bsn-planoise",
    "website": "",
}


def gps_jpeg() -> bytes:
    """A JPEG carrying EXIF with a GPS position and a camera model."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "Phone Model X"  # Model
    exif[0x8825] = {1: "N", 2: (47.0, 14.0, 0.0), 3: "E", 4: (6.0, 1.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"secret comment")
    return out.getvalue()


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[str, bytes]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode("utf-8")
            + b"\r\n"
        )
    for name, filename, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


def decrypt_only_tip(store: Any, identity: Any) -> envelope.Tip:
    keys = [o.key for o in store.list(layout.TIPS) if o.key.endswith(".age")]
    assert len(keys) == 1
    return envelope.parse_tip(pyrage.decrypt(store.get(keys[0]), [identity]))


def test_multipart_with_photo_is_encrypted_and_stripped(backend_config: Any, identity: Any) -> None:
    cfg, store = backend_config
    photo = gps_jpeg()
    assert b"Phone Model X" in photo and b"secret comment" in photo
    ctype, body = multipart(FIELDS, [("photos", "IMG_0001.jpg", photo)])
    with intake_client(cfg, store) as client:
        response = client.http.post("/api/tips/form", headers={"Content-Type": ctype}, body=body)
    assert response.status_code == 201
    page = response.body.decode()
    assert "VG-" in page and 'lang="fr"' in page and "17" in page
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    tip = decrypt_only_tip(store, identity)
    assert tip.channel == "form"
    assert tip.description == FIELDS["description"]
    assert tip.campaign == "BSN-PLANOISE"
    (attachment,) = tip.attachments
    with Image.open(io.BytesIO(attachment.data)) as img:
        assert not img.getexif()
        assert "comment" not in img.info and "exif" not in img.info
        assert img.size == (64, 48)
    assert b"Phone Model X" not in attachment.data
    assert b"secret comment" not in attachment.data
    # Nothing in clear anywhere in the store.
    for obj in store.list(""):
        assert b"boulangerie" not in store.get(obj.key)


def test_urlencoded_form(backend_config: Any, identity: Any) -> None:
    cfg, store = backend_config
    from urllib.parse import urlencode

    with intake_client(cfg, store) as client:
        response = client.http.post(
            "/api/tips/form",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            body=urlencode(FIELDS).encode(),
        )
    assert response.status_code == 201
    assert decrypt_only_tip(store, identity).place == FIELDS["place"]


@pytest.mark.parametrize(
    ("ctype", "body", "status"),
    [
        ("application/x-www-form-urlencoded", b"category=spot&description=%FF%FE", 400),
        ("application/x-www-form-urlencoded", b"category=spot&description=", 400),
        ("application/x-www-form-urlencoded", b"category=weird&description=x", 400),
        ("application/x-www-form-urlencoded", b"description=x&website=http%3A%2F%2Fspam", 400),
        ("application/x-www-form-urlencoded", b"description=x&campaign=%3Cscript%3E", 400),
        ("multipart/form-data; boundary=zz", b"--zz\r\nnonsense", 400),
        ("multipart/form-data", b"no boundary at all", 400),
        ("text/html", b"<p>x</p>", 415),
    ],
)
def test_form_refusals_are_4xx_html_and_store_nothing(
    backend_config: Any, ctype: str, body: bytes, status: int
) -> None:
    cfg, store = backend_config
    with intake_client(cfg, store) as client:
        response = client.http.post("/api/tips/form", headers={"Content-Type": ctype}, body=body)
    assert response.status_code == status, response.body
    assert [o.key for o in store.list(layout.TIPS)] == []
    # Even refused by content type before the form is read (Chalice's own 415):
    # never JSON on the form path, a French page the person can read, with the
    # way back to the form.
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.body.decode()
    assert 'lang="fr"' in page and "Rien n'a été enregistré" in page and "/signaler/" in page
    assert "peut-être encore" not in page  # Back reloads the no-store form empty


def test_non_image_upload_is_refused(backend_config: Any) -> None:
    cfg, store = backend_config
    ctype, body = multipart(FIELDS, [("photos", "x.jpg", b"MZ\x90\x00 not a picture")])
    with intake_client(cfg, store) as client:
        response = client.http.post("/api/tips/form", headers={"Content-Type": ctype}, body=body)
    assert response.status_code == 400
    assert "JPEG ou PNG" in response.body.decode()
    assert [o.key for o in store.list(layout.TIPS)] == []


def test_form_budget_is_global_and_refuses_when_spent(tmp_path: Any, identity: Any) -> None:
    from urllib.parse import urlencode

    from tests.conftest import make_config
    from vigie.core.storage import DirStore

    cfg = make_config(
        f"dir:{tmp_path / 's'}", [str(identity.to_public())], tmp_path, form_budget_per_hour=2
    )
    store = DirStore(tmp_path / "s")
    statuses = []
    with intake_client(cfg, store) as client:
        for _ in range(6):
            response = client.http.post(
                "/api/tips/form",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                body=urlencode(FIELDS).encode(),
            )
            statuses.append(response.status_code)
    assert statuses.count(201) == 2
    assert set(statuses) == {201, 429}
    assert len([o for o in store.list(layout.TIPS) if o.key.endswith(".age")]) == 2


def test_images_appended_after_the_picture_are_dropped(backend_config: Any, identity: Any) -> None:
    """Phones append depth maps or motion photos after EOI, each with its own EXIF/GPS."""
    cfg, store = backend_config
    main = gps_jpeg()
    hidden = Image.new("RGB", (8, 8))
    exif = Image.Exif()
    exif[0x0110] = "Hidden Depth Camera"
    extra = io.BytesIO()
    hidden.save(extra, "JPEG", exif=exif)
    progressive = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(progressive, "JPEG", progressive=True)
    ctype, body = multipart(
        FIELDS,
        [("photos", "a.jpg", main + extra.getvalue()), ("photos", "p.jpg", progressive.getvalue())],
    )
    with intake_client(cfg, store) as client:
        response = client.http.post("/api/tips/form", headers={"Content-Type": ctype}, body=body)
    assert response.status_code == 201
    first, second = decrypt_only_tip(store, identity).attachments
    assert b"Hidden Depth Camera" not in first.data and b"Phone Model X" not in first.data
    assert first.data.endswith(b"\xff\xd9") and first.data.count(b"\xff\xd8") == 1
    for attachment, size in ((first, (64, 48)), (second, (40, 30))):
        with Image.open(io.BytesIO(attachment.data)) as img:
            img.load()
            assert img.size == size and not img.getexif()


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_a_refused_form_comes_back_filled_with_what_was_typed(
    backend_config: Any, lang: str
) -> None:
    """Issue 14: a refusal never throws away what someone wrote (Back does not restore it)."""
    from urllib.parse import urlencode

    cfg, store = backend_config
    typed = {
        "category": "stash",
        "place": 'Cave du bâtiment C "</textarea><script>alert(1)</script>',
        "when": "le soir, vers 22 h",
        "vehicles": "مخدرات scooter noir",
        "description": "",  # the one required field left empty
        "campaign": "BSN-GARE",
        "lang": lang,
    }
    with intake_client(cfg, store) as client:
        response = client.http.post(
            "/api/tips/form",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            body=urlencode(typed).encode(),
        )
    assert response.status_code == 400
    assert [o.key for o in store.list(layout.TIPS)] == []
    assert response.headers["Cache-Control"] == "no-store"
    page = response.body.decode()
    assert f'<html lang="{lang}"' in page
    # Every typed value is back in its field, escaped (no markup from the request).
    assert "<script>alert(1)" not in page and "&lt;/textarea&gt;&lt;script&gt;" in page
    assert 'value="le soir, vers 22 h"' in page
    assert ">مخدرات scooter noir</textarea>" in page
    assert 'value="stash" checked' in page
    assert '<input type="hidden" name="campaign" value="BSN-GARE">' in page
    # The reason stands by its field, and the form posts back to the intake.
    assert 'id="description-error" role="alert"' in page
    assert 'aria-describedby="description-error" aria-invalid="true"' in page
    # The form posts on with its page's language (a refusal before parsing speaks it).
    assert f'action="/api/tips/form?lang={lang}"' in page
    assert 'enctype="multipart/form-data"' in page
