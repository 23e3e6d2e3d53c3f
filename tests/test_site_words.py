"""The site's own words, read from the built site in French, English and Arabic.

- Honest words: no page promises that the phone or the browser encrypts the
  message without also saying what happens when it does not (without
  JavaScript the intake encrypts on receipt, before anything is stored).
- The history advice ("your browser keeps this visit") is said on the home
  page and on the form, before the form or the button that leads to it, in
  the same words (one owner: `[ui] history_before` in `i18n/<lang>.toml`).
- One name for the receipt number, the one the receipts show, and its one use
  (quote it in a later tip so the unit links them) said on the home page and
  on "Anonymat et sécurité".
"""

from __future__ import annotations

import html.parser
import re
from pathlib import Path

import pytest

from vigie.core.config import load_config
from vigie.core.pages import TEXTS
from vigie.site.build import build_site
from vigie.site.i18n import all_texts

LANGS = {"fr": "", "en": "en/", "ar": "ar/"}

# Sentences that were on the site and are false on the no-JS path (or outside a
# secure context): they must never come back.
FALSE_PHRASES = {
    "fr": [
        "chiffré sur votre téléphone",
        "verrouillé sur votre téléphone",
        "chiffré avant de quitter votre téléphone",
        "avant l'envoi, le site retire",
    ],
    "en": [
        "encrypted on your phone",
        "locked on your phone",
        "encrypted before it leaves your phone",
        "before sending, the site removes",
    ],
    "ar": [
        "تُشفَّر رسالتكم في هاتفكم",
        "تُقفَل رسالتكم في هاتفكم",
        "قبل أن تغادر هاتفكم",
        "تشفير البلاغ في هاتفكم",
    ],
}
# A block of text that says the message is encrypted (or locked) on the
# reporter's side must also say the server's case, in the same block.
ENCRYPTS = {"fr": r"chiffr|verrouill", "en": r"encrypt|\block", "ar": r"شف|قفل|تُقفَل"}
DEVICE = {
    "fr": r"votre (téléphone|appareil|navigateur)",
    "en": r"your (phone|device|browser)",
    "ar": r"هاتفكم|جهازكم|متصفحكم",
}
SERVER = {"fr": "serveur", "en": "server", "ar": "الخادم"}
# The follow-up page works only with JavaScript (it says so): what it encrypts
# is always encrypted in the browser.
JS_ONLY = ("suivi/",)

# The receipt's name: what the receipts themselves show (the form's receipt and
# the intake's no-JS receipt page), and the names it must not have.
RECEIPT = {"fr": "numéro de dépôt", "en": "receipt number", "ar": "رقم (ال)?إيصال"}
NOT_RECEIPT = {
    "fr": ["numéro de reçu", "numéro de suivi"],
    "en": ["deposit number", "reference number"],
    "ar": ["رقم الإيداع"],
}
LINKED = {"fr": "relier les deux", "en": "link the two", "ar": "الربط بين البلاغين"}


