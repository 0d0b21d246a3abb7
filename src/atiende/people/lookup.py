"""Finding a contact by identity, through merges to the contact that survives."""

from __future__ import annotations

from atiende.core import rawsql
from atiende.people.models import Contact, ContactIdentity, normalize_identity


def surviving(contact: Contact) -> Contact:
    """The contact that `contact` was merged into, after any chain of merges (or itself)."""
    while contact.merged_into_id is not None:
        contact = Contact.objects.get(pk=contact.merged_into_id)
    return contact


# Every chat message and socket asks it: compiled once (`rawsql.Select`).
_IDENTITY = rawsql.Select(
    lambda kind, value: ContactIdentity.objects.select_related("contact").filter(
        kind=kind, value=value
    )[:1],  # (kind, value) is unique: one row at most, no ORDER BY
    str,
    str,
)


def contact_for_identity(kind: str, value: str) -> Contact | None:
    """The contact that owns the identity (kind, value), following merges; None if nobody."""
    identity = _IDENTITY.first(kind, normalize_identity(kind, value))
    return surviving(identity.contact) if identity is not None else None
