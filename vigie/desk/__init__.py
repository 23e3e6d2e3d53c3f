"""`vigie desk`: the analysts' inbox in a local browser window, offline, over the inbox modules.

* `state`    — what the desk holds in memory (identities, decrypted tips, a pull).
* `views`    — page data from `vigie.inbox.listing` and friends (filters, search).
* `app`      — Werkzeug routes and Jinja2 pages (templates/, static/).
* `settings` — the remembered identity path(s) (`.vigie/desk.json`, paths only).
* `run`      — binds the port, prints the one-time URL, serves until Ctrl-C.
* `cli`      — argparse wiring.

The security policy of the local web app (token, session cookie, Host check,
CSRF, CSP, no-store) is `vigie.localweb`'s, shared with other local apps.
"""
