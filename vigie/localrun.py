"""Run Vigie locally: pick keys, build the site, start the intake, serve both.

This is what `make run` does (`vigie serve --demo`). It prints the address and,
in demo mode, how to read the tips that were just submitted.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from vigie.core.config import Config
from vigie.core.runtime import build_intake
from vigie.demo import DEMO_IDENTITY, demo_public_key, ensure_demo_identity

DEFAULT_SITE_DIR = Path("build/site")


def prepare_config(cfg: Config, demo: bool) -> Config:
    if demo and not cfg.analysts.recipients:
        cfg = cfg.with_recipients((ensure_demo_identity(),))
        print(
            "*** DÉMO : clé d'analyste de démonstration générée dans "
            f"{DEMO_IDENTITY} (ne jamais l'utiliser pour de vrais signalements) ***",
            file=sys.stderr,
        )
    cfg.require_recipients()
    return cfg


def _start_sweeper(intake: Any, every: float = 600.0) -> None:
    """Delete past hours' counter objects now and every 10 minutes (dir: or S3 alike)."""
    import threading

    def loop() -> None:
        while True:
            try:
                intake.sweep()
            except Exception:  # store down or read-only credentials: try again later
                print("vigie serve: cleanup of intake/ counters skipped", file=sys.stderr)
            time.sleep(every)

    threading.Thread(target=loop, name="vigie-sweep", daemon=True).start()


def run(
    cfg: Config,
    *,
    host: str,
    port: int,
    site_dir: Path | None,
    build: bool,
    demo: bool,
) -> int:
    from vigie.localweb import listen

    # The port first: a busy one is one line (PortInUse) before a minute of site build.
    sock = listen(port, host)
    from vigie.serve import load_intake_app, make_server, serve_forever

    intake_app = load_intake_app()

    cfg = prepare_config(cfg, demo)
    site = site_dir or DEFAULT_SITE_DIR
    if build:
        from vigie.site.build import build_site

        site = build_site(cfg, site)
    intake = build_intake(cfg, os.environ, create_secret=True)
    intake_app.configure(intake)
    _start_sweeper(intake)
    from vigie.netcap import NetworkCap
    from vigie.site.values import security_headers

    server = make_server(
        intake_app.app,
        site,
        host,
        port,
        cfg,
        security_headers(cfg),
        sock,
        cap=NetworkCap(cfg.intake),
    )
    demo_key = demo_public_key()
    reading_demo = demo_key is not None and demo_key in cfg.analysts.recipients

    def announce(url: str) -> None:
        print(f"Vigie est servi sur {url}  (formulaire : {url}signaler/)", flush=True)
        print(f"Signalements enregistrés dans : {cfg.intake.store}", flush=True)
        if not cfg.intake.signing_public_key:
            from vigie.core.signing import public_text

            # Analysts pin it so that objects written straight to the store are flagged.
            print(
                "Clé publique de signature de l'intake (à épingler dans vigie.toml, "
                f'[intake] signing_public_key) : "{public_text(intake.signer)}"',
                flush=True,
            )
        # The hint names the key really in use: once an analyst's own key is
        # configured, the demo key would list every new tip as « AUTRES CLÉS ».
        if reading_demo:
            print(
                f"Pour les lire : vigie inbox pull && vigie inbox list --identity {DEMO_IDENTITY}"
                f"  (ou : vigie desk --identity {DEMO_IDENTITY})",
                flush=True,
            )
        elif demo:
            print(
                "Pour les lire : vigie desk, ou vigie inbox pull && vigie inbox list "
                "--identity VOTRE_CLÉ (clé d'une des recipients de la configuration)",
                flush=True,
            )
        print("Ctrl-C pour arrêter.", flush=True)

    serve_forever(server, announce)
    return 0
