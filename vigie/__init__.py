"""Vigie: anonymous, end-to-end encrypted tip line (command-line side).

The `vigie` command (see `vigie.cli`) serves the site and intake locally, builds
the site, makes campaign material and runs the analysts' inbox. The intake's
logic and the formats it owns live in `vigie.core`, which the Lambda ships
vendored under the same name (`vigie.lambdapkg`).
"""

__version__ = "0.1.0"