class _Blocks(html.parser.HTMLParser):
    """A page's visible text, cut into blocks (paragraph, list item, heading...)."""

    BREAK = frozenset({"p", "li", "h1", "h2", "h3", "h4", "summary", "td", "th", "div", "title"})
    SKIP = frozenset({"script", "style", "svg"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._buf: list[str] = []
        self._skip = 0

    def _flush(self) -> None:
        text = " ".join("".join(self._buf).split())
        if text:
            self.blocks.append(text)
        self._buf = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        if tag in self.BREAK:
            self._flush()
        if tag == "meta" and dict(attrs).get("name") == "description":
            self.blocks.append(dict(attrs).get("content") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        if tag in self.BREAK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._buf.append(data)


def blocks(path: Path) -> list[str]:
    parser = _Blocks()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    parser._flush()
    return parser.blocks


def text(path: Path) -> str:
    return " ".join(blocks(path))


CAMPAIGN = """
[campaign]
name = "Mots"
formats = ["square"]
[[variant]]
code = "MOTS-FR"
label = "Centre"
[[variant]]
code = "MOTS-EN"
label = "Gare"
language = "en"
[[variant]]
code = "MOTS-AR"
label = "Planoise"
language = "ar"
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("words")
    # A campaign, so the per-code copies of the form (/s/CODE/) are built too.
    (tmp / "mots.toml").write_text(CAMPAIGN, encoding="utf-8")
    (tmp / "vigie.toml").write_text('[site]\ncampaigns = ["mots.toml"]\n', encoding="utf-8")
    return build_site(load_config(str(tmp / "vigie.toml"), {}), tmp / "out")


def pages_of(site: Path, lang: str) -> list[Path]:
    """Every HTML page of one language (French: those outside /en/ and /ar/)."""
    others = {site / prefix.rstrip("/") for prefix in LANGS.values() if prefix}
    if LANGS[lang]:
        return sorted((site / LANGS[lang]).rglob("*.html"))
    return sorted(p for p in site.rglob("*.html") if not any(o in p.parents for o in others))


@pytest.mark.parametrize("lang", list(LANGS))
def test_no_page_promises_browser_encryption_without_the_server_case(site: Path, lang: str) -> None:
    pages = pages_of(site, lang)
    assert len(pages) > 10
    false_found, unqualified = [], []
    for page in pages:
        where = str(page.relative_to(site))
        for block in blocks(page):
            low = block.lower()
            false_found += [(where, p) for p in FALSE_PHRASES[lang] if p.lower() in low]
            if any(part in where for part in JS_ONLY):
                continue
            if (
                re.search(ENCRYPTS[lang], low)
                and re.search(DEVICE[lang], low)
                and SERVER[lang] not in low
            ):
                unqualified.append((where, block))
    assert false_found == []
    assert unqualified == []


@pytest.mark.parametrize("lang", list(LANGS))
def test_home_page_and_faq_say_both_paths(site: Path, lang: str) -> None:
    for page in ("index.html", "faq/index.html"):
        shown = text(site / LANGS[lang] / page)
        assert SERVER[lang] in shown and re.search(DEVICE[lang], shown), page


@pytest.mark.parametrize("lang", list(LANGS))
def test_history_advice_on_the_home_page_and_the_form_before_they_start(
    site: Path, lang: str
) -> None:
    source = all_texts()[lang]["ui"]["history_before"]
    words = source.replace("**", "")
    lead = re.match(r"\*\*(.+?)\*\*", source)
    assert lead is not None
    home = site / LANGS[lang] / "index.html"
    form = site / LANGS[lang] / "signaler" / "index.html"
    per_code = next((site / LANGS[lang] / "s").glob("*/index.html"))
    # Where the advice is (in the page's HTML) and what it must come before: on
    # the home page, the first section (it goes with the button to the form,
    # which stays on the first screen of a phone); on the form, the form itself.
    for page, start in (
        (home, "<h2"),
        (form, 'id="vigie-form"'),
        (per_code, 'id="vigie-form"'),
    ):
        assert words in text(page), page
        markup = page.read_text(encoding="utf-8")
        assert markup.index(f"<strong>{lead.group(1)}</strong>") < markup.index(start), page


@pytest.mark.parametrize("lang", list(LANGS))
def test_one_name_for_the_receipt_number(site: Path, lang: str) -> None:
    # The name the receipts show: the form's (JavaScript) and the intake's (no-JS).
    assert re.search(RECEIPT[lang], text(site / LANGS[lang] / "signaler" / "index.html").lower())
    assert re.search(RECEIPT[lang], TEXTS[lang]["sent"].lower())
    used = []
    for page in pages_of(site, lang):
        low = text(page).lower()
        used += [(str(page.relative_to(site)), n) for n in NOT_RECEIPT[lang] if n in low]
    used += [("vigie/core/pages.py", n) for n in NOT_RECEIPT[lang] if n in TEXTS[lang]["sent"]]
    assert used == []
    # What it is for, said like the receipts say it: on the home page and on
    # "Anonymat et sécurité", next to the name.
    for name in ("index.html", "securite/index.html"):
        shown = text(site / LANGS[lang] / name).lower()
        assert re.search(RECEIPT[lang], shown) and LINKED[lang] in shown, name
