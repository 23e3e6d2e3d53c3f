"""The built site as `vigie serve` answers it: safe path resolution and headers.

Paths are normalised and resolved inside the site directory (no `..` escape);
directories need their trailing slash (as on S3 + CloudFront) and serve their
`index.html`; anything else missing gets the site's `404.html` (status 404):
the French one at the root, which also points to the other languages, or
`/<lang>/404.html` for a missing address under that language's prefix.
Pages carry the site's security headers and are never cached; assets are
revalidated.
"""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

from vigie.core.i18n import LANGS, lang_prefix

# Pages are never stored by the browser (a shared phone keeps no copy of the
# form); assets are revalidated. CloudFront serves the same (vigie.deploy.commands).
PAGE_CACHE_CONTROL = "no-store"
ASSET_CACHE_CONTROL = "no-cache"
# A name MkDocs never writes: stands for "not in the site" (answered with 404.html).
_NO_SUCH_FILE = ".vigie-no-such-file"


def static_answer(
    site_dir: Path, raw_path: str, site_headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) for a GET of `raw_path` in the built site."""
    parts = urlsplit(raw_path)
    # Backslashes are path separators to browsers: never let one into a Location.
    rel = posixpath.normpath(unquote(parts.path).replace("\\", "/")).lstrip("/")
    try:
        target = (site_dir / rel).resolve()
    except ValueError:  # an embedded NUL byte
        target = site_dir / _NO_SUCH_FILE
    if site_dir not in target.parents and target != site_dir:
        target = site_dir / _NO_SUCH_FILE  # outside the site: answered as not found
    if target.is_dir():
        if not parts.path.endswith("/"):
            # Built from the normalised path (always one leading slash: no
            # open redirect) and keeping the query (a poster's ?c=CODE).
            location = "/" + (rel + "/" if rel not in ("", ".") else "")
            return 301, {"Location": location + (f"?{parts.query}" if parts.query else "")}, b""
        target = target / "index.html"
    status = 200
    if not target.is_file():
        status, target = 404, _not_found_page(site_dir, rel)
    body = target.read_bytes() if target.is_file() else b"Not found"
    ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    headers = {"Content-Type": ctype + ("; charset=utf-8" if ctype.startswith("text/") else "")}
    if ctype == "text/html":
        headers.update(site_headers)
        headers["Cache-Control"] = PAGE_CACHE_CONTROL
    else:
        headers["Cache-Control"] = ASSET_CACHE_CONTROL
    return status, headers, body


def _not_found_page(site_dir: Path, rel: str) -> Path:
    """The 404 page in the language whose prefix `rel` starts with (French otherwise)."""
    for lang in LANGS:
        prefix = lang_prefix(lang)
        if prefix and (rel + "/").startswith(prefix) and (site_dir / prefix / "404.html").is_file():
            return site_dir / prefix / "404.html"
    return site_dir / "404.html"
