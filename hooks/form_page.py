"""MkDocs hook for the report form page (/signaler/) and the follow-up page (/suivi/).

Both pages get the same treatment (settings baked, scripts with SRI); the
category radios are the form's only.

- Replaces `<!--vigie:categories-->` with one radio button per category, with the
  French labels of `vigie.core.envelope.CATEGORIES` (one owner for the list).
- Appends `<script type="application/json" id="vigie-form-config">`: the analysts'
  age public keys, the intake URL and the envelope limits. Why baked and not
  fetched: a key fetched at run time could be swapped by whoever controls the API
  for one visitor; a key in the page is the same for everyone and is covered by
  the page's integrity. It is data, not code, so `script-src 'self'` is unaffected.
- Turns the page's `vigie_scripts` (front matter) into entries with Subresource
  Integrity (`sha384-...`) computed from the files, so a tampered copy of the
  crypto code on a CDN or bucket is refused by the browser.
- Bakes the page's `vigie_bundles` (front matter, name -> file: the age and
  follow-up phrase bundles) into the settings as `bundles` {name: {src,
  integrity}}: they are not <script> tags, tip.js's `bundle()` inserts them
  with that integrity when the page needs them, after it is usable (their
  evaluation would otherwise hold the main thread before DOMContentLoaded).
- Writes the page's language into the no-JS form's action
  (`…/tips/form?lang=en`), so a refusal sent before the body is read is a page
  in that language (vigie.core.formrefusal).
- Then gives every other script and stylesheet of a page that carries the form
  (the theme's CSS, `assets/vigie.css`, `assets/vigie.js`) its SRI too, from the
  bytes written to the site (`on_post_page`): any script on that page sees what
  is typed, so one without integrity could send a description elsewhere.

A malformed recipient fails the build: a form that encrypts to a wrong key would
silently lose every tip. An empty list builds (the page then falls back to the
no-JavaScript path, where the intake encrypts), with an info line.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import posixpath
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url

FORM_PAGE = "signaler/index.md"
# /suivi/: the reporter reads the analysts' questions and answers them (its
# answers are tips, encrypted to the same baked keys, sent the same way).
FOLLOWUP_PAGE = "suivi/index.md"
PAGES = (FORM_PAGE, FOLLOWUP_PAGE)
CATEGORIES_MARKER = "<!--vigie:categories-->"
WORKER = "assets/form/pow-worker.js"
# A page carries the form if it has this element (whatever its language or path).
FORM_MARKER = 'id="vigie-form"'
# The template's own tags (overrides/main.html, Material's base): one per line,
# double-quoted attributes, so a regular expression over them is exact enough.
_RESOURCE_RE = re.compile(r"<(script|link)\b[^>]*>")
_ATTR_RE = re.compile(r'\s([a-z-]+)="([^"]*)"')

log = logging.getLogger("mkdocs.hooks.form_page")


def sri(data: bytes) -> str:
    """The Subresource Integrity value of a file's bytes."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


def is_form_page(page: Any) -> bool:
    """The form in any language (signaler/index.en.md), or a per-code copy of it."""
    from vigie.site.i18n import is_form_source

    return is_form_source(page.file.src_uri, FORM_PAGE)


def is_followup_page(page: Any) -> bool:
    """/suivi/ in any language (suivi/index.en.md...)."""
    from vigie.site.i18n import is_form_source

    return is_form_source(page.file.src_uri, FOLLOWUP_PAGE)


def categories_html(lang: str = "fr") -> str:
    from vigie.site.i18n import category_labels

    rows = []
    for i, (value, label) in enumerate(category_labels(lang).items()):
        # `required` on one radio makes the whole group required without JavaScript.
        required = " required" if i == 0 else ""
        rows.append(
            f'<div class="vigie-form__choice">'
            f'<input type="radio" id="category-{value}" name="category" value="{value}"{required}>'
            f'<label for="category-{value}">{html.escape(label)}</label></div>'
        )
    return "\n".join(rows)


def form_settings(values: dict[str, Any], page_url: str) -> dict[str, Any]:
    """What form.js needs, from the site values and the envelope's limits."""
    from vigie.core import envelope
    from vigie.core.config import RECIPIENT_RE, Config
    from vigie.site.values import site_values

    # Defaults come from the config's own defaults (one owner), never from here.
    values = {**site_values(Config()), **values}
    recipients = [str(r) for r in values["recipients"]]
    bad = [r for r in recipients if not RECIPIENT_RE.match(r)]
    if bad:
        raise PluginError(f"analysts.recipients: not an age X25519 public key: {bad[0]!r}")
    if not recipients:
        log.info("form_page: no analyst key: /signaler/ will use the no-JavaScript path")
    return {
        "recipients": recipients,
        "intake": str(values["intake_url"]).rstrip("/"),
        "maxBodyBytes": int(values["max_body_bytes"]),
        "worker": get_relative_url(WORKER, page_url),
        "police": str(values["emergency"]["police"]),
        "campaignPattern": envelope.CAMPAIGN_CODE_RE.pattern,
        "campaignMax": envelope.CAMPAIGN_MAX,
        # Renew a challenge a little before the intake would call it expired.
        "challengeMaxAgeMs": int(values["pow_expires_seconds"]) * 800,
        # The worker keeps searching while the person types, up to pow_search_bits
        # above the base (9: the top effort class) or the most the intake may ask.
        "powStopBits": max(
            int(values["pow_max_bits"]), int(values["pow_bits"]) + int(values["pow_search_bits"])
        ),
        "textLimits": dict(envelope.TEXT_LIMITS),
        "maxAttachments": envelope.MAX_ATTACHMENTS,
        "maxAttachmentBytes": envelope.MAX_ATTACHMENT_BYTES,
        "attachmentTypes": list(envelope.ATTACHMENT_TYPES),
    }


