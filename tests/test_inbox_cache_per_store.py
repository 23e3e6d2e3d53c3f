"""`vigie inbox pull` keeps one cache per store: a test store never empties production's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_config
from tests.test_inbox_helpers import submit, vigie, write_toml
from vigie.core import envelope
from vigie.core.storage import open_store
from vigie.inbox.cache import DEFAULT_CACHE, cache_dir_for


def test_each_store_has_its_own_default_cache(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    identity: Any,
    identity_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    recipients = [str(identity.to_public())]
    prod = make_config(f"dir:{tmp_path / 'prod'}", recipients, tmp_path)
    test = make_config(f"dir:{tmp_path / 'test'}", recipients, tmp_path)
    receipt = submit(prod, open_store(prod.intake), envelope.Tip(category="spot", description="x"))
    prod_toml = write_toml(prod, tmp_path / "prod.toml")
    test_toml = write_toml(test, tmp_path / "test.toml")

    assert vigie(capsys, "--config", prod_toml, "inbox", "pull").code == 0
    r = vigie(capsys, "--config", test_toml, "inbox", "pull")  # an empty store
    assert r.code == 0, r.err
    r = vigie(capsys, "--config", prod_toml, "inbox", "list", "-i", identity_file, "--json")
    assert receipt in r.out, r.out  # still cached for the production store

    folders = sorted(p.name for p in (tmp_path / DEFAULT_CACHE).iterdir())
    assert (
        folders == sorted(cache_dir_for(c.intake.store).name for c in (prod, test))
        and len(set(folders)) == 2
    )
