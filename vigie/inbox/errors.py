"""The one exception the inbox raises for problems an analyst can fix.

The command layer turns it (and store outages) into one line on stderr and a
non-zero exit, never a traceback: a traceback can print tip content.
"""

from __future__ import annotations


class InboxError(Exception):
    """A user-fixable inbox problem; the message is French and fits on one line."""
