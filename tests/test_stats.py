"""Statistics for the comms team: small-cell suppression everywhere, chart, public page."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from vigie.core.envelope import Tip
from vigie.inbox import stats
from vigie.inbox.chart import draw
from vigie.inbox.errors import InboxError
from vigie.inbox.reader import Entry

TODAY = date(2026, 11, 28)


def entries(spec: list[tuple[str, str, str]]) -> list[Entry]:
    """(day, category, campaign) -> decrypted entries as the reader makes them."""
    return [
        Entry(
            key=f"tips/{day}/VG-0000-0000-{n:04d}.age",
            receipt=f"VG-0000-0000-{n:04d}",
            day=day,
            kind="ok",
            tip=Tip(category=cat, description="x", campaign=camp),
        )
        for n, (day, cat, camp) in enumerate(spec)
    ]


def ints_under_threshold(doc: Any) -> list[int]:
    found: list[int] = []
    if isinstance(doc, dict):
        for v in doc.values():
            found += ints_under_threshold(v)
    elif isinstance(doc, list):
        for v in doc:
            found += ints_under_threshold(v)
    elif isinstance(doc, int) and not isinstance(doc, bool) and doc < stats.THRESHOLD:
        found.append(doc)
    return found


def test_counts_and_suppression() -> None:
    spec = (
        [("2026-10-03", "spot", "BSN-CENTRE")] * 7
        + [("2026-10-20", "delivery", "BSN-CENTRE")] * 2
        + [("2026-11-02", "spot", "BSN-PLANOISE")] * 6
        + [("2026-11-05", "stash", "")] * 5
        + [("2026-08-30", "spot", "")] * 3
        + [("2026-07-31", "spot", "")] * 9  # before --since: not counted
    )
    broken = Entry("tips/2026-11-01/VG-1111-1111-1111.age", "VG-1111-1111-1111", "2026-11-01",
                   "damaged", problem="x")  # fmt: skip
    doc = stats.compute([*entries(spec), broken], "2026-08", TODAY)
    assert doc["total"] == 23 and doc["unreadable"] == "< 5"
    assert [(m["month"], m["count"]) for m in doc["by_month"]] == [
        ("2026-08", "< 5"),
        ("2026-09", "< 5"),  # zero is a small cell too
        ("2026-10", "< 5"),  # 9 hidden too: Aug + Sep = 3 would be 23 - 9 - 11
        ("2026-11", 11),
    ]
    assert doc["by_month"][3]["label"] == "nov. 2026"
    cats = {c["category"]: c["count"] for c in doc["by_category"]}
    assert cats == {"spot": 16, "delivery": "< 5", "stash": "< 5", "other": "< 5"}
    camps = {c["campaign"]: c["count"] for c in doc["by_campaign"]}
    assert camps == {"BSN-CENTRE": 9, "BSN-PLANOISE": 6, "(autres codes)": "< 5", "(sans code)": 8}
    # (The pooled row is empty here: an empty hidden cell reveals no one.)
    # An empty month hidden alone reveals no one: the others stay shown.
    lone = stats.compute(entries(spec), "2026-09", TODAY)
    assert [m["count"] for m in lone["by_month"]] == ["< 5", 9, 11]
    assert ints_under_threshold(doc) == []


def test_a_lone_small_cell_drags_the_next_smallest() -> None:
    assert stats.suppress([12, 3, 7, 40]) == [12, "< 5", "< 5", 40]
    assert stats.suppress([12, 3, 2, 40]) == [12, "< 5", "< 5", 40]
    # Hidden cells adding up to less than 5 would be total minus the rest.
    assert stats.suppress([12, 3, 1, 40]) == ["< 5", "< 5", "< 5", 40]
    assert stats.suppress([6, 1, 0, 0]) == ["< 5", "< 5", "< 5", "< 5"]
    assert stats.suppress([6, 0, 0, 8]) == [6, "< 5", "< 5", 8]  # nobody to protect
    assert stats.suppress([3]) == ["< 5"]
    assert stats.suppress([5, 6]) == [5, 6]


def test_campaign_codes_under_five_are_never_named() -> None:
    days = [("2026-11-02", "spot", "BSN-A")] * 6 + [("2026-11-03", "spot", "BSN-RARE")]
    doc = stats.compute(entries(days), "2026-11", TODAY)
    names = [row["campaign"] for row in doc["by_campaign"]]
    assert "BSN-RARE" not in names and "BSN-A" in names


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 7),
            st.sampled_from(["spot", "delivery", "stash", "other"]),
            st.sampled_from(["", "A1", "B2", "C3"]),
        ),
        max_size=60,
    )
)
def test_never_a_small_count_nor_a_derivable_one(spec: list[tuple[int, str, str]]) -> None:
    days = [(f"2026-{5 + m:02d}-15", cat, camp) for m, cat, camp in spec]
    doc = stats.compute(entries(days), "2026-05", TODAY)
    assert ints_under_threshold(doc) == []
    page = stats.results_page(doc)
    for line in page.splitlines():
        cells = [c.strip() for c in line.split("|")]
        assert not any(c.isdigit() and int(c) < 5 for c in cells), line
    # With a published total, what a breakdown hides is never one cell alone,
    # nor less than 5 in all (total minus the shown cells).
    if doc["total"] != stats.SMALL:
        for table in ("by_month", "by_category", "by_campaign"):
            counts = [row["count"] for row in doc[table]]
            shown = sum(c for c in counts if c != stats.SMALL)
            assert doc["total"] - shown == 0 or doc["total"] - shown >= stats.THRESHOLD


def test_writers_refuse_a_small_cell(tmp_path: Path) -> None:
    doc = stats.compute(entries([("2026-11-01", "spot", "")] * 6), "2026-11", TODAY)
    doc["by_category"][0]["count"] = 2  # tampered document
    with pytest.raises(InboxError):
        stats.write_json(doc, tmp_path)
    with pytest.raises(InboxError):
        stats.results_page(doc)
    assert list(tmp_path.iterdir()) == []


def test_chart_and_page(tmp_path: Path) -> None:
    spec = [("2026-07-10", "spot", "BSN-CENTRE")] * 8 + [("2026-09-10", "delivery", "")] * 12
    doc = stats.compute(entries(spec), "2026-06", TODAY)
    json_path = stats.write_json(doc, tmp_path)
    assert json.loads(json_path.read_text(encoding="utf-8")) == doc
    png = draw(doc, tmp_path / "stats.png")
    with Image.open(png) as img:
        assert img.format == "PNG" and img.size == (1100, 990)
        # Something is drawn in the bar colour (#1f4e79): the bars exist.
        assert (0x1F, 0x4E, 0x79) in {c for _, c in img.convert("RGB").getcolors(1 << 20) or []}
    page = stats.results_page(doc)
    assert "| juil. 2026 | 8 |" in page and "| sept. 2026 | 12 |" in page
    assert "| juin 2026 | < 5 |" in page and "| BSN-CENTRE | 8 |" in page
    assert "(sans code)" not in page
    assert not list(tmp_path.glob(".tmp-*"))


def test_since_in_the_future_is_refused() -> None:
    with pytest.raises(InboxError):
        stats.compute([], "2027-01", TODAY)
