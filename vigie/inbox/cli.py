"""argparse wiring for `vigie inbox ...` and `vigie stats`; each handler calls one service function.

Store outages and inbox errors become `UserError` (one line, exit 2): a
traceback could print decrypted tip content into a terminal log.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from vigie.cliutil import load_cli_config
from vigie.core.i18n import LANGS
from vigie.core.storage import ObjectMissing, StoreUnavailable
from vigie.errors import UserError

from . import service
from .cache import DEFAULT_CACHE, cache_dir_for
from .errors import InboxError
from .keys import file_passphrase, new_passphrase, terminal_passphrase
from .listing import DEFAULT_EXPORT_FIELDS, Filters
from .triage import STATUSES

Handler = Callable[[argparse.Namespace], int]


def _days(text: str) -> int:
    """A number of days, 0 or more (a negative age would select today's tips)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} n'est pas un nombre de jours") from None
    if value < 0:
        raise argparse.ArgumentTypeError("le nombre de jours doit être positif ou nul")
    return value


def _friendly(func: Callable[[argparse.Namespace], str]) -> Handler:
    @functools.wraps(func)
    def run(args: argparse.Namespace) -> int:
        try:
            text = func(args)
        except InboxError as exc:
            raise UserError(str(exc)) from None
        except StoreUnavailable as exc:
            raise UserError(f"stockage injoignable ou accès refusé : {exc}") from None
        except ObjectMissing as exc:
            raise UserError(f"objet introuvable dans le stockage : {exc}") from None
        print(text)
        return 0

    return run


IDENTITY_ENV = "VIGIE_IDENTITY"


def identity_paths(given: list[Path] | None) -> tuple[Path, ...]:
    """`-i` files if any, else $VIGIE_IDENTITY (paths joined by os.pathsep), read here only."""
    if given:
        return tuple(given)
    value = os.environ.get(IDENTITY_ENV, "")
    return tuple(Path(p) for p in value.split(os.pathsep) if p.strip())


def _analyst(args: argparse.Namespace) -> service.Analyst:
    ask = file_passphrase(args.passphrase_file) if args.passphrase_file else terminal_passphrase
    return service.Analyst(
        _cache_dir(args),
        identity_paths(args.identity),
        ask,
        signing_key_file=getattr(args, "signing_key", None),
        **service.trust(load_cli_config(args)),
    )


def _cache_dir(args: argparse.Namespace) -> Path:
    """--cache if given, else the configured store's own folder under .vigie/inbox/."""
    if args.cache:
        return Path(args.cache)
    return cache_dir_for(load_cli_config(args).intake.store)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("date attendue sous la forme AAAA-MM-JJ") from None


def _month(text: str) -> str:
    try:
        date.fromisoformat(text + "-01")
    except ValueError:
        raise argparse.ArgumentTypeError("mois attendu sous la forme AAAA-MM") from None
    return text


def _filters(args: argparse.Namespace) -> Filters:
    return Filters(
        since=args.since, until=args.until, status=args.status, category=args.type,
        lang=getattr(args, "lang", None),
    )  # fmt: skip


def _signing_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--signing-key", type=Path, metavar="FILE",
        help="your signing key (default: beside your --identity file, FILE.sign)",
    )  # fmt: skip


def _keys_options(p: argparse.ArgumentParser, identity: bool = True) -> None:
    p.add_argument(
        "--cache", metavar="DIR",
        help=f"local cache (default: one folder per store under {DEFAULT_CACHE}/)",
    )  # fmt: skip
    if identity:
        p.add_argument(
            "--identity", "-i", action="append", type=Path, metavar="FILE",
            help=f"your age identity file (repeatable; default: ${IDENTITY_ENV})",
        )  # fmt: skip
        p.add_argument(
            "--passphrase-file", type=Path, metavar="FILE",
            help="read the passphrase from FILE instead of asking (scripts)",
        )  # fmt: skip


def _filter_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", type=_day, metavar="YYYY-MM-DD")
    p.add_argument("--until", type=_day, metavar="YYYY-MM-DD")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--type", choices=("spot", "delivery", "stash", "other"))
    p.add_argument("--lang", choices=LANGS, help="only tips written in this language")


@_friendly
def _keygen(args: argparse.Namespace) -> str:
    cfg = load_cli_config(args)
    if args.no_passphrase:
        passphrase = None
    elif args.passphrase_file:
        passphrase = file_passphrase(args.passphrase_file)(str(args.out))
    else:
        passphrase = new_passphrase()
    return service.do_keygen(cfg, args.out, passphrase)


@_friendly
def _pull(args: argparse.Namespace) -> str:
    analyst = service.Analyst(_cache_dir(args))
    return service.do_pull(load_cli_config(args), analyst, progress=sys.stderr.isatty())


def _view(args: argparse.Namespace) -> str:
    return "all" if args.all else "suspect" if args.suspect else "default"


@_friendly
def _list(args: argparse.Namespace) -> str:
    return service.do_list(_analyst(args), _filters(args), args.json, _view(args), args.min_effort)


@_friendly
def _show(args: argparse.Namespace) -> str:
    return service.do_show(_analyst(args), args.receipt, args.attachments, args.json)


@_friendly
def _reply(args: argparse.Namespace) -> str:
    if args.message_file is not None:
        try:
            text = args.message_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InboxError(f"{args.message_file} : illisible ({exc})") from None
    else:
        text = args.message
    return service.do_reply(load_cli_config(args), _analyst(args), args.receipt, text)


