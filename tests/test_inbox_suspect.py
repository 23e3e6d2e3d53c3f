"""The analysts' view of a flood: suspected junk apart, counted, and disposed of in bulk.

Tips are placed in a real dir: store exactly as the intake names them (the
effort class in the object name), pulled and read through the real `vigie` CLI.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_config
from tests.test_inbox_helpers import new_receipt, new_signing_key, vigie, write_toml
from vigie.core import envelope, layout
from vigie.core.storage import DirStore
from vigie.inbox.keys import signing_key_path

JUNK = 30


def _put(cfg: Any, store: DirStore, day: str, text: str, effort: int | None) -> str:
    receipt = new_receipt()
    tip = envelope.Tip(category="spot", description=text, place="Planoise")
    data = envelope.seal(envelope.serialize_tip(tip), cfg.require_recipients())
    assert store.put_new(layout.tip_key(day, receipt), data, envelope.STORE_METADATA)
    if effort is not None:  # as the intake writes it beside a JS-path tip
        assert store.put_new(layout.effort_key(day, receipt, effort), b"")
    return receipt


def test_flood_is_shown_apart_and_rejected_in_bulk_while_real_tips_stay_first(
    tmp_path: Path, identity: Any, identity_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_dir = tmp_path / "store"
    cfg = make_config(f"dir:{store_dir}", [str(identity.to_public())], tmp_path)
    store = DirStore(store_dir)
    # The analyst's key with its signing key beside it, pinned: bulk marks are
    # signed triage events like any other.
    key = tmp_path / "analyst.key"
    key.write_text(identity_file.read_text())
    key.chmod(0o600)
    signer = new_signing_key(signing_key_path(key))
    conf = write_toml(cfg, tmp_path / "vigie.toml", signing_keys=[signer])
    day = datetime.now(UTC).date().isoformat()
    # A scripted flood: template texts, bare-minimum proofs, all the same day.
    junk = [
        _put(cfg, store, day, f"Deal de drogue devant le batiment {i} tous les jours le soir", 0)
        for i in range(JUNK)
    ]
    # Junk that paid for a little more (a raised difficulty): still a near-duplicate
    # of the template, and no more effort than the burst's median.
    junk.append(_put(cfg, store, day, "Deal de drogue devant le batiment 99 tous les jours", 1))
    # Real reporters that day: a long typed tip (class 3), a quick phone tip
    # (class 1, unique text), and a no-JavaScript tip (no effort class).
    real = _put(cfg, store, day, "Un scooter noir livre rue de Vesoul vers 22 h, deux guetteurs", 3)
    quick = _put(cfg, store, day, "Guetteur au coin du tabac, casquette rouge, chaque midi", 1)
    nojs = _put(cfg, store, day, "Cachette derrière le transformateur près du parking", None)
    common = ("--config", conf, "inbox")
    keys = ("--identity", key, "--cache", tmp_path / "cache")
    assert vigie(capsys, *common, "pull", "--cache", tmp_path / "cache").code == 0

    listed = vigie(capsys, *common, "list", *keys)
    assert listed.code == 0
    assert real in listed.out and quick in listed.out and nojs in listed.out
    assert not any(r in listed.out for r in junk), listed.out
    # Ranked by effort: the long-typed tip first.
    assert listed.out.index(real) < listed.out.index(quick)
    assert f"{JUNK + 1} signalement(s) suspect(s) masqué(s)" in listed.out
    assert "--suspect" in listed.out and "--all" in listed.out

    rows = json.loads(vigie(capsys, *common, "list", *keys, "--json", "--all").out)
    by_receipt = {r["receipt"]: r for r in rows}
    assert rows[0]["receipt"] == real and rows[0]["effort"] == 3
    assert all(by_receipt[r]["suspect"] is False for r in (real, quick, nojs))
    assert all(by_receipt[r]["suspect"] is True for r in junk)
    assert "effort minimal" in by_receipt[junk[0]]["reason"]
    assert "rafale" in by_receipt[junk[0]]["reason"]
    assert "quasi-doublon" in by_receipt[junk[0]]["reason"]
    only = json.loads(vigie(capsys, *common, "list", *keys, "--json", "--suspect").out)
    assert {r["receipt"] for r in only} == set(junk)
    best = json.loads(vigie(capsys, *common, "list", *keys, "--json", "--min-effort", "2").out)
    assert [r["receipt"] for r in best] == [real]

    dry = vigie(capsys, *common, "mark", *keys, "--status", "rejected", "--suspect")
    assert dry.code == 0 and f"Simulation : {JUNK + 1} signalement(s)" in dry.out
    assert list(store.list(layout.STATE)) == []  # a dry run writes nothing
    done = vigie(capsys, *common, "mark", *keys, "--status", "rejected", "--suspect", "--apply")
    assert done.code == 0 and f"{JUNK + 1} signalement(s) passé(s)" in done.out
    assert len(list(store.list(layout.STATE))) == JUNK + 1
    after = json.loads(vigie(capsys, *common, "list", *keys, "--json", "--all").out)
    states = {r["receipt"]: r["status"] for r in after}
    assert all(states[r] == "rejected" for r in junk)
    assert all(states[r] == "new" for r in (real, quick, nojs))
    # The rejected flood stays apart; the default view is back to the real tips.
    again = json.loads(vigie(capsys, *common, "list", *keys, "--json").out)
    assert {r["receipt"] for r in again} == {real, quick, nojs}


def test_high_effort_or_pinned_tips_are_never_suspect() -> None:
    """The rule that keeps a real tip in view whatever a flood does around it."""
    from vigie.inbox.suspect import annotate

    day = "2026-12-01"
    rows, efforts, receipts = [], {}, []
    for i in range(40):
        receipt = new_receipt()
        effort = 2 if i == 0 else 0
        status = "in-progress" if i == 1 else "new"
        rows.append(
            {"receipt": receipt, "date": day, "status": status, "kind": "ok", "place": "",
             "landmark": "", "when": "", "vehicles": "",
             "description": "même texte de gabarit répété par le script encore et encore"}
        )  # fmt: skip
        efforts[receipt] = effort
        receipts.append(receipt)
    annotated = {r["receipt"]: r for r in annotate(rows, efforts)}
    first, pinned = receipts[0], receipts[1]
    assert annotated[first]["suspect"] is False  # effort class 2: protected
    assert annotated[pinned]["suspect"] is False  # an analyst is on it
    assert sum(r["suspect"] for r in annotated.values()) == 38


def test_within_one_effort_class_a_tip_not_suspect_ranks_before_the_flood() -> None:
    """Before: ties kept the receipt order, so a quick real tip (class 1) fell
    behind a flood's class-1 near-duplicates about half the time."""
    from vigie.inbox.suspect import annotate

    template = "deal de drogue devant le batiment tous les jours le soir vers 20 h"
    rows: list[dict[str, Any]] = []
    efforts: dict[str, int] = {}
    for i in range(6):
        real = i == 5
        receipt = f"VG-AAAA-AAAA-AAA{i}" if not real else "VG-ZZZZ-ZZZZ-ZZZZ"
        text = "Guetteur au coin du tabac, casquette rouge, chaque midi" if real else template
        rows.append(
            {"receipt": receipt, "date": "2026-12-01", "status": "new", "kind": "ok",
             "place": "", "landmark": "", "when": "", "vehicles": "", "description": text}
        )  # fmt: skip
        efforts[receipt] = 1
    ranked = annotate(rows, efforts)
    assert ranked[0]["receipt"] == "VG-ZZZZ-ZZZZ-ZZZZ" and ranked[0]["suspect"] is False
    assert all(r["suspect"] for r in ranked[1:])


def test_a_quick_tip_on_a_quiet_day_is_never_hidden() -> None:
    """Before: effort class 0 alone made a tip suspect, flood or not."""
    from vigie.inbox.suspect import annotate

    rows = [
        {"receipt": f"VG-AAAA-AAAA-AAA{i}", "date": "2026-12-01", "status": "new", "kind": "ok",
         "place": "", "landmark": "", "when": "", "vehicles": "",
         "description": text}
        for i, text in enumerate(("Guetteur au coin du tabac, casquette rouge, chaque midi",
                                  "Scooter noir qui livre rue de Vesoul vers 22 h le soir"))
    ]  # fmt: skip
    efforts = {r["receipt"]: 0 for r in rows}
    assert [r["suspect"] for r in annotate(rows, efforts)] == [False, False]
