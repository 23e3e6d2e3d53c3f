"""`vigie campaign build|check`: argparse wiring only; the work is in `campaign.build`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from vigie.cliutil import load_cli_config


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "campaign", help="print-ready posters, flyers and stickers with verified QR codes"
    )
    sub = parser.add_subparsers(dest="campaign_command", metavar="ACTION", required=True)
    build = sub.add_parser("build", help="render every piece, verify every code, write DIR")
    build.add_argument("campaign_file", metavar="CAMPAIGN.toml")
    build.add_argument("--out", required=True, metavar="DIR", help="output folder")
    build.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    build.add_argument(
        "--jobs", type=int, default=None, metavar="N", help="worker processes (default: all cores)"
    )
    build.set_defaults(func=_build)
    check = sub.add_parser("check", help="validate the campaign file without rendering")
    check.add_argument("campaign_file", metavar="CAMPAIGN.toml")
    check.set_defaults(func=_check)


def _load(args: argparse.Namespace) -> Any:
    from vigie.campaign.spec import load_campaign

    camp = load_campaign(args.campaign_file, load_cli_config(args))
    for warning in camp.warnings:
        print(f"vigie: warning: {warning}", file=sys.stderr)
    return camp


def _build(args: argparse.Namespace) -> int:
    from vigie.campaign.build import build_campaign
    from vigie.errors import UserError

    if args.jobs is not None and args.jobs < 1:
        raise UserError("--jobs: expected a number of worker processes, 1 or more")
    camp = _load(args)
    # A progress bar only for a person at a terminal: not in CI, not with --quiet.
    progress = not args.quiet and sys.stderr.isatty() and not os.environ.get("CI")
    manifest = build_campaign(camp, Path(args.out), args.jobs, progress)
    if not args.quiet:
        pieces = manifest["pieces"]
        print(f"{len(pieces)} pièces rendues et vérifiées dans {args.out} (manifest.json)")
    return 0


def _check(args: argparse.Namespace) -> int:
    from vigie.campaign.build import check_campaign

    plans = check_campaign(_load(args))
    print(f"{args.campaign_file}: OK, {len(plans)} pièces, chaque code tient dans son format")
    return 0
