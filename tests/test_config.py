"""vigie.toml: loaded once into a frozen object; every mistake names its key."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from vigie.core.config import ConfigError, build_config, load_config

ROOT = Path(__file__).resolve().parent.parent
KEY = "age1" + "q" * 58


def test_repository_config_is_valid_and_frozen() -> None:
    cfg = load_config(ROOT / "vigie.toml", {})
    assert cfg.intake.store == "dir:.vigie/store"
    assert cfg.site.short_report_address == "127.0.0.1:8000/signaler"
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.intake.store = "dir:/tmp"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"intake": {"store": "ftp://x"}}, "[intake] store"),
        ({"intake": {"max_body_bytes": "lots"}}, "[intake] max_body_bytes"),
        ({"intake": {"max_body_bytes": 50_000_000}}, "[intake] max_body_bytes"),
        ({"intake": {"pow_cost": 1000}}, "[intake] pow_cost"),
        ({"intake": {"pow_bits": 12, "pow_max_bits": 10}}, "[intake] pow_bits"),
        ({"intake": {"trusted_proxies": ["nope"]}}, "[intake] trusted_proxies"),
        ({"intake": {"cors_origin": "https://a.fr/path"}}, "[intake] cors_origin"),
        ({"intake": {"colour": "red"}}, "[intake] colour: unknown key"),
        ({"analysts": {"recipients": ["ssh-ed25519 AAAA"]}}, "[analysts] recipients"),
        ({"analysts": {"recipients": "age1x"}}, "[analysts] recipients"),
        ({"site": {"report_url": "vigie.fr/signaler"}}, "[site] report_url"),
        ({"nope": {}}, "unknown section [nope]"),
    ],
)
def test_invalid_values_name_the_key(data: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        build_config(data, {}, source="test.toml")
    assert fragment in str(err.value) and "test.toml" in str(err.value)


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = tmp_path / "vigie.toml"
    path.write_text('[intake]\nstore = "dir:/a"\n')
    cfg = load_config(
        path,
        {
            "VIGIE_STORE": "s3://bucket/prefix",
            "VIGIE_RECIPIENTS": f"{KEY},{KEY}",
            "VIGIE_MAX_BODY_BYTES": "2048",
        },
    )
    assert cfg.intake.store == "s3://bucket/prefix"
    assert cfg.analysts.recipients == (KEY, KEY)
    assert cfg.intake.max_body_bytes == 2048


def test_config_file_from_environment_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "other.toml"
    path.write_text('[site]\ncity = "Dole"\n')
    assert load_config(None, {"VIGIE_CONFIG": str(path)}).site.city == "Dole"
    path.write_text("[site\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path, {})
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml", {})


@pytest.mark.parametrize("where", ["before", "after"])
def test_cli_reports_a_bad_config_in_one_line(tmp_path: Path, where: str) -> None:
    """`vigie --config F serve` and `vigie serve --config F` (the issue's spelling) both work."""
    path = tmp_path / "bad.toml"
    path.write_text('[intake]\nstore = "nowhere"\n')
    vigie = str(Path(sys.executable).parent / "vigie")
    args = (
        ["--config", str(path), "serve", "--no-build"]
        if where == "before"
        else ["serve", "--config", str(path), "--no-build"]
    )
    result = subprocess.run([vigie, *args], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "[intake] store" in result.stderr and "Traceback" not in result.stderr
