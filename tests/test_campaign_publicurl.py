"""Which form addresses a poster may print without --draft (issue 16 point 2)."""

from __future__ import annotations

import pytest

from vigie.campaign.spec import is_public_https


@pytest.mark.parametrize(
    "url",
    [
        "https://signaler.vigie-besancon.fr/",
        "https://www.masecurite.interieur.gouv.fr/fr",
        "https://8.8.8.8/",
        "https://[2001:4860:4860::8888]/",
    ],
)
def test_public_https_addresses_print(url: str) -> None:
    assert is_public_https(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://signaler.vigie-besancon.fr/",  # not HTTPS: no encryption in the browser
        "https://127.0.0.1/", "https://127.0.0.2/", "https://[::1]/", "https://0.0.0.0/",
        "https://localhost/", "https://app.localhost/",
        # Found by the review: private, link-local and local names were accepted.
        "https://192.168.1.20/", "https://10.0.0.5/", "https://172.16.3.4/",
        "https://169.254.1.1/", "https://[fd00::1]/", "https://[fe80::1]/",
        "https://host.local/", "https://intranet.lan/", "https://vigie.home.arpa/",
        "https://poste/",  # a bare name
    ],
)  # fmt: skip
def test_local_or_private_addresses_need_a_draft(url: str) -> None:
    assert not is_public_https(url)
