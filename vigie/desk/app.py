"""The desk's routes (Werkzeug) and pages (Jinja2, autoescaped); wrapped by `vigie.localweb`.

Every handler is thin: it reads the request, calls `DeskState` or the inbox
modules through `views`, and renders a template. Text from tips is written
by strangers: Jinja2's autoescape is on for every template, and no tip text
ever goes into an attribute that a browser would run (no inline script at all:
the CSP forbids it).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from vigie.core.config import ConfigError
from vigie.core.envelope import ATTACHMENT_TYPES, CATEGORIES, Attachment
from vigie.core.layout import RECEIPT_RE
from vigie.core.storage import ObjectMissing, StoreUnavailable
from vigie.inbox import listing, photos, stats
from vigie.inbox.errors import InboxError
from vigie.inbox.thread import TEXT_LIMIT
from vigie.inbox.triage import NOTE_LIMIT, STATUS_LABELS, STATUSES
from vigie.localapp import PageApp

from . import actions, settings, views
from .state import DeskState

STATIC = Path(__file__).parent / "static"
ASSIGNEE_LIMIT = 80
# matplotlib's pyplot is not thread-safe; the desk serves requests on threads.
_CHART_LOCK = threading.Lock()

URLS = Map(
    [
        Rule("/", endpoint="home", methods=["GET"]),
        Rule("/unlock", endpoint="unlock", methods=["POST"]),
        Rule("/lock", endpoint="lock", methods=["POST"]),
        Rule("/pull", endpoint="pull_page", methods=["GET"]),
        Rule("/pull", endpoint="pull_start", methods=["POST"]),
        Rule("/pull/status", endpoint="pull_status", methods=["GET"]),
        Rule("/tips/<receipt>", endpoint="tip", methods=["GET"]),
        Rule("/tips/<receipt>/photos/<int:n>", endpoint="photo", methods=["GET"]),
        Rule("/tips/<receipt>/mark", endpoint="mark", methods=["POST"]),
        Rule("/tips/<receipt>/reply", endpoint="reply", methods=["POST"]),
        Rule("/bulk", endpoint="bulk", methods=["POST"]),
        Rule("/export", endpoint="export", methods=["POST"]),
        Rule("/stats", endpoint="stats", methods=["GET"]),
        Rule("/stats.png", endpoint="chart", methods=["GET"]),
        Rule("/static/<name>", endpoint="static", methods=["GET"]),
    ]
)
# Pages that need the identity; the others work locked (pull, static files).
_NEEDS_KEY = {"home", "tip", "photo", "mark", "reply", "bulk", "export", "stats", "chart"}


def _local_path(text: str) -> str:
    """Where to go after unlocking: only a path on this desk (no //host, no scheme)."""
    if text.startswith("/") and not text.startswith("//") and "\\" not in text:
        return text
    return "/"


def _back(request: Request, args: Mapping[str, Any]) -> str:
    """Where to come back after unlocking: the page itself, or for a form the page
    it was on (never the action: a redirect after unlocking is a GET)."""
    if request.method != "POST":
        return request.full_path.rstrip("?")
    return f"/tips/{args['receipt']}" if "receipt" in args else "/"


class DeskApp(PageApp):
    """The WSGI app (before `LocalGuard`): one analyst, one session, one state."""

    def __init__(
        self, state: DeskState, identity_files: tuple[Path, ...], settings_file: Path
    ) -> None:
        super().__init__("vigie.desk", STATIC)
        self.urls = URLS
        self.state = state
        self.identity_files = identity_files
        self.settings_file = settings_file
        # (receipt, n, hash of the bytes) -> verdict; no pixel or byte is kept.
        self._photo_checks: dict[tuple[str, int, bytes], photos.Checked] = {}

    def page_values(self) -> dict[str, Any]:
        return {"unlocked": self.state.unlocked}

    def dispatch(self, request: Request, endpoint: str, args: Mapping[str, Any]) -> Response:
        if endpoint == "static":
            return self.static(args["name"])
        if endpoint != "pull_status":
            self.state.touch()  # may lock first, if the analyst was away too long
        if endpoint in _NEEDS_KEY and not self.state.unlocked:
            if request.method == "POST":
                self.notice = "Boîte verrouillée : rien n'a été fait. Déverrouillez d'abord."
            return self.unlock_page(request, next_path=_back(request, args))
        handler = getattr(self, f"on_{endpoint}")
        try:
            result: Response = handler(request, **args)
        except InboxError as exc:
            if not self.state.unlocked:  # locked by the idle timer in the meantime
                return self.unlock_page(request, next_path=_back(request, args))
            return self.render(request, "error.html", status=400, code=400, message=str(exc))
        return result

    # -- unlock / lock -------------------------------------------------------

    def unlock_page(
        self, request: Request, next_path: str, error: str = "", status: int = 200
    ) -> Response:
        remembered = self.identity_files or settings.load_identity_paths(self.settings_file)
        typed = request.form.get("identity") if request.method == "POST" else None
        return self.render(
            request,
            "unlock.html",
            status=status,
            identity=typed if typed is not None else settings.join_paths(remembered),
            next_path=_local_path(next_path),
            error=error,
            reason=self.state.lock_reason,
        )

    def on_unlock(self, request: Request) -> Response:
        paths = settings.split_paths(request.form.get("identity", ""))
        next_path = _local_path(request.form.get("next", "/"))
        if not paths:
            return self.unlock_page(request, next_path, "Indiquez le fichier de votre clé.", 400)
        try:
            self.state.unlock(paths, request.form.get("passphrase", ""))
        except InboxError as exc:
            return self.unlock_page(request, next_path, str(exc), 400)
        settings.save_identity_paths(self.settings_file, paths)
        return redirect(next_path, 303)

    def on_lock(self, request: Request) -> Response:
        self.state.lock()
        self.notice = "Boîte verrouillée : la clé a été oubliée."
        return redirect("/", 303)

    # -- inbox ---------------------------------------------------------------

    def on_home(self, request: Request) -> Response:
        query, errors = views.parse_query(request.args)
        entries, states = self.state.snapshot()
        found = views.listing_view(entries, states, query, self.state.cache)
        return self.render(
            request,
            "inbox.html",
            rows=found.shown,
            found=found,
            summary=views.summary(found.shown),
            empty_cache=not entries,
            query=query,
            errors=errors,
            statuses=[(s, STATUS_LABELS[s]) for s in STATUSES],
            categories=[(k, v.split(" (")[0]) for k, v in CATEGORIES.items()],
            campaigns=views.campaigns(entries),
            langs=list(views.LANG_LABELS.items()),
            views=list(views.VIEWS.items()),
            efforts=list(views.EFFORT_LABELS.items()),
            last_pull=self.state.pull_status(),
        )

    def _entry(self, receipt: str) -> tuple[Any, Any]:
        if not RECEIPT_RE.match(receipt):
            raise NotFound()
        entries, states = self.state.snapshot()
        for entry in entries:
            if entry.receipt == receipt:
                return entry, states.get(receipt)
        raise NotFound()

    def on_tip(
        self,
        request: Request,
        receipt: str,
        error: str = "",
        status: int = 200,
        reply_error: str = "",
    ) -> Response:
        entry, state = self._entry(receipt)
        view = views.tip_view(entry, state, *self.state.details(entry))
        form = request.form if request.method == "POST" else {}
        return self.render(
            request,
            "tip.html",
            status=status,
            tip=entry.tip,
            view=view,
            error=error,
            statuses=[(s, STATUS_LABELS[s]) for s in STATUSES],
            form_status=form.get("status", view["row"]["status"]),
            form_assignee=form.get("assignee", view["row"]["assignee"]),
            form_note=form.get("note", ""),
            note_limit=NOTE_LIMIT,
            assignee_limit=ASSIGNEE_LIMIT,
            reply_error=reply_error,
            form_message=form.get("message", ""),
            message_limit=TEXT_LIMIT,
        )

    def on_photo(self, request: Request, receipt: str, n: int) -> Response:
        entry, _state = self._entry(receipt)
        photos = entry.tip.attachments if entry.tip else ()
        if not 1 <= n <= len(photos):
            raise NotFound()
        att = photos[n - 1]
        # A stranger's bytes reach the analyst's browser only once checked like
        # `show --attachments` writes them (vigie.inbox.photos: magic bytes, real
        # type, decoded size under the bomb limit); a refused one is a 404.
        checked = self._checked(receipt, n, att)
        if checked.problem or checked.real not in ATTACHMENT_TYPES:
            raise NotFound()
        return Response(att.data, content_type=checked.real)

    def _checked(self, receipt: str, n: int, att: Attachment) -> photos.Checked:
        """photos.check decodes the whole image: once per photo, not per page view."""
        key = (receipt, n, hashlib.sha256(att.data).digest())
        if key not in self._photo_checks:
            self._photo_checks[key] = photos.check(att)
        return self._photo_checks[key]

    def on_mark(self, request: Request, receipt: str) -> Response:
        self._entry(receipt)
        status = request.form.get("status", "")
        note = request.form.get("note", "").strip()
        assignee = " ".join(request.form.get("assignee", "").split())
        if status not in STATUSES:
            return self.on_tip(request, receipt, "Choisissez un statut.", 400)
        if len(note) > NOTE_LIMIT or len(assignee) > ASSIGNEE_LIMIT:
            return self.on_tip(request, receipt, "Note ou nom trop long.", 400)
        try:
            self.notice = self.state.mark(receipt, status, note, assignee)
        except StoreUnavailable as exc:
            return self.on_tip(request, receipt, f"Stockage injoignable : {exc}", 503)
        except (InboxError, ObjectMissing, ConfigError) as exc:
            return self.on_tip(request, receipt, str(exc), 400)
        return redirect(f"/tips/{receipt}", 303)

    def on_reply(self, request: Request, receipt: str) -> Response:
        return actions.reply(self, request, receipt)

    def on_bulk(self, request: Request) -> Response:
        return actions.bulk(self, request)

    def on_export(self, request: Request) -> Response:
        query, _errors = views.parse_query(request.form)
        entries, states = self.state.snapshot()
        rows = views.rows(entries, states, query, self.state.cache)
        chosen = set(request.form.getlist("r"))
        if chosen:
            rows = [r for r in rows if r["receipt"] in chosen]
        fmt = "json" if request.form.get("format") == "json" else "csv"
        data, _count = listing.export_bytes(rows, fmt, listing.DEFAULT_EXPORT_FIELDS)
        name = f"vigie-export-{datetime.now(UTC).date().isoformat()}.{fmt}"
        kind = "application/json" if fmt == "json" else "text/csv; charset=utf-8"
        return Response(
            data,
            content_type=kind,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    # -- pull ----------------------------------------------------------------

    def on_pull_start(self, request: Request) -> Response:
        self.state.start_pull()
        return redirect("/pull", 303)

    def on_pull_page(self, request: Request) -> Response:
        return self.render(request, "pull.html", job=self.state.pull_status())

    def on_pull_status(self, request: Request) -> Response:
        body = json.dumps(self.state.pull_status(), ensure_ascii=False)
        return Response(body, content_type="application/json; charset=utf-8")

    # -- stats ---------------------------------------------------------------

    def _stats_doc(self, request: Request) -> tuple[dict[str, Any], str]:
        today = datetime.now(UTC).date()
        default = f"{today.year - 1:04d}-{today.month:02d}"
        since = request.args.get("since", default)
        try:
            datetime.strptime(since, "%Y-%m")
        except ValueError:
            since = default
        entries, _states = self.state.snapshot()
        try:
            return stats.compute(entries, since, today), since
        except InboxError:
            return stats.compute(entries, default, today), default

    def on_stats(self, request: Request) -> Response:
        doc, since = self._stats_doc(request)
        return self.render(request, "stats.html", doc=doc, since=since)

    def on_chart(self, request: Request) -> Response:
        from vigie.inbox.chart import render_png

        doc, _since = self._stats_doc(request)
        with _CHART_LOCK:
            png = render_png(doc)
        return Response(png, content_type="image/png")
