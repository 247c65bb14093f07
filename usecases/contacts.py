"""A use case's contact e-mail, as people's addresses: a register may give several in one field
("a@x.org; b@x.org"), and whoever's account address is one of them is that contact."""

import re

_SEPARATORS = re.compile(r"[;,\s]+")


def contact_addresses(text: str) -> frozenset[str]:
    """The addresses in a contact field, trimmed and lower-cased; separators ``;``, ``,`` and
    whitespace. Anything without an ``@`` is not an address."""
    parts = (part.strip("<>").lower() for part in _SEPARATORS.split(text or ""))
    return frozenset(part for part in parts if "@" in part)


def is_contact(user, usecase) -> bool:
    """Is ``user``'s account address one of the use case's contact addresses?"""
    address = (getattr(user, "email", "") or "").strip().lower()
    return bool(address) and address in contact_addresses(usecase.contact_email)
