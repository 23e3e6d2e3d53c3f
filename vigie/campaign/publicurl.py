"""Whether a form address may be printed: HTTPS on a name the whole street can reach.

A poster is permanent and public: a QR code to this machine, to a private
network or to a name only one network resolves leads nowhere in the street
(or somewhere nobody chose), and the form encrypts only over HTTPS. So an
address prints only if it is `https://` on a public DNS name or a global IP
address; anything else needs `--draft` (and then every piece says so).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

# Names that never resolve publicly (RFC 6761, RFC 6762 mDNS, RFC 8375 home.arpa,
# and the usual private conventions).
_PRIVATE_SUFFIXES = (".localhost", ".local", ".home.arpa", ".internal", ".lan", ".test",
                     ".example", ".invalid", ".intranet", ".corp", ".home")  # fmt: skip


def is_public_https(url: str) -> bool:
    """An https:// address on a public host: not loopback, private, link-local or local."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme != "https" or not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        return address.is_global
    if host == "localhost" or "." not in host:
        return False  # a bare name resolves only on the network that defines it
    return not host.endswith(_PRIVATE_SUFFIXES)
