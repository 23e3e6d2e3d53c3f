"""Finding 5: two publications must never be subtracted back to one person's tip.

The review's example: a first publication (total 63, `BSN-CENTRE` 6) and a
second one that adds one tip from that poster in December (64, 7, December
"< 5"); each passes the small-cell check, together they reveal that tip.
`vigie stats` now publishes closed, non-overlapping periods once, keeps a
ledger in the store, and refuses a document differing from an earlier one by
1 to 4 in any cell.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_config
from tests.test_inbox_helpers import place_tip
from vigie.core import layout
from vigie.core.config import Config
from vigie.core.envelope import Tip
from vigie.core.storage import DirStore
from vigie.inbox import ledger, service, stats
from vigie.inbox.errors import InboxError
from vigie.inbox.reader import read_tips


def _setup(tmp_path: Path, identity: Any) -> tuple[Config, DirStore]:
    cfg = make_config(f"dir:{tmp_path / 'store'}", [str(identity.to_public())], tmp_path)
    return cfg, DirStore(tmp_path / "store")


def _analyst(tmp_path: Path, identity_file: Path, name: str = "a") -> service.Analyst:
    return service.Analyst(tmp_path / f"cache-{name}", (identity_file,), lambda _p: "")


def _first_63(cfg: Config, store: DirStore) -> None:
    """63 tips from January to November 2026, 6 of them from the BSN-CENTRE poster."""
    for n in range(63):
        day = date(2026, 1 + n % 11, 1 + n % 27)
        tip = Tip(category="spot", description=f"n°{n}", campaign="BSN-CENTRE" if n < 6 else "")
        place_tip(cfg, store, tip, day)


def _december_one(cfg: Config, store: DirStore) -> None:
    place_tip(cfg, store, Tip(category="spot", description="déc.", campaign="BSN-CENTRE"),
              date(2026, 12, 10))  # fmt: skip


def test_the_reviews_two_publications_cannot_both_be_made(
    tmp_path: Path, identity: Any, identity_file: Path
) -> None:
    cfg, store = _setup(tmp_path, identity)
    _first_63(cfg, store)
    analyst = _analyst(tmp_path, identity_file)
    first = tmp_path / "pub-1"
    service.do_stats(cfg, analyst, "2026-01", first, None, today=date(2026, 12, 3))
    doc1 = stats.compute(read_tips(analyst.cache, analyst.identities()), "2026-01",
                         date(2026, 12, 3), "2026-11")  # fmt: skip
    camps = {c["campaign"]: c["count"] for c in doc1["by_campaign"]}
    assert doc1["total"] == 63 and camps["BSN-CENTRE"] == 6

    _december_one(cfg, store)
    second = tmp_path / "pub-2"
    with pytest.raises(InboxError) as refused:
        service.do_stats(cfg, analyst, "2026-01", second, None, today=date(2027, 1, 5),
                         until="2026-12")  # fmt: skip
    message = str(refused.value)
    assert "total" in message and "by_campaign:BSN-CENTRE" in message
    assert "chevauche la période publiée 2026-01…2026-11" in message
    assert not second.exists()  # nothing written
    # The pure rule on the two documents of the example.
    doc2 = stats.compute(read_tips(analyst.cache, analyst.identities()), "2026-01",
                         date(2027, 1, 5), "2026-12")  # fmt: skip
    assert doc2["total"] == 64
    assert {c["campaign"]: c["count"] for c in doc2["by_campaign"]}["BSN-CENTRE"] == 7
    assert doc2["by_month"][-1]["count"] == stats.SMALL
    assert ledger.small_differences(doc2, doc1) == [
        "by_campaign:BSN-CENTRE",
        "by_category:spot",
        "total",
    ]


def test_a_stats_json_published_before_the_ledger_is_compared_too(
    tmp_path: Path, identity: Any, identity_file: Path
) -> None:
    """The first publication was made by the old code (open month), straight to --out."""
    cfg, store = _setup(tmp_path, identity)
    _first_63(cfg, store)
    analyst = _analyst(tmp_path, identity_file)
    service.do_pull(cfg, analyst, progress=False)
    out = tmp_path / "published"
    out.mkdir()
    old = stats.compute(read_tips(analyst.cache, analyst.identities()), "2026-01",
                        date(2026, 11, 28))  # fmt: skip
    stats.write_json(old, out)
    _december_one(cfg, store)
    with pytest.raises(InboxError, match="by_campaign:BSN-CENTRE, by_category:spot, total"):
        service.do_stats(cfg, analyst, "2026-01", out, None, today=date(2027, 1, 5))
    assert (out / "stats.json").read_text(encoding="utf-8").count('"total": 63') == 1


def test_closed_disjoint_periods_once_each_for_every_workstation(
    tmp_path: Path, identity: Any, identity_file: Path
) -> None:
    cfg, store = _setup(tmp_path, identity)
    _first_63(cfg, store)
    _december_one(cfg, store)
    a, b = _analyst(tmp_path, identity_file, "a"), _analyst(tmp_path, identity_file, "b")
    today = date(2027, 1, 5)
    with pytest.raises(InboxError, match=r"période doit être close.*--until 2026-12"):
        service.do_stats(cfg, a, "2026-07", tmp_path / "x", None, today=today, until="2027-01")
    r = service.do_stats(cfg, a, "2026-01", tmp_path / "h1", None, today=today, until="2026-06")
    assert "stats.json" in r
    # Default --until: the last closed month.
    service.do_stats(cfg, a, "2026-07", tmp_path / "h2", None, today=today)
    keys = sorted(o.key for o in store.list(layout.STATS_LEDGER))
    assert keys == [
        layout.stats_ledger_key("2026-01", "2026-06"),
        layout.stats_ledger_key("2026-07", "2026-12"),
    ]
    assert all(store.get(k).startswith(b"age-encryption.org/v1") for k in keys)  # encrypted
    # Another workstation shares the ledger through the store.
    for since, until in (("2026-07", "2026-12"), ("2026-06", "2026-08"), ("2025-01", "2027-01")):
        with pytest.raises(InboxError, match="statistiques refusées"):
            service.do_stats(cfg, b, since, tmp_path / "y", None, today=date(2027, 3, 1),
                             until=until)  # fmt: skip
    # A ledger entry nobody can read still blocks its period (junk delays, never leaks).
    store.put_new(layout.stats_ledger_key("2027-01", "2027-01"), b"junk")
    with pytest.raises(InboxError, match="2027-01…2027-01 déjà publiée"):
        service.do_stats(cfg, b, "2027-01", tmp_path / "z", None, today=date(2027, 3, 1),
                         until="2027-01")  # fmt: skip
