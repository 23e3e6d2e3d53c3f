"""Short per-code form addresses (`/s/BSN-CENTRE/`), one per campaign variant and language.

Why: a QR code to `/signaler/?c=CODE` relies on the form's script to move the
code into the tip; without JavaScript, or when someone types the short address
printed under the code, the code used to be lost. Each variant code of the
campaigns listed in vigie.toml (`[site] campaigns`) gets a copy of the form in
each of the variant's languages, at `<prefix>s/<CODE>/`, whose hidden
`campaign` field already holds the code: it reaches the tip on every path,
JavaScript or not. The campaign generator asks `publishes` whether a campaign
file has these pages and then encodes and prints `code_url` (the path is
`vigie.core.i18n.code_path`'s, one owner for the site and the posters).

What stays in the browser: the address bar and the history entry show
`/s/CODE/` until form.js replaces the entry with the plain form's address
(history.replaceState, like `?c=`). The browser's global history list (the
"visited pages" list, address-bar suggestions) keeps the visit to `/s/CODE/`
either way, as it keeps `?c=CODE`: the code says which poster was scanned, not
who scanned it. With JavaScript off the address stays as typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from vigie.core.config import Config, ConfigError
from vigie.core.i18n import code_path

CAMPAIGN_FIELD = '<input type="hidden" id="campaign" name="campaign" value="">'


@dataclass(frozen=True)
class CodePage:
    code: str
    lang: str

    @property
    def path(self) -> str:
        """From the site root, with a trailing slash: `s/BSN-CENTRE/`, `ar/s/BSN-GARE/`."""
        return code_path(self.lang, self.code)


def campaign_files(cfg: Config) -> list[Path]:
    """`[site] campaigns`, relative paths taken from the config file's folder."""
    source = Path(cfg.source)
    base = source.parent if source.is_file() else Path.cwd()
    return [p if p.is_absolute() else base / p for p in map(Path, cfg.site.campaigns)]


def publishes(cfg: Config, campaign_file: Path) -> bool:
    """Whether the site built from `cfg` has the per-code pages of this campaign file.

    The same list and the same relative-path rule as the build (`campaign_files`),
    compared after resolving, so `./c.toml` and `/abs/c.toml` are one file. The
    campaign generator asks this before encoding or printing a per-code address.
    """
    target = Path(campaign_file).resolve()
    return any(path.resolve() == target for path in campaign_files(cfg))


def code_url(site_url: str, lang: str, code: str) -> str:
    """The absolute address of a per-code page: `https://host/ar/s/CODE/` (under the
    site's own path, if it has one); `code_path` (vigie.core.i18n) owns the path."""
    parts = urlsplit(site_url)
    base = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, parts.netloc, base + code_path(lang, code), "", ""))


def code_pages(cfg: Config) -> list[CodePage]:
    """Every (code, language) of the listed campaigns; a code in two campaigns is an error."""
    from vigie.campaign.spec import load_campaign

    pages: list[CodePage] = []
    owner: dict[str, str] = {}
    for path in campaign_files(cfg):
        # Only the codes and languages are read here: the site prints nothing, so a
        # local report_url (a draft campaign) is fine for building the pages.
        campaign = load_campaign(path, cfg, draft=True)
        for variant in campaign.variants:
            if owner.get(variant.code, str(path)) != str(path):
                raise ConfigError(
                    f"{cfg.source}: [site] campaigns: code {variant.code} is in both "
                    f"{owner[variant.code]} and {path}"
                )
            owner[variant.code] = str(path)
            pages += [CodePage(variant.code, lang) for lang in variant.languages]
    return sorted(set(pages), key=lambda p: (p.lang, p.code))


def code_markdown(form_markdown: str, code: str, clean_path: str) -> str:
    """The form page's Markdown with the code in its hidden field and in the front matter."""
    if form_markdown.count(CAMPAIGN_FIELD) != 1 or not form_markdown.startswith("---\n"):
        raise ValueError(f"the form page must start with front matter and hold {CAMPAIGN_FIELD}")
    filled = CAMPAIGN_FIELD.replace('value=""', f'value="{code}"')
    head = f"---\nvigie_campaign: {code}\nvigie_clean_path: {clean_path}\n"
    return head + form_markdown[4:].replace(CAMPAIGN_FIELD, filled)
