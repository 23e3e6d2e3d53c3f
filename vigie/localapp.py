"""What Vigie's two local web apps (`vigie desk`, `vigie studio`) share: routing and pages.

Each app is a `PageApp`: Werkzeug routing through the app's URL map, a
`dispatch` of its own, and Jinja2 pages from its package's `templates/` with
autoescape on (text from tips and campaign files is written by others) and
`StrictUndefined` (a missing value is a bug, not a blank). Every page gets
the CSRF token of the session (`vigie.localweb`), its own path and the notice
left by the last action, shown once. The security policy itself (token,
session, Host, CSRF, CSP) stays in `vigie.localweb`, around the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from vigie import localweb

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


#: What an app's `static/` folder may serve, and as what (anything else is a 404).
STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


class PageApp:
    """A WSGI app of routed pages; subclasses set `urls` and write `dispatch`."""

    urls: Map

    def __init__(self, package: str, static_dir: Path) -> None:
        self.notice = ""  # said once, on the next page rendered
        self.static_dir = static_dir
        self.env = Environment(
            loader=PackageLoader(package, "templates"),
            autoescape=True,
            undefined=StrictUndefined,
        )

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        request = Request(environ)
        try:
            endpoint, args = self.urls.bind_to_environ(environ).match()
            response = self.dispatch(request, endpoint, args)
        except HTTPException as exc:
            code = exc.code or 400
            response = self.render(request, "error.html", status=code, code=code, message="")
        return response(environ, start_response)

    def dispatch(self, request: Request, endpoint: str, args: Mapping[str, Any]) -> Response:
        raise NotImplementedError

    def page_values(self) -> dict[str, Any]:
        """What every page of this app shows besides the shared values."""
        return {}

    def render(self, request: Request, name: str, status: int = 200, **values: Any) -> Response:
        notice, self.notice = self.notice, ""
        page = self.env.get_template(name).render(
            csrf=localweb.csrf_token(request.environ),
            path=request.path,
            notice=notice,
            **self.page_values(),
            **values,
        )
        return Response(page, status=status, content_type="text/html; charset=utf-8")

    def static(self, name: str) -> Response:
        """A file of the app's own `static/` folder, by its exact name only (no path)."""
        path = self.static_dir / name
        if path.suffix not in STATIC_TYPES or path.parent != self.static_dir or not path.is_file():
            raise NotFound()
        return Response(path.read_bytes(), content_type=STATIC_TYPES[path.suffix])
