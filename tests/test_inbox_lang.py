"""`vigie inbox list` shows each tip's language and filters on it; Arabic reads back intact.

Tips go through the real intake (proof-of-work, storage), then `pull`, `list`
(table and JSON, `--lang`) and `show` run as the analyst runs them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_config
from tests.test_inbox_helpers import submit, vigie, write_toml
from vigie.core import envelope
from vigie.core.config import Config
from vigie.core.storage import TipStore

ARABIC = "بيع مخدرات كل مساء أمام العمارة رقم 12، ومراقبان عند المدخل.\nسيارة رمادية AB-123."


def test_list_shows_and_filters_the_language_and_show_keeps_arabic(
    backend_config: tuple[Config, TipStore],
    identity: Any,
    identity_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base, store = backend_config
    s3 = {"s3_endpoint_url": base.intake.s3_endpoint_url} if base.intake.s3_endpoint_url else {}
    cfg = make_config(base.intake.store, [str(identity.to_public())], tmp_path, **s3)
    conf = write_toml(cfg, tmp_path / "vigie.toml")
    receipts = {
        lang: submit(cfg, store, envelope.Tip(category="spot", description=text, lang=lang))
        for lang, text in (("fr", "Vente le soir"), ("en", "Dealing at night"), ("ar", ARABIC))
    }
    cache = tmp_path / "cache"
    assert vigie(capsys, "--config", conf, "inbox", "pull", "--cache", cache).code == 0
    common = ("inbox", "list", "--cache", cache, "-i", identity_file)

    rows = json.loads(vigie(capsys, *common, "--json").out)
    assert {row["receipt"]: row["lang"] for row in rows} == {v: k for k, v in receipts.items()}

    table = vigie(capsys, *common).out
    assert "Langue" in table.splitlines()[0]
    line = next(x for x in table.splitlines() if x.startswith(receipts["en"]))
    assert " en " in line

    only = vigie(capsys, *common, "--lang", "ar").out
    assert receipts["ar"] in only and receipts["fr"] not in only and receipts["en"] not in only
    with pytest.raises(SystemExit) as refused:  # argparse: usage error, exit 2
        vigie(capsys, *common, "--lang", "de")
    assert refused.value.code == 2

    shown = vigie(capsys, "inbox", "show", receipts["ar"], "--cache", cache, "-i", identity_file)
    assert shown.code == 0
    assert "Langue      : ar" in shown.out
    assert ARABIC in shown.out  # every letter, the Arabic comma and the line break intact
