"""Start the studio: port first, then config, then the one-time URL and the server."""

from __future__ import annotations

import signal
import sys
import webbrowser
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from vigie import localweb
from vigie.core.config import Config

from .app import StudioApp
from .store import CampaignFile

# Previews and builds are answers of a few MB at most; forms are small.
MAX_BODY = 256 * 1024


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def make_guarded_app(
    cfg: Config, campaign_file: Path, out_root: Path, draft: bool, port: int
) -> localweb.LocalGuard:
    app = StudioApp(CampaignFile(campaign_file, cfg, draft), out_root)
    return localweb.LocalGuard(app, port, max_body=MAX_BODY)


def run(
    load_config: Callable[[], Config],
    *,
    campaign_file: Path,
    port: int,
    out_root: Path,
    open_browser: bool,
    draft: bool,
) -> int:
    # The port before anything else: a busy one is one line (PortInUse), at once.
    sock = localweb.listen(port)
    guard = make_guarded_app(
        load_config(), campaign_file, out_root, draft, int(sock.getsockname()[1])
    )
    print(f"Vigie studio ({campaign_file}) : ouvrez {guard.url}", flush=True)
    print(
        "(adresse à usage unique, valable pour ce navigateur seulement ; Ctrl-C pour arrêter)",
        flush=True,
    )
    if open_browser:
        try:
            opened = webbrowser.open(guard.url)
        except webbrowser.Error:
            opened = False
        if not opened:
            print("Aucun navigateur trouvé : copiez l'adresse ci-dessus.", file=sys.stderr)
    signal.signal(signal.SIGTERM, _interrupt)
    localweb.serve(guard, sock)
    print("Vigie studio arrêté.", flush=True)
    return 0
