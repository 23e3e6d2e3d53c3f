"""The reporter's languages: which ones exist, which way they read, where their pages are.

One owner for the list (`vigie.core.envelope.LANGS`, French first and the
default); the site build, the intake, the campaign generator and the inbox all
ask here. French pages stay at the site root (the posters' existing URLs keep
working); every other language lives under `/<lang>/`.

`pick_lang` is how the intake reads the language a form sends (a hidden field
on the no-JavaScript path, the `X-Vigie-Lang` header the form sets on the
encrypted path). It only ever returns one of LANGS: an unknown or malformed
value is French, never an error, and nothing about it is stored or logged
beyond the tip's own `lang`.

The category labels per language live here too (the French ones are the
envelope's own, `envelope.CATEGORIES`), so the form page and any analyst tool
show the same words.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from .envelope import CATEGORIES, LANGS

__all__ = [
    "CATEGORY_LABELS",
    "DEFAULT_LANG",
    "LANGS",
    "RTL_LANGS",
    "code_path",
    "direction",
    "lang_prefix",
    "lang_url",
    "pick_lang",
    "site_path",
]

DEFAULT_LANG = LANGS[0]
RTL_LANGS = frozenset({"ar"})

CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "fr": dict(CATEGORIES),
    "en": {
        "spot": "Drug dealing spot",
        "delivery": "Delivery (courier, scooter, car)",
        "stash": "Place where drugs are kept (flat, cellar, garage)",
        "other": "Something else linked to drug dealing",
    },
    "ar": {
        "spot": "نقطة بيع مخدرات",
        "delivery": "توصيل (ساعٍ، دراجة نارية، سيارة)",
        "stash": "مكان تخزين (شقة، قبو، مرآب)",
        "other": "أمر آخر مرتبط بتجارة المخدرات",
    },
}


def direction(lang: str) -> str:
    """`rtl` or `ltr`, for the `dir` attribute."""
    return "rtl" if lang in RTL_LANGS else "ltr"


def pick_lang(value: str | None) -> str:
    """One of LANGS from a form field or an `X-Vigie-Lang` value; French otherwise.

    Only the first language range counts and only its primary subtag
    ("en-GB;q=0.9" -> "en"): the form sends exactly its page's language.
    """
    if not value:
        return DEFAULT_LANG
    first = value[:64].split(",", 1)[0].split(";", 1)[0].strip().lower()
    primary = first.split("-", 1)[0].split("_", 1)[0]
    return primary if primary in LANGS else DEFAULT_LANG


def lang_prefix(lang: str) -> str:
    """The path prefix of a language's pages: "" for French, "en/" for English."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}, expected one of {', '.join(LANGS)}")
    return "" if lang == DEFAULT_LANG else f"{lang}/"


def lang_url(url: str, lang: str, site_url: str = "") -> str:
    """The same page in `lang`: `https://x/signaler/` -> `https://x/en/signaler/`.

    The prefix goes right after the site's own path (`site_url`, when the URL is
    under it), else right after the host. French URLs are returned unchanged.
    """
    prefix = lang_prefix(lang)
    if not prefix:
        return url
    parts = urlsplit(url)
    base = urlsplit(site_url).path if site_url else "/"
    if not base.endswith("/"):
        base += "/"
    if not (site_url and url.startswith(site_url.rstrip("/")) and parts.path.startswith(base)):
        base = "/"
    path = base + prefix + parts.path[len(base) :]
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def site_path(lang: str, page: str = "") -> str:
    """A page's path from the site root in `lang` (`signaler/` -> `/en/signaler/`)."""
    return "/" + lang_prefix(lang) + page.lstrip("/")


def code_path(lang: str, code: str) -> str:
    """A campaign code's short form page, from the site root: `s/CODE/`, `ar/s/CODE/`."""
    return f"{lang_prefix(lang)}s/{code}/"
