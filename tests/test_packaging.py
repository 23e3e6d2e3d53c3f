"""Self-packaging: the wheel and sdist carry exactly Vigie, and the wheel works alone.

As pypa/build does for itself: build both artifacts from this checkout, check
their file lists against what git tracks (so a module added to `vigie/` or a
page added to `site/` is shipped, and nothing else is: no tests, no local
state, no `chalicelib` or `campaign` at the top level), then install the wheel
into a fresh virtualenv and run the commands a new user would, from an empty
folder holding only a `vigie.toml`.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from vigie.resources import DATA_PATHS

ROOT = Path(__file__).resolve().parent.parent
UV = Path(sys.executable).parent / "uv"
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("packaging")]


def tracked(*paths: str) -> set[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--", *paths], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return {p for p in out.split("\0") if p and (ROOT / p).is_file()}


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [str(UV), "build", "--quiet", "--sdist", "--wheel", "--out-dir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("vigie-*.whl")
    (sdist,) = out.glob("vigie-*.tar.gz")
    return wheel, sdist


def test_wheel_carries_the_vigie_package_and_its_data_only(artifacts: tuple[Path, Path]) -> None:
    wheel, _ = artifacts
    names = set(zipfile.ZipFile(wheel).namelist())
    dist_info = {n for n in names if n.split("/")[0].endswith(".dist-info")}
    assert {n.split("/")[0] for n in names - dist_info} == {"vigie"}
    expected = {p for p in tracked("vigie") if p.endswith(".py") or "/templates/" in p}
    expected |= {p for p in tracked("vigie") if not p.endswith(".py") and _package_data(p)}
    expected |= {f"vigie/_data/{p}" for p in tracked(*DATA_PATHS)}
    assert names - dist_info == expected
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def _package_data(path: str) -> bool:
    # Non-Python files inside vigie/ ship when pyproject.toml declares them.
    return any(part in path for part in ("/templates/", "/static/"))


def test_sdist_carries_the_sources_the_wheel_is_built_from(artifacts: tuple[Path, Path]) -> None:
    _, sdist = artifacts
    with tarfile.open(sdist) as tar:
        names = {m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile()}
    generated = {n for n in names if ".egg-info/" in n or n in ("PKG-INFO", "setup.cfg")}
    expected = tracked("vigie", "tests", *DATA_PATHS) | {
        "pyproject.toml",
        "setup.py",
        "MANIFEST.in",
        "README.md",
        "vigie.toml",
    }
    assert names - generated == expected


@pytest.fixture(scope="module")
def venv(artifacts: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the locked dependencies and the wheel (no checkout on the path)."""
    wheel, _ = artifacts
    env = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([str(UV), "venv", "--quiet", "--python", sys.executable, str(env)], check=True)
    py = str(env / "bin" / "python")
    lock = ROOT / "requirements.lock"
    pip = [str(UV), "pip", "install", "--quiet", "--python", py]
    subprocess.run([*pip, "--require-hashes", "-r", str(lock)], check=True)
    subprocess.run([*pip, "--no-deps", str(wheel)], check=True)
    return env


@pytest.fixture
def empty_folder(tmp_path: Path) -> Path:
    """A folder with only a vigie.toml (a dir: store), as a new user would start."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "vigie.toml").write_text('[intake]\nstore = "dir:store"\n', encoding="utf-8")
    return folder


def run(venv: Path, folder: Path, *args: str, timeout: float = 120) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.run(
        [str(venv / "bin" / "vigie"), *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_installed_wheel_runs_every_command_outside_a_checkout(
    venv: Path, empty_folder: Path
) -> None:
    py = str(venv / "bin" / "python")
    for name in ("chalicelib", "campaign"):
        gone = subprocess.run([py, "-c", f"import {name}"], cwd=empty_folder, capture_output=True)
        assert gone.returncode != 0, f"{name} is importable from the wheel"
    where = subprocess.run(
        [py, "-c", "import vigie, vigie.resources as r; print(vigie.__file__, r.source_root())"],
        cwd=empty_folder,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(ROOT) not in where and "site-packages" in where

    assert "serve" in run(venv, empty_folder, "--help")
    run(venv, empty_folder, "site", "build", "--out", "out")
    assert (empty_folder / "out" / "signaler" / "index.html").is_file()
    example = venv / "lib"
    (packaged,) = example.glob("python3*/site-packages/vigie/_data/campaign/examples/besancon.toml")
    # The default vigie.toml points at 127.0.0.1: only a draft may be built from it.
    run(venv, empty_folder, "campaign", "check", str(packaged), "--draft")
    run(
        venv,
        empty_folder,
        "campaign",
        "build",
        str(packaged),
        "--out",
        "posters",
        "--quiet",
        "--draft",
    )
    assert (empty_folder / "posters" / "manifest.json").is_file()
    out = run(venv, empty_folder, "inbox", "keygen", "--out", "me.key", "--no-passphrase")
    # The lines keygen prints for vigie.toml, as a new analyst pastes them.
    lines = [line for line in out.splitlines() if line.startswith(("recipients", "signing_keys"))]
    toml = empty_folder / "vigie.toml"
    toml.write_text(toml.read_text() + "[analysts]\n" + "\n".join(lines) + "\n")
    run(venv, empty_folder, "inbox", "pull")
    run(venv, empty_folder, "inbox", "list", "-i", "me.key")
    run(venv, empty_folder, "stats", "--since", "2026-01", "--out", "stats", "-i", "me.key")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(venv: Path, empty_folder: Path) -> Iterator[int]:
    port = free_port()
    proc = subprocess.Popen(
        [str(venv / "bin" / "vigie"), "serve", "--demo", "--port", str(port)],
        cwd=empty_folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield port
    finally:
        proc.kill()
        proc.wait()


def test_installed_wheel_serves_site_and_intake(served: int) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", served, timeout=5)
            conn.request("GET", "/api/health")
            answer = conn.getresponse()
            body = answer.read()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
    assert answer.status == 200, body
    conn.request("GET", "/signaler/")
    page = conn.getresponse()
    assert page.status == 200 and b"vigie-form-config" in page.read()


def test_installed_wheel_serves_the_desk_pages(venv: Path, empty_folder: Path) -> None:
    """The desk's templates and CSS are package data: they must come from the wheel."""
    port = free_port()
    proc = subprocess.Popen(
        [str(venv / "bin" / "vigie"), "desk", "--no-browser", "--port", str(port)],
        cwd=empty_folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "ouvrez http://" in line, line
        token_url = line.split("ouvrez ", 1)[1].strip().split(f":{port}", 1)[1]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", token_url)
        answer = conn.getresponse()
        answer.read()
        cookie = answer.getheader("Set-Cookie", "").split(";")[0]
        assert answer.status == 303 and cookie
        for path, marker in (("/", b"D\xc3\xa9verrouiller"), ("/static/desk.css", b":root")):
            conn.request("GET", path, headers={"Cookie": cookie})
            page = conn.getresponse()
            assert page.status == 200 and marker in page.read(), path
    finally:
        proc.kill()
        proc.wait()
