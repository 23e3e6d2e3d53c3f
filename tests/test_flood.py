"""Flood: junk without proof-of-work at the real `vigie serve` while real tips come in.

Bounded in count and time, loopback only. Asserted: every real tip is stored
(whole), every junk request is refused with a 403, and junk writes nothing at
all (not even under `intake/`). The rates are printed, never asserted: speed
figures live in bench/flood.py.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.support.flood import flood
from tests.support.hardening import open_all, post_tip, submit_with_retries, tiny_site
from tests.support.live import LiveVigie, write_config
from vigie.core import envelope
from vigie.core.config import load_config
from vigie.core.layout import tip_id
from vigie.core.storage import open_store

REAL_TIPS = 20
JUNK_TOTAL = 6000
MAX_SECONDS = 6.0


@pytest.mark.xdist_group("flood")
def test_flood_of_junk_stores_nothing_and_every_real_tip_lands(
    tmp_path: Path, identity: Any
) -> None:
    recipients = [str(identity.to_public())]
    config = write_config(tmp_path / "vigie.toml", f"dir:{tmp_path / 'store'}", recipients)
    store = open_store(load_config(config, {}).intake)
    bodies = [
        envelope.seal(
            envelope.serialize_tip(envelope.Tip(category="spot", description=f"Vrai n°{i}")),
            recipients,
        )
        for i in range(REAL_TIPS)
    ]
    with LiveVigie(config, tiny_site(tmp_path / "site")) as live:
        before = sorted(o.key for o in store.list(""))
        result = flood(live.url, bodies, junk_total=JUNK_TOTAL, max_seconds=MAX_SECONDS)
        after = sorted(o.key for o in store.list(""))
    print(
        f"\nflood: {result.junk_sent} junk in {result.junk_seconds:.1f} s "
        f"({result.junk_rate:.0f}/s refused, {dict(result.junk_statuses)}); "
        f"{len(result.real_receipts)}/{REAL_TIPS} real tips in {result.real_seconds:.1f} s "
        f"({result.real_rate:.1f}/s)"
    )
    assert result.junk_sent > 0
    assert set(result.junk_statuses) == {403}, result.junk_statuses
    assert result.real_failures == []
    expected = {(a["received"], a["receipt"]) for a in result.real_receipts}
    assert len(expected) == REAL_TIPS
    new = set(after) - set(before)
    assert {tip_id(k) for k in new} == expected and len(new) == REAL_TIPS  # junk wrote nothing
    texts = sorted(tip.description for tip in open_all(store, identity))
    assert texts == sorted(f"Vrai n°{i}" for i in range(REAL_TIPS))


# The server process switches threads every microsecond instead of every 5 ms,
# so a race between two requests shows up in every run instead of once in a while.
RACY = "import sys\nsys.setswitchinterval(1e-6)\n"
CLIENTS = 150


@pytest.mark.xdist_group("flood")
def test_simultaneous_reporters_are_never_answered_from_each_others_requests(
    tmp_path: Path, identity: Any
) -> None:
    """Chalice keeps the current request in one attribute; `vigie serve` is threaded.

    Each reporter must get the receipt of *its own* tip, and every tip sent must
    be the one stored (before the fix: challenges answered with another
    client's data, and 403s for solved tips).
    """
    recipients = [str(identity.to_public())]
    config = write_config(tmp_path / "vigie.toml", f"dir:{tmp_path / 'store'}", recipients)
    store = open_store(load_config(config, {}).intake)
    hook = tmp_path / "racy"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(RACY)
    bodies = [
        envelope.seal(
            envelope.serialize_tip(envelope.Tip(category="other", description=f"Témoin {i}")),
            recipients,
        )
        for i in range(CLIENTS)
    ]
    barrier = threading.Barrier(CLIENTS)
    with LiveVigie(config, tiny_site(tmp_path / "site"), env={"PYTHONPATH": str(hook)}) as live:

        def one(i: int) -> tuple[str, list[int], dict[str, str] | None]:
            barrier.wait()
            return submit_with_retries(live.url, bodies[i], attempts=1)

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            results = list(pool.map(one, range(CLIENTS)))
        # Replaying each submission (same key, same body) must give back the same receipt.
        replays = [
            post_tip(live.url, bodies[i], key)[1].json()["receipt"]
            for i, (key, _, _) in enumerate(results)
        ]
    assert [seen for _, seen, _ in results] == [[201]] * CLIENTS
    receipts = [answer["receipt"] for _, _, answer in results if answer]
    assert replays == receipts
    assert len(set(receipts)) == CLIENTS
    texts = sorted(tip.description for tip in open_all(store, identity))
    assert texts == sorted(f"Témoin {i}" for i in range(CLIENTS))