@_friendly
def _mark(args: argparse.Namespace) -> str:
    cfg = load_cli_config(args)
    bulk = args.suspect or args.since or args.until or args.type or args.max_effort is not None
    if args.receipt is None:
        if not bulk:
            raise InboxError("donnez un numéro de dépôt, ou un filtre (--suspect, --since…)")
        filters = Filters(since=args.since, until=args.until, category=args.type)
        view = "suspect" if args.suspect else "all"
        return service.do_mark_bulk(
            cfg, _analyst(args), args.status, filters, view, args.max_effort, args.apply,
            args.note, args.assignee,
        )  # fmt: skip
    if bulk or args.apply:
        raise InboxError("un reçu ou un filtre, pas les deux")
    return service.do_mark(cfg, _analyst(args), args.receipt, args.status, args.note, args.assignee)


@_friendly
def _export(args: argparse.Namespace) -> str:
    fields = tuple(f.strip() for f in args.fields.split(",") if f.strip())
    return service.do_export(_analyst(args), args.format, args.out, fields, _filters(args))


@_friendly
def _purge(args: argparse.Namespace) -> str:
    cfg = load_cli_config(args)
    return service.do_purge(cfg, _analyst(args), args.older_than, args.apply)


@_friendly
def _stats(args: argparse.Namespace) -> str:
    cfg = load_cli_config(args)
    return service.do_stats(
        cfg, _analyst(args), args.since, args.out, args.site_page, until=args.until
    )


def register(subparsers: Any) -> None:
    inbox = subparsers.add_parser(
        "inbox", help="analysts: pull, read, triage, reply, export, purge"
    )
    sub = inbox.add_subparsers(dest="inbox_command", metavar="ACTION", required=True)

    p = sub.add_parser("keygen", help="create your age key and signing key (passphrase-protected)")
    p.add_argument("--out", type=Path, required=True, metavar="FILE")
    p.add_argument("--no-passphrase", action="store_true", help="tests and demos only")
    p.add_argument("--passphrase-file", type=Path, metavar="FILE")
    p.set_defaults(func=_keygen)

    p = sub.add_parser("pull", help="fetch new encrypted tips into the local cache")
    _keys_options(p, identity=False)
    p.set_defaults(func=_pull)

    p = sub.add_parser("list", help="table of tips (decrypted in memory)")
    _keys_options(p)
    _filter_options(p)
    p.add_argument("--json", action="store_true")
    view = p.add_mutually_exclusive_group()
    view.add_argument("--all", action="store_true", help="also show suspected junk")
    view.add_argument("--suspect", action="store_true", help="only suspected junk")
    p.add_argument(
        "--min-effort", type=int, choices=range(4), metavar="0-3",
        help="only tips whose proof-of-work effort class is at least this",
    )  # fmt: skip
    p.set_defaults(func=_list)

    p = sub.add_parser("show", help="one whole tip")
    _keys_options(p)
    p.add_argument("receipt")
    p.add_argument("--attachments", type=Path, metavar="DIR", help="write the photos here")
    p.add_argument("--json", action="store_true", help='{"tip": {...}, "thread": [...]}')
    p.set_defaults(func=_show)

    p = sub.add_parser("reply", help="ask the (anonymous) reporter a question, if they offered")
    _keys_options(p)
    p.add_argument("receipt")
    text = p.add_mutually_exclusive_group(required=True)
    text.add_argument("--message", metavar="TEXT")
    text.add_argument("--message-file", type=Path, metavar="FILE")
    _signing_option(p)
    p.set_defaults(func=_reply)

    p = sub.add_parser(
        "mark",
        help="set the shared triage status (signed) of a tip, or of every tip a filter selects",
    )
    _keys_options(p)
    _signing_option(p)
    p.add_argument("receipt", nargs="?", help="one tip; or none, with a filter below")
    p.add_argument("--status", choices=STATUSES, required=True)
    p.add_argument("--note", default="")
    p.add_argument("--assignee", default="")
    bulk = p.add_argument_group("several tips at once (dry run unless --apply)")
    bulk.add_argument("--suspect", action="store_true", help="the suspected junk only")
    bulk.add_argument("--since", type=_day, metavar="YYYY-MM-DD")
    bulk.add_argument("--until", type=_day, metavar="YYYY-MM-DD")
    bulk.add_argument("--type", choices=("spot", "delivery", "stash", "other"))
    bulk.add_argument("--max-effort", type=int, choices=range(4), metavar="0-3")
    bulk.add_argument("--apply", action="store_true", help="really write the events")
    p.set_defaults(func=_mark)

    p = sub.add_parser("export", help="decrypted tips to CSV or JSON for case tools")
    _keys_options(p)
    _filter_options(p)
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument("--out", type=Path, required=True, metavar="FILE")
    p.add_argument("--fields", default=",".join(DEFAULT_EXPORT_FIELDS))
    p.set_defaults(func=_export)

    p = sub.add_parser("purge", help="delete tips past the retention (dry run unless --apply)")
    _keys_options(p)
    p.add_argument("--older-than", type=_days, metavar="DAYS")
    p.add_argument("--apply", action="store_true", help="really delete")
    p.set_defaults(func=_purge)

    p = subparsers.add_parser("stats", help="aggregate counts for the comms team (no cell < 5)")
    _keys_options(p)
    p.add_argument("--since", type=_month, required=True, metavar="YYYY-MM")
    p.add_argument(
        "--until", type=_month, metavar="YYYY-MM",
        help="last month (closed; default: last month). A period is published once",
    )  # fmt: skip
    p.add_argument("--out", type=Path, required=True, metavar="DIR")
    p.add_argument("--site-page", type=Path, metavar="FILE", help="write a public Résultats page")
    p.set_defaults(func=_stats)