def json_script(element_id: str, data: Any) -> str:
    # "<" escaped so no value can close the <script> element early.
    text = json.dumps(data, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def _file_sri(page: Any, files: Any, src: str) -> str:
    file = files.get_file_from_path(src)
    if file is None:
        raise PluginError(f"{page.file.src_uri}: script {src!r} not found in the site")
    with open(file.abs_src_path, "rb") as fh:
        return sri(fh.read())


def _integrity_scripts(page: Any, files: Any) -> None:
    scripts = page.meta.get("vigie_scripts") or []
    baked = []
    for entry in scripts:
        src = entry["src"] if isinstance(entry, dict) else str(entry)
        baked.append({"src": src, "integrity": _file_sri(page, files, src)})
    page.meta["vigie_scripts"] = baked
    bundles = page.meta.get("vigie_bundles") or {}
    page.meta["vigie_bundles"] = {
        str(name): {"src": str(src), "integrity": _file_sri(page, files, str(src))}
        for name, src in bundles.items()
    }


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if is_followup_page(page):
        _integrity_scripts(page, files)
        if files.get_file_from_path(WORKER) is None:
            raise PluginError(f"{FOLLOWUP_PAGE}: {WORKER} not found in the site")
        return markdown
    if not is_form_page(page):
        return markdown
    if CATEGORIES_MARKER not in markdown:
        raise PluginError(f"{page.file.src_uri}: {CATEGORIES_MARKER} is missing")
    _integrity_scripts(page, files)
    if files.get_file_from_path(WORKER) is None:
        raise PluginError(f"{FORM_PAGE}: {WORKER} not found in the site")
    return markdown.replace(CATEGORIES_MARKER, categories_html(config.theme["language"]))


# The no-JS form's action, as the page templates write it (site/signaler/index*.md).
_ACTION_RE = re.compile(r'(<form id="vigie-form"[^>]*\saction="[^"?]*/tips/form)(")')


def with_form_lang(html_text: str, lang: str, where: str) -> str:
    """The no-JS form posts to `/tips/form?lang=<page language>`.

    So a refusal sent before its body is read (too big, per-network cap) is in
    the page's language too (vigie.core.formrefusal). It tells the intake only
    the page language the person chose, which the body's `lang` field carries
    anyway; it is never stored or logged.
    """
    out, count = _ACTION_RE.subn(lambda m: f"{m.group(1)}?lang={lang}{m.group(2)}", html_text)
    if count != 1:
        raise PluginError(f"{where}: the form's action (…/tips/form) was not found")
    return out


def on_page_content(html_text: str, page: Any, config: Any, files: Any) -> str:
    if not (is_form_page(page) or is_followup_page(page)):
        return html_text
    if FORM_MARKER in html_text:
        html_text = with_form_lang(html_text, config.theme["language"], page.file.src_uri)
    from vigie.site.i18n import form_page_settings

    settings = form_settings(config.extra.get("vigie") or {}, page.url)
    # The page's language, its messages and (per-code copies) the clean address.
    clean = page.meta.get("vigie_clean_path")
    clean_url = get_relative_url(clean, page.url) if clean else None
    settings.update(form_page_settings(config.theme["language"], clean_url))
    settings["bundles"] = {
        name: {"src": get_relative_url(b["src"], page.url), "integrity": b["integrity"]}
        for name, b in (page.meta.get("vigie_bundles") or {}).items()
    }
    return html_text + "\n" + json_script("vigie-form-config", settings)


def _site_bytes(config: Any, page_dest: str, url: str) -> bytes:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        raise PluginError(f"{page_dest}: {url!r} is not a file of this site")
    rel = posixpath.normpath(posixpath.join(posixpath.dirname(page_dest), parts.path))
    path = Path(config.site_dir) / rel
    if rel.startswith("..") or not path.is_file():
        raise PluginError(f"{page_dest}: {url!r} not found in the built site")
    return path.read_bytes()


def _with_integrity(tag: str, config: Any, page_dest: str) -> str:
    attrs = dict(_ATTR_RE.findall(tag))
    if tag.startswith("<script"):
        url = attrs.get("src")
    else:
        # Preloads of code or style too: a later use would skip the check. A
        # font preload is data, and the CSS that uses the font cannot carry SRI.
        rel = attrs.get("rel")
        loads = rel in ("stylesheet", "modulepreload") or (
            rel == "preload" and attrs.get("as") in ("script", "style", "worker")
        )
        url = attrs.get("href") if loads else None
    if url is None:
        return tag  # inline JSON data, icons, preloads: no code, no style
    expected = sri(_site_bytes(config, page_dest, url))
    if "integrity" in attrs:
        if attrs["integrity"] != expected:
            raise PluginError(f"{page_dest}: stale integrity for {url!r}")
        return tag
    return tag[:-1].rstrip("/").rstrip() + f' integrity="{expected}">'


def on_post_page(output: str, page: Any, config: Any) -> str:
    """Every script and stylesheet of a page with the form carries SRI (static files
    are already in the site when pages are written, so the hash is of what is served)."""
    if FORM_MARKER not in output:
        return output
    dest = page.file.dest_uri
    return _RESOURCE_RE.sub(lambda m: _with_integrity(m.group(), config, dest), output)
