"""`UserError` and the one-line error boundary every `vigie` command runs behind.

A module of its own so that subcommand modules never import `vigie.cli` (which
imports them). Errors a user can fix print as one line and exit 2: never a
traceback, which could also print decrypted tip content into a terminal log.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from vigie.core.config import ConfigError


class UserError(Exception):
    """An error the user can act on: printed as one line, no traceback."""


def run_guarded(func: Callable[[], int | None]) -> int:
    """Run one command; a UserError or ConfigError is one line on stderr and exit 2."""
    try:
        return int(func() or 0)
    except (ConfigError, UserError) as exc:
        print(f"vigie: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("vigie: interrupted", file=sys.stderr)
        return 130
