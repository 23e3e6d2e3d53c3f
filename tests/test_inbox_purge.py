"""Purge never deletes a tip whose triage might be actioned by a colleague (events for
other keys); it decides on signed events only (forgeries: tests/test_inbox_forgery.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyrage

from vigie.core import envelope, layout, signing
from vigie.core.storage import DirStore
from vigie.inbox.cache import Cache
from vigie.inbox.purge import plan_and_purge
from vigie.inbox.triage import mark

TODAY = date(2026, 11, 28)


def test_an_unreadable_later_event_keeps_the_tip(tmp_path: Path) -> None:
    me = pyrage.x25519.Identity.generate()
    colleague = pyrage.x25519.Identity.generate()  # a key this analyst does not hold
    store = DirStore(tmp_path / "store")
    old = TODAY - timedelta(days=120)
    plain = envelope.serialize_tip(envelope.Tip(category="stash", description="garage"))
    for receipt in ("VG-AAAA-AAAA-AAAA", "VG-BBBB-BBBB-BBBB"):
        store.put_new(layout.tip_key(old, receipt), envelope.seal(plain, [str(me.to_public())]))
    start = datetime(2026, 8, 1, tzinfo=UTC)
    mine, theirs = signing.SigningKey.generate(), signing.SigningKey.generate()
    pinned = [signing.public_text(mine), signing.public_text(theirs)]
    # Tip A: readable "in-progress", then an "actioned" this analyst cannot read.
    mark(store, None, [str(me.to_public())], "VG-AAAA-AAAA-AAAA", "in-progress", now=start,
         signer=mine)  # fmt: skip
    mark(store, None, [str(colleague.to_public())], "VG-AAAA-AAAA-AAAA", "actioned",
         now=start + timedelta(days=1), signer=theirs)  # fmt: skip
    # Tip B: only readable events, not actioned: it goes.
    mark(store, None, [str(me.to_public())], "VG-BBBB-BBBB-BBBB", "rejected", now=start,
         signer=mine)  # fmt: skip
    cache = Cache(tmp_path / "cache")
    report = plan_and_purge(store, cache, [me], 90, None, TODAY, apply=True, signing_keys=pinned)
    assert report.kept_unknown == ["VG-AAAA-AAAA-AAAA"]
    assert [r for r, _ in report.deleted] == ["VG-BBBB-BBBB-BBBB"]
    left = [o.key for o in store.list(layout.TIPS)]
    assert left == [f"tips/{old}/VG-AAAA-AAAA-AAAA.age"]
