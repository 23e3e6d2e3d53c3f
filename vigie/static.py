"""The built site as `vigie serve` answers it: safe path resolution and headers.

Paths are normalised and resolved inside the site directory (no `..` escape);
directories need their trailing slash (as on S3 + CloudFront) and serve their
`index.html`; anything else missing gets the site's `404.html`. Pages carry the
site's security headers and are never cached; assets are revalidated.
"""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit


def static_answer(
    site_dir: Path, raw_path: str, site_headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) for a GET of `raw_path` in the built site."""
    path = urlsplit(raw_path).path
    rel = posixpath.normpath(unquote(path)).lstrip("/")
    target = (site_dir / rel).resolve()
    if site_dir not in target.parents and target != site_dir:
        target = site_dir / "404.html"
    if target.is_dir():
        if not path.endswith("/"):
            return 301, {"Location": path + "/"}, b""
        target = target / "index.html"
    status = 200
    if not target.is_file():
        status, target = 404, site_dir / "404.html"
    body = target.read_bytes() if target.is_file() else b"Not found"
    ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    headers = {"Content-Type": ctype + ("; charset=utf-8" if ctype.startswith("text/") else "")}
    if ctype == "text/html":
        headers.update(site_headers)
        headers["Cache-Control"] = "no-store"
    else:
        headers["Cache-Control"] = "no-cache"
    return status, headers, body
