"""The studio's routes (Werkzeug) and pages (Jinja2, autoescaped); wrapped by `vigie.localweb`.

Handlers are thin: they read the form, call `store.CampaignFile` (the TOML
file) or `pieces` (previews, builds) and render a template. Everything works
without JavaScript; `studio.js` only checks the code and the colours as they
are typed, through the same rules the server applies on submit.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from vigie.campaign.checks import code_problem
from vigie.campaign.formats import FORMATS
from vigie.campaign.spec import DEFAULT_COLORS, Campaign, CampaignError, NotPublicError
from vigie.campaign.texts import DEFAULT_TEXTS, LANGUAGES, TEXT_KEYS
from vigie.localapp import PageApp

from . import pieces
from .forms import (
    CODE_PATH_CHOICES,
    LANGUAGE_NAMES,
    LAYOUT_NAMES,
    TEXT_NAMES,
    settings_form,
    variant_form,
)
from .store import COLOR_NAMES, CampaignFile, FormError, SettingsForm, VariantForm

STATIC = Path(__file__).parent / "static"
_DOWNLOAD_TYPES = {".pdf": "application/pdf", ".png": "image/png"}

URLS = Map(
    [
        Rule("/", endpoint="home", methods=["GET"]),
        Rule("/creer", endpoint="create", methods=["POST"]),
        Rule("/variantes/nouvelle", endpoint="variant_new", methods=["GET"]),
        Rule("/variantes", endpoint="variant_save", methods=["POST"]),
        Rule("/variantes/essai", endpoint="variant_try", methods=["POST"]),
        Rule("/variantes/<code>", endpoint="variant_edit", methods=["GET"]),
        Rule("/variantes/<code>/supprimer", endpoint="variant_delete", methods=["POST"]),
        Rule("/variantes/<code>/apercu", endpoint="preview", methods=["GET"]),
        Rule("/apercu/<code>/<lang>/<fmt>.png", endpoint="preview_png", methods=["GET"]),
        Rule("/fichiers/<folder>", endpoint="files", methods=["GET"]),
        Rule("/fichiers/<folder>", endpoint="build", methods=["POST"]),
        Rule("/fichiers/<folder>/<name>", endpoint="download", methods=["GET"]),
        Rule("/reglages", endpoint="settings", methods=["GET"]),
        Rule("/reglages", endpoint="settings_save", methods=["POST"]),
        Rule("/verifier", endpoint="check", methods=["GET"]),
        Rule("/static/<name>", endpoint="static", methods=["GET"]),
    ]
)


class _Unavailable(Exception):
    """The campaign cannot be built as it stands (the French reason is the message)."""


class StudioApp(PageApp):
    """The WSGI app (before `LocalGuard`): one campaign file, one person."""

    def __init__(self, file: CampaignFile, out_root: Path) -> None:
        super().__init__("vigie.studio", STATIC)
        self.urls = URLS
        self.file = file
        self.out_root = out_root
        self.previews = pieces.Previews()

    def page_values(self) -> dict[str, Any]:
        return {"draft": self.file.draft, "file": str(self.file.path)}

    def dispatch(self, request: Request, endpoint: str, args: Mapping[str, Any]) -> Response:
        if endpoint == "static":
            return self.static(args["name"])
        if endpoint == "check":
            return self.on_check(request)
        if not self.file.exists():
            if endpoint == "create":
                return self.on_create(request)
            return self.render(request, "create.html", status=200, form={}, errors={})
        try:
            result: Response = getattr(self, f"on_{endpoint}")(request, **args)
        except FormError as exc:  # a file edited by hand into something unreadable
            return self.render(request, "error.html", status=400, code=400, message=exc.general)
        except _Unavailable as exc:
            return self.render(request, "error.html", status=409, code=409, message=str(exc))
        return result

    def _campaign(self) -> tuple[Campaign | None, str]:
        """The campaign as a build sees it, or (None, the French reason it cannot build)."""
        try:
            return self.file.load(), ""
        except CampaignError as exc:
            return None, str(exc)

    def _variant(self, camp: Campaign | None, code: str) -> Any:
        if code_problem(code):
            raise NotFound()
        if camp is None:  # say why there is nothing to show, rather than a bare 404
            raise _Unavailable(self._campaign()[1])
        for v in camp.variants:
            if v.code == code:
                return v
        raise NotFound()

    # -- pages ---------------------------------------------------------------

    def on_home(self, request: Request) -> Response:
        camp, problem = self._campaign()
        return self.render(
            request, "home.html", camp=camp, problem=problem,
            not_public=problem and _is_not_public(self.file), formats=FORMATS,
            languages=LANGUAGE_NAMES,
        )  # fmt: skip

    def on_create(self, request: Request) -> Response:
        form = {
            "name": request.form.get("name", ""),
            "report_url": request.form.get("report_url", ""),
        }
        try:
            self.file.create(form["name"], form["report_url"])
        except FormError as exc:
            return self.render(
                request,
                "create.html",
                status=400,
                form=form,
                errors=exc.fields,
                general=exc.general,
            )
        self.notice = "Campagne créée, avec une première variante à renommer."
        return redirect("/", 303)

    def _variant_values(self, form: VariantForm) -> dict[str, Any]:
        """What the variant form's template needs, beside the form itself."""
        settings = self.file.settings_form()
        langs = [form.language] if form.language else list(settings.languages)
        # Texts already written in another language stay on the form, so a save keeps them.
        langs += [x for x in LANGUAGES if form.texts.get(x) and x not in langs]
        return dict(
            form=form, formats=FORMATS, languages=LANGUAGE_NAMES, text_langs=langs,
            text_keys=TEXT_KEYS, text_names=TEXT_NAMES, campaign_texts=self.file.campaign_texts(),
            color_names=COLOR_NAMES, campaign_colors=settings.colors,
        )  # fmt: skip

    def _variant_page(
        self, request: Request, form: VariantForm, errors: dict[str, str], general: str, status: int
    ) -> Response:
        return self.render(
            request, "variant.html", status=status, errors=errors, general=general,
            **self._variant_values(form),
        )  # fmt: skip

    def on_variant_try(self, request: Request) -> Response:
        """Every piece of the variant as the form has it, drawn and verified; nothing written."""
        form = variant_form(request.form)
        try:
            camp, text = self.file.try_variant(form)
        except FormError as exc:
            return self._variant_page(request, form, exc.fields, exc.general, 400)
        variant = next(v for v in camp.variants if v.code == form.code)
        key = pieces.fingerprint(text, self.file.draft)
        previews = [
            self.previews.get(key, camp, variant, lang, fmt)
            for lang in variant.languages
            for fmt in variant.formats
        ]
        return self.render(
            request, "trial.html", previews=previews, key=key, errors={}, general="",
            **self._variant_values(form),
        )  # fmt: skip

    def on_variant_new(self, request: Request) -> Response:
        try:
            defaults = list(self.file.load().variants[0].formats)
        except (CampaignError, IndexError):
            defaults = ["a4"]
        return self._variant_page(request, VariantForm(formats=defaults), {}, "", 200)

    def on_variant_edit(self, request: Request, code: str) -> Response:
        form = self.file.variant_form(code) if not code_problem(code) else None
        if form is None:
            raise NotFound()
        return self._variant_page(request, form, {}, "", 200)

    def on_variant_save(self, request: Request) -> Response:
        form = variant_form(request.form)
        try:
            self.file.save_variant(form)
        except FormError as exc:
            # Nothing typed is lost: the same form comes back with the messages.
            return self._variant_page(request, form, exc.fields, exc.general, 400)
        self.notice = f"Variante {form.code} enregistrée."
        return redirect(f"/variantes/{form.code}/apercu", 303)

    def on_variant_delete(self, request: Request, code: str) -> Response:
        try:
            self.file.delete_variant(code)
            self.notice = f"Variante {code} supprimée."
        except FormError as exc:
            self.notice = exc.general
        return redirect("/", 303)

    def on_preview(self, request: Request, code: str) -> Response:
        camp, problem = self._campaign()
        variant = self._variant(camp, code)
        assert camp is not None
        key = pieces.fingerprint(self.file.text(), self.file.draft)
        previews = [
            self.previews.get(key, camp, variant, lang, fmt)
            for lang in variant.languages
            for fmt in variant.formats
        ]
        return self.render(
            request, "preview.html", camp=camp, variant=variant, previews=previews, key=key,
            languages=LANGUAGE_NAMES, problem=problem,
        )  # fmt: skip

    def on_preview_png(self, request: Request, code: str, lang: str, fmt: str) -> Response:
        tried = self.previews.peek(request.args.get("v", ""), code, lang, fmt)
        if tried is not None and tried.png:  # a piece drawn for this exact file text (or a trial)
            return Response(tried.png, content_type="image/png")
        camp, _ = self._campaign()
        variant = self._variant(camp, code)
        assert camp is not None
        if lang not in variant.languages or fmt not in variant.formats:
            raise NotFound()
        key = pieces.fingerprint(self.file.text(), self.file.draft)
        preview = self.previews.get(key, camp, variant, lang, fmt)
        if not preview.png:
            raise NotFound()
        return Response(preview.png, content_type="image/png")

    def _folder(self, camp: Campaign | None, folder: str) -> Any:
        """The variant for a download folder; None for the whole campaign."""
        return None if folder == pieces.WHOLE else self._variant(camp, folder)

    def on_build(self, request: Request, folder: str) -> Response:
        camp, problem = self._campaign()
        if camp is None:
            self.notice = problem
            return redirect("/", 303)
        variant = self._folder(camp, folder)
        try:
            pieces.build_files(camp, variant, self.out_root)
        except CampaignError as exc:
            return self.render(request, "error.html", status=400, code=400, message=str(exc))
        self.notice = "Fichiers prêts : chaque code a été relu."
        return redirect(f"/fichiers/{folder}", 303)

    def on_files(self, request: Request, folder: str) -> Response:
        camp, problem = self._campaign()
        variant = self._folder(camp, folder)
        manifest = pieces.built_files(self.out_root, folder)
        return self.render(
            request, "files.html", folder=folder, variant=variant, manifest=manifest,
            formats=FORMATS, problem=problem, out=str(self.out_root / folder),
        )  # fmt: skip

    def on_download(self, request: Request, folder: str, name: str) -> Response:
        if folder != pieces.WHOLE and code_problem(folder):
            raise NotFound()
        manifest = pieces.built_files(self.out_root, folder)
        # Only a name the build itself wrote: no path from the request reaches the disk.
        if manifest is None or name not in pieces.downloadable(manifest):
            raise NotFound()
        data = (self.out_root / folder / name).read_bytes()
        kind = _DOWNLOAD_TYPES.get(Path(name).suffix, "application/octet-stream")
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(data, content_type=kind, headers=headers)

    def _settings_page(
        self,
        request: Request,
        form: SettingsForm,
        errors: dict[str, str],
        general: str,
        status: int,
    ) -> Response:
        return self.render(
            request, "settings.html", status=status, form=form, errors=errors, general=general,
            layouts=LAYOUT_NAMES, languages=LANGUAGE_NAMES, color_names=COLOR_NAMES,
            text_names=TEXT_NAMES, text_keys=TEXT_KEYS, defaults=DEFAULT_TEXTS,
            code_path_choices=CODE_PATH_CHOICES,
        )  # fmt: skip

    def on_settings(self, request: Request) -> Response:
        return self._settings_page(request, self.file.settings_form(), {}, "", 200)

    def on_settings_save(self, request: Request) -> Response:
        form = settings_form(request.form)
        try:
            self.file.save_settings(form)
        except FormError as exc:
            return self._settings_page(request, form, exc.fields, exc.general, 400)
        self.notice = "Réglages enregistrés."
        return redirect("/", 303)

    def on_check(self, request: Request) -> Response:
        """What is wrong with a code or colours, for the as-you-type hints (JSON)."""
        import json

        out: dict[str, str] = {}
        if "code" in request.args:
            out["code"] = code_problem(request.args["code"].strip()) or ""
        colors = {k: request.args.get(f"color_{k}", "").strip() for k in DEFAULT_COLORS}
        if any(colors.values()):
            # Empty fields (a variant keeping the campaign's colour) take the campaign's.
            try:
                problems = self.file.variant_color_errors(colors)
            except (OSError, ValueError):  # no campaign file yet, or one being rewritten
                problems = {}
            out.update({f"color_{k}": problems.get(f"color_{k}", "") for k in DEFAULT_COLORS})
        return Response(json.dumps(out, ensure_ascii=False), content_type="application/json")


def _is_not_public(file: CampaignFile) -> bool:
    try:
        file.load()
    except NotPublicError:
        return True
    except CampaignError:
        return False
    return False
