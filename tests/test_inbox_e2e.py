"""The analysts' inbox end to end, on dir: and on a real SeaweedFS.

keygen -> submit through the real intake -> pull -> list/show -> two analysts
mark concurrently -> export -> stats with small-cell suppression -> purge.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyrage
import pytest
from PIL import Image

from tests.conftest import make_config
from tests.test_inbox_helpers import (
    new_receipt,
    new_signing_key,
    place_tip,
    png,
    submit,
    vigie,
    write_toml,
)
from tests.test_stats import ints_under_threshold
from vigie.core import envelope, layout
from vigie.core.config import Config, load_config
from vigie.core.storage import TipStore
from vigie.inbox import service
from vigie.inbox.cache import Cache


def cfg_from(conf: Path) -> Config:
    return load_config(conf, {})


def _public_key(key_file: Path) -> str:
    for line in key_file.read_text().splitlines():
        if line.startswith("# public key: "):
            return line.split(": ", 1)[1]
    raise AssertionError("no public key comment")


def test_inbox_end_to_end(
    backend_config: tuple[Config, TipStore],
    identity: Any,
    identity_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base_cfg, store = backend_config
    # 1. A new analyst (A) creates a key; B is the session's `identity`.
    key_a = tmp_path / "analyst-a.key"
    r = vigie(capsys, "inbox", "keygen", "--out", key_a, "--no-passphrase")
    assert r.code == 0 and "NON protégée" in r.out
    assert key_a.stat().st_mode & 0o777 == 0o600
    pub_a = _public_key(key_a)
    assert f'"{pub_a}"' in r.out and "recipients = [" in r.out
    # ... and a signing key beside it, protected the same way, to pin in signing_keys.
    sign_a = r.out.split("Clé publique de signature : ")[1].split()[0]
    assert f'signing_keys = ["{sign_a}"]' in r.out
    assert (tmp_path / "analyst-a.key.sign").stat().st_mode & 0o777 == 0o600
    sign_b_file = tmp_path / "analyst-b.sign"
    sign_b = new_signing_key(sign_b_file)
    recipients = [pub_a, str(identity.to_public())]
    s3 = (
        {"s3_endpoint_url": base_cfg.intake.s3_endpoint_url}
        if base_cfg.intake.s3_endpoint_url
        else {}
    )
    cfg = make_config(base_cfg.intake.store, recipients, tmp_path, **s3)
    conf = write_toml(cfg, tmp_path / "vigie.toml", signing_keys=[sign_a, sign_b])
    cache_a, cache_b = tmp_path / "cache-a", tmp_path / "cache-b"
    common_a = ("--config", conf)

    # 2. Tips through the real intake: 5 spots (one poster), 1 delivery with a photo.
    photo = png("blue", 16)
    spots = [
        submit(
            cfg,
            store,
            envelope.Tip(
                category="spot",
                description=f"Vente au pied de l'immeuble n°{i}, guetteurs à l'entrée",
                place="Planoise, rue de Savoie",
                campaign="BSN-PLANOISE",
            ),
        )
        for i in range(5)
    ]
    delivery = submit(
        cfg,
        store,
        envelope.Tip(
            category="delivery",
            description='=HYPERLINK("x") scooter noir, livraisons le soir',
            place="Centre-ville, Battant",
            when="tous les soirs vers 22 h",
            vehicles="scooter noir",
            attachments=(envelope.Attachment("image/png", photo),),
        ),
    )
    # 3. A tip encrypted with the Debian age CLI and dropped into the store.
    plaintext = envelope.serialize_tip(
        envelope.Tip(category="spot", description="Déposé avec age", place="Saint-Ferjeux")
    )
    age_cli = subprocess.run(
        ["/usr/bin/age", *(a for r in recipients for a in ("-r", r))],
        input=plaintext,
        capture_output=True,
        check=True,
    ).stdout
    age_receipt = new_receipt()
    today = datetime.now(UTC).date()
    store.put_new(layout.tip_key(today, age_receipt), age_cli, {"vigie-envelope": "1"})

    # 4. Pull (twice: the second fetches nothing) and list.
    r = vigie(capsys, *common_a, "inbox", "pull", "--cache", cache_a)
    # 7 tips, the intake's signatures of the 6 it stored itself and their effort markers.
    assert r.code == 0 and r.out.startswith("19 nouvel(s)"), r.out
    r = vigie(capsys, *common_a, "inbox", "pull", "--cache", cache_a)
    assert r.out.startswith("0 nouvel(s) objet(s) téléchargé(s), 19 déjà présent(s)"), r.out
    r = vigie(capsys, *common_a, "inbox", "list", "--cache", cache_a, "-i", key_a, "--json")
    rows = {row["receipt"]: row for row in json.loads(r.out)}
    assert set(rows) == {*spots, delivery, age_receipt}
    assert all(row["kind"] == "ok" and row["status"] == "new" for row in rows.values())
    # Only the tip dropped into the store by hand lacks the intake's signature.
    assert {r for r, row in rows.items() if row["origin"] != "intake"} == {age_receipt}
    assert rows[age_receipt]["origin"] == "unsigned"
    r = vigie(capsys, *common_a, "inbox", "list", "--cache", cache_a, "-i", key_a)
    assert "1 INJECTÉ(S)" in r.out and f"{age_receipt} ⚠" in r.out
    assert rows[age_receipt]["place"] == "Saint-Ferjeux"
    assert rows[delivery]["photos"] == 1 and rows[delivery]["date"] == today.isoformat()
    r = vigie(
        capsys, *common_a, "inbox", "list", "--cache", cache_a, "-i", key_a, "--type", "delivery"
    )
    assert delivery in r.out and spots[0] not in r.out and "Centre-ville, Battant" in r.out

    # show, with the photo written where the analyst asks (0600).
    photos = tmp_path / "photos"
    r = vigie(
        capsys, "inbox", "show", delivery, "--cache", cache_a, "-i", key_a,
        "--attachments", photos,
    )  # fmt: skip
    assert r.code == 0 and "scooter noir" in r.out and "tous les soirs vers 22 h" in r.out
    written = photos / f"{delivery}-1.png"
    assert written.read_bytes() == photo and written.stat().st_mode & 0o777 == 0o600
    assert Image.open(written).size == (16, 16)

    # 5. Two analysts mark the same tip at the same moment: no update is lost.
    vigie(capsys, *common_a, "inbox", "pull", "--cache", cache_b)
    trust = service.trust(cfg_from(conf))
    analysts = {
        "A": service.Analyst(cache_a, (key_a,), lambda _p: "", **trust),
        "B": service.Analyst(
            cache_b, (identity_file,), lambda _p: "", signing_key_file=sign_b_file, **trust
        ),
    }
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def marker(name: str) -> None:
        try:
            barrier.wait()
            for n in range(3):
                service.do_mark(
                    cfg_from(conf), analysts[name], spots[0], "in-progress", f"{name} note {n}",
                    name,
                )  # fmt: skip
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=marker, args=(n,)) for n in "AB"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    r = vigie(capsys, *common_a, "inbox", "mark", spots[1], "--cache", cache_b,
              "-i", identity_file, "--signing-key", sign_b_file,
              "--status", "rejected", "--note", "hors sujet")  # fmt: skip
    assert r.code == 0 and "écarté" in r.out
    for cache, key in ((cache_a, key_a), (cache_b, identity_file)):
        vigie(capsys, *common_a, "inbox", "pull", "--cache", cache)
        r = vigie(capsys, *common_a, "inbox", "show", spots[0], "--cache", cache, "-i", key)
        for name in "AB":
            for n in range(3):
                assert f"{name} note {n}" in r.out
        r = vigie(capsys, *common_a, "inbox", "list", "--cache", cache, "-i", key, "--json")
        states = {row["receipt"]: row["status"] for row in json.loads(r.out)}
        assert states[spots[0]] == "in-progress" and states[spots[1]] == "rejected"
    r = vigie(
        capsys, *common_a, "inbox", "list", "--cache", cache_a, "-i", key_a, "--status", "rejected"
    )
    assert spots[1] in r.out and spots[0] not in r.out

    # 6. Export: UTF-8, chosen fields, formulas defused in CSV.
    out_csv, out_json = tmp_path / "export.csv", tmp_path / "export.json"
    r = vigie(capsys, *common_a, "inbox", "export", "--cache", cache_a, "-i", key_a,
              "--format", "csv", "--out", out_csv,
              "--fields", "receipt,category,place,description")  # fmt: skip
    assert r.code == 0 and "7 signalement(s)" in r.out
    with out_csv.open(encoding="utf-8-sig", newline="") as fh:
        exported = {row["receipt"]: row for row in csv.DictReader(fh)}
    assert list(next(iter(exported.values()))) == ["receipt", "category", "place", "description"]
    assert exported[delivery]["description"].startswith("'=HYPERLINK")
    assert exported[age_receipt]["description"] == "Déposé avec age"
    assert out_csv.stat().st_mode & 0o777 == 0o600
    vigie(capsys, *common_a, "inbox", "export", "--cache", cache_a, "-i", key_a, "--format", "json",
          "--out", out_json)  # fmt: skip
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert {d["receipt"] for d in data} == set(rows)
    assert next(d for d in data if d["receipt"] == spots[1])["status"] == "rejected"

    # 7. Stats: 6 spots shown, everything under 5 suppressed, page and chart written.
    stats_dir, page = tmp_path / "stats", tmp_path / "resultats.md"
    # This month is still open: publishing it is refused (it would be republished).
    r = vigie(capsys, *common_a, "stats", "--since", today.strftime("%Y-%m"), "--cache", cache_a,
              "-i", key_a, "--out", stats_dir, "--until", today.strftime("%Y-%m"))  # fmt: skip
    assert r.code == 2 and "période doit être close" in r.err
    # Once the month is closed (as seen from the next month), it is published once.
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=3)
    service.do_stats(cfg, service.Analyst(cache_a, (key_a,), lambda _p: "", **trust),
                     today.strftime("%Y-%m"), stats_dir, page, today=next_month)  # fmt: skip
    doc = json.loads((stats_dir / "stats.json").read_text(encoding="utf-8"))
    # The injected tip (no intake signature) is not counted.
    assert doc["total"] == 6 and doc["by_month"] == [
        {"month": today.strftime("%Y-%m"), "label": doc["by_month"][0]["label"], "count": 6}
    ]
    assert ints_under_threshold(doc) == []  # not a single exact count under 5
    cats = {c["category"]: c["count"] for c in doc["by_category"]}
    # 5 spots and 1 delivery: total 6 - 5 would reveal the hidden 1, so 5 goes too.
    assert cats == {"spot": "< 5", "delivery": "< 5", "stash": "< 5", "other": "< 5"}
    camps = {c["campaign"]: c["count"] for c in doc["by_campaign"]}
    # 5 from the poster, 1 without code: the hidden cells would add up to 1
    # (total 6 - 5), so the poster's count is hidden too.
    assert camps == {"BSN-PLANOISE": "< 5", "(autres codes)": "< 5", "(sans code)": "< 5"}
    assert Image.open(stats_dir / "stats.png").size[0] >= 800
    text = page.read_text(encoding="utf-8")
    assert "# Résultats" in text and "| Point de deal | < 5 |" in text and "| 5 |" not in text
    assert not list(stats_dir.glob(".tmp-*"))

    # 8. Purge: an old tip goes (with its state), an old actioned one stays.
    old = today - timedelta(days=120)
    old_plain = place_tip(cfg, store, envelope.Tip(category="stash", description="cave"), old)
    old_done = place_tip(cfg, store, envelope.Tip(category="stash", description="garage"), old)
    vigie(capsys, *common_a, "inbox", "pull", "--cache", cache_a)
    vigie(capsys, *common_a, "inbox", "pull", "--cache", cache_b)
    for receipt, status in ((old_plain, "in-progress"), (old_done, "actioned")):
        r = vigie(capsys, *common_a, "inbox", "mark", receipt, "--cache", cache_a,
                  "-i", key_a, "--status", status)  # fmt: skip
        assert r.code == 0, r.err
    kept = {o.key for o in store.list(layout.KEPT)}
    # The kept copy carries the intake's signature too: it stays verifiable after the
    # lifecycle rule expires tips/.
    assert {
        layout.kept_key(old, old_done),
        layout.signature_key(layout.kept_key(old, old_done)),
    } <= kept
    before = sorted(o.key for o in store.list(""))
    r = vigie(capsys, *common_a, "inbox", "purge", "--cache", cache_a, "-i", key_a)
    assert r.code == 0 and "Simulation" in r.out and f"{old_plain} du {old}" in r.out
    assert f"{old_done} : conservé (exploité)" in r.out
    assert sorted(o.key for o in store.list("")) == before  # dry run by default
    r = vigie(capsys, *common_a, "inbox", "purge", "--cache", cache_a, "-i", key_a, "--apply")
    assert r.code == 0 and "1 signalement(s) supprimés" in r.out, r.out
    remaining = [o.key for o in store.list("")]
    assert not any(old_plain in k for k in remaining)
    assert any(old_done in k for k in remaining) and any(spots[0] in k for k in remaining)
    # The other workstation forgets the purged tip at its next pull.
    assert any(old_plain in str(p) for p in (cache_b / "objects").rglob("*"))
    vigie(capsys, *common_a, "inbox", "pull", "--cache", cache_b)
    assert not any(old_plain in str(p) for p in (cache_b / "objects").rglob("*"))
    r = vigie(capsys, *common_a, "inbox", "purge", "--cache", cache_a, "-i", key_a,
              "--older-than", "365")  # fmt: skip
    assert r.code == 2 and "durée de conservation" in r.err


def test_age_cli_reads_what_the_inbox_caches(
    tmp_path: Path, identity: Any, identity_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The cache holds the stored ciphertext as is: `age -d -i KEY` opens it too."""
    cfg = make_config(f"dir:{tmp_path / 'store'}", [str(identity.to_public())], tmp_path)
    from vigie.core.storage import open_store

    store = open_store(cfg.intake)
    receipt = submit(cfg, store, envelope.Tip(category="other", description="Colis suspect"))
    conf = write_toml(cfg, tmp_path / "vigie.toml")
    vigie(capsys, "--config", conf, "inbox", "pull", "--cache", tmp_path / "c")
    cached = next(Cache(tmp_path / "c").objects.rglob(f"{receipt}*.age"))
    assert cached.stat().st_mode & 0o777 == 0o600
    plain = subprocess.run(
        ["/usr/bin/age", "-d", "-i", str(identity_file), str(cached)],
        capture_output=True,
        check=True,
    ).stdout
    assert envelope.parse_tip(plain).description == "Colis suspect"
    assert bytes(pyrage.decrypt(cached.read_bytes(), [identity])) == plain
    assert os.path.getsize(cached) == next(iter(store.list(layout.TIPS))).size
