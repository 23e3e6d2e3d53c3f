"""`vigie campaign build|check`: argparse wiring only; the work is in `campaign.build`.

Everything printed here is for the comms team, so it is in French.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from vigie.cliutil import load_cli_config

DRAFT_HELP = (
    "brouillon : accepte une adresse de formulaire locale ou non HTTPS ; chaque pièce "
    "porte « BROUILLON — NE PAS IMPRIMER »"
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "campaign", help="affiches, tracts et autocollants avec QR codes vérifiés"
    )
    sub = parser.add_subparsers(dest="campaign_command", metavar="ACTION", required=True)
    build = sub.add_parser("build", help="dessine chaque pièce, relit chaque code, écrit DIR")
    build.add_argument("campaign_file", metavar="CAMPAGNE.toml")
    build.add_argument("--out", required=True, metavar="DIR", help="dossier de sortie")
    build.add_argument("--quiet", action="store_true", help="ni progression ni résumé")
    build.add_argument("--draft", action="store_true", help=DRAFT_HELP)
    build.add_argument(
        "--jobs", type=int, default=None, metavar="N", help="processus (défaut : tous les cœurs)"
    )
    build.set_defaults(func=_build)
    check = sub.add_parser("check", help="vérifie le fichier sans dessiner")
    check.add_argument("campaign_file", metavar="CAMPAGNE.toml")
    check.add_argument("--draft", action="store_true", help=DRAFT_HELP)
    check.set_defaults(func=_check)


def _load(args: argparse.Namespace) -> Any:
    from vigie.campaign.spec import load_campaign

    camp = load_campaign(args.campaign_file, load_cli_config(args), draft=args.draft)
    for warning in camp.warnings:
        print(f"vigie : attention : {warning}", file=sys.stderr)
    return camp


def _build(args: argparse.Namespace) -> int:
    from vigie.campaign.build import build_campaign
    from vigie.errors import UserError

    if args.jobs is not None and args.jobs < 1:
        raise UserError("--jobs : nombre de processus attendu, 1 ou plus")
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
    from vigie.campaign.report import code_summary, plan_summary

    camp = _load(args)
    plans = check_campaign(camp)
    for plan in plans:
        print(plan_summary(plan))
    print(code_summary(camp))
    print(f"{args.campaign_file} : OK, {len(plans)} pièces, chaque code et chaque ligne tiennent")
    return 0
