"""Start the desk: port first, then config and state, then the one-time URL and the server."""

from __future__ import annotations

import os
import signal
import sys
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from vigie import localweb
from vigie.core.config import Config

from .app import DeskApp
from .state import DeskState

DEFAULT_PORT = 8001


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _graphical() -> bool:
    """A desktop to open a window on; without one, webbrowser would start a text
    browser (w3m, lynx) in this very terminal and block the desk."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open_browser(url: str) -> None:
    if not _graphical():
        print("Pas d'écran graphique : ouvrez l'adresse ci-dessus dans un navigateur.", flush=True)
        return

    def launch() -> None:
        try:
            opened = webbrowser.open(url)
        except webbrowser.Error:
            opened = False
        if not opened:
            print("Aucun navigateur trouvé : copiez l'adresse ci-dessus.", file=sys.stderr)

    # In the background: some browsers' launchers wait for the window to close.
    threading.Thread(target=launch, daemon=True).start()


def run(
    load_config: Callable[[], Config],
    *,
    port: int,
    open_browser: bool,
    identity_files: tuple[Path, ...],
    cache_dir: Path | None,
    idle_seconds: float,
    settings_file: Path,
) -> int:
    # The port before anything else: a busy one is one line (PortInUse), at once.
    sock = localweb.listen(port)
    cfg = load_config()
    from vigie.inbox.cache import cache_dir_for

    # The same default cache as `vigie inbox` (one folder per store).
    cache = cache_dir if cache_dir is not None else cache_dir_for(cfg.intake.store)
    state = DeskState(cfg, cache, idle_seconds)
    app = DeskApp(state, identity_files, settings_file)
    guard = localweb.LocalGuard(app, int(sock.getsockname()[1]))
    print(f"Vigie desk : ouvrez {guard.url}", flush=True)
    print(
        "(adresse à usage unique, valable pour ce navigateur seulement ; "
        "Ctrl-C pour arrêter et tout oublier)",
        flush=True,
    )
    if open_browser:
        _open_browser(guard.url)
    # SIGTERM (a session logout, `kill`) stops as cleanly as Ctrl-C: the key is dropped.
    signal.signal(signal.SIGTERM, _interrupt)
    localweb.serve(guard, sock, on_stop=state.stop)
    print("Vigie desk arrêté : la clé et les signalements déchiffrés sont oubliés.", flush=True)
    return 0
