"""Where a webhook may be sent: not to this machine or the network it sits in.

An admin names the endpoint's address, and the task worker POSTs to it from inside the network;
without a check, an address such as 169.254.169.254 (a cloud's metadata service), 10.0.0.1 or
127.0.0.1 would let them reach machines no outsider should. So a host that resolves to a loopback,
private, link-local, reserved, multicast or unspecified address (IPv4 or IPv6) is refused, both
when the endpoint is saved and again before each delivery (a name's DNS answer can change after
it was checked). ``WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` (off by default) lets them through, for a
receiver on the same machine in development and in the tests.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

REFUSED_AT_SEND = "refused: resolves to a private address"


# Each kind of address refused, in the order asked, as the form names it.
REFUSED_KINDS = (
    ("is_unspecified", "unspecified"),
    ("is_loopback", "loopback (this machine)"),
    ("is_link_local", "link-local"),
    ("is_multicast", "multicast"),
    ("is_reserved", "reserved"),
    ("is_private", "private"),
)


def refused_kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why ``address`` may not be sent to ("loopback (this machine)", "private", ...), or ""."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    for attribute, kind in REFUSED_KINDS:
        if getattr(address, attribute):
            return kind
    return "" if address.is_global else "private"  # shared (100.64/10), documentation, ...


def resolve(host: str, port: int | None) -> list:
    """Every address ``host`` resolves to; an address written as one is itself."""
    infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def private_address_of(url: str) -> tuple[str, str]:
    """The first address of ``url``'s host that may not be sent to and why, or ("", "") when it
    may be (or the setting allows every address). A host that does not resolve has no private
    address: sending to it fails on its own."""
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return "", ""
    parts = urlsplit(url)
    try:
        addresses = resolve(parts.hostname or "", parts.port)
    except (OSError, ValueError, UnicodeError):
        return "", ""
    refused = ((str(address), refused_kind(address)) for address in addresses)
    return next(((address, kind) for address, kind in refused if kind), ("", ""))


class PrivateAddress(OSError):
    """A delivery's host resolves to an address it may not be sent to."""


def destination(url: str) -> str:
    """The address the task connects to for ``url``: its host's first address, checked. The
    connection goes to this very address (the name is not looked up again), so a DNS answer that
    changes between the check and the connection cannot slip a private address through. Raises
    ``PrivateAddress`` for a refused one, ``OSError`` when the name does not resolve."""
    parts = urlsplit(url)
    try:
        addresses = resolve(parts.hostname or "", parts.port)
    except (ValueError, UnicodeError) as error:
        raise OSError(f"the address's host does not resolve: {error}") from error
    if not addresses:
        raise OSError("the address's host does not resolve")
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        for address in addresses:
            if refused_kind(address):
                raise PrivateAddress(f"{REFUSED_AT_SEND} ({address})")
    return str(addresses[0])
