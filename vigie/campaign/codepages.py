"""Where a piece leads: the site's per-code page when it publishes one, else the form with `?c=`.

Why: only the form's script reads `?c=CODE`; a tip sent without JavaScript from
`/signaler/?c=CODE` reached the store with no campaign code. The site publishes
a copy of the form per variant code and language (`/s/CODE/`, `/en/s/CODE/`,
`/ar/s/CODE/`, vigie.site.percode) for the campaign files listed in
`[site] campaigns`, whose hidden field already holds the code. So a campaign
whose file the deployment config lists, and whose form is on that config's
site, encodes those pages in its QR codes; any other keeps `?c=CODE` and says,
in a warning and in the manifest, that a scan without JavaScript is not counted.

`code_path` (in `[campaign]`) only decides the short address printed under the
code: absent, it follows the site (the code is printed when the site publishes
its page); `true` requires the per-code address (refused when the site does not
publish it); `false` prints the plain form address. The older string form is
accepted only when it is the site's real path (`"/s/{code}/"`): the site owns
that path (`vigie.core.i18n.code_path`), a campaign cannot choose another.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from vigie.campaign.checks import Checker
from vigie.core.config import Config
from vigie.core.i18n import DEFAULT_LANG
from vigie.site.percode import code_url, publishes

WHERE = "[campaign] code_path"


def site_path_template(site_url: str = "") -> str:
    """The per-code path as a campaign file may spell it: `/s/{code}/`."""
    return urlsplit(code_url(site_url or "/", DEFAULT_LANG, "{code}")).path


def code_pages_problem(cfg: Config, campaign_file: Path, report_url: str) -> str:
    """Why the site does not publish this campaign's per-code pages, in French; "" if it does."""
    if not publishes(cfg, campaign_file):
        return (
            f"le site ne publie pas d'adresse par code pour cette campagne : {campaign_file} "
            f"n'est pas dans [site] campaigns de {cfg.source}"
        )
    form, site = urlsplit(report_url), urlsplit(cfg.site.url)
    if (form.scheme, form.netloc.lower()) != (site.scheme, site.netloc.lower()):
        # The pages exist on the config's site, not on the host the posters point to.
        return (
            f"le formulaire de la campagne ({report_url}) n'est pas sur le site que décrit "
            f"{cfg.source} ([site] url = {cfg.site.url}), seul à publier les adresses par code"
        )
    return ""


def fallback_warning(source: str, problem: str, report_url: str) -> str:
    """What the comms team must know when the codes keep `?c=CODE`."""
    return (
        f"{source} : {problem} ; les QR codes mènent donc à {report_url}?c=CODE, que seul le "
        "JavaScript du formulaire lit : un signalement envoyé sans JavaScript, ou depuis "
        "l'adresse tapée à la main, arrive sans code de campagne. Ajoutez ce fichier à "
        "[site] campaigns de vigie.toml, puis reconstruisez et publiez le site"
    )


def print_code(chk: Checker, value: Any, problem: str, site_url: str) -> bool:
    """`code_path` -> whether the printed short address carries the code; CampaignError else."""
    if value is None or value == "":
        return not problem  # follow the site
    template = site_path_template(site_url)
    if isinstance(value, str):
        root = site_path_template()  # the same path written from the host's root
        accepted = {template, template.rstrip("/"), root, root.rstrip("/")}
        if value not in accepted:
            raise chk.fail(
                WHERE,
                f"le site publie les adresses par code à {template!r} (en anglais et en arabe "
                f"sous /en/ et /ar/), pas à {value!r} : écrivez code_path = true, ou retirez la "
                "clé (l'adresse imprimée suit alors le site)",
            )
    elif not isinstance(value, bool):
        raise chk.fail(WHERE, f"true ou false attendu, trouvé {value!r}")
    wanted = value is not False
    if wanted and problem:
        raise chk.fail(
            WHERE,
            f"l'adresse imprimée contiendrait le code ({template.replace('{code}', 'CODE')}), "
            f"mais {problem} : ajoutez-y ce fichier puis reconstruisez le site, ou retirez "
            "code_path",
        )
    return wanted
