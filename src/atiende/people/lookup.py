"""Finding a contact by identity, through merges to the contact that survives."""

from __future__ import annotations

from atiende.people.models import Contact, ContactIdentity, normalize_identity


def surviving(contact: Contact) -> Contact:
    """The contact that `contact` was merged into, after any chain of merges (or itself)."""
    while contact.merged_into_id is not None:
        contact = Contact.objects.get(pk=contact.merged_into_id)
    return contact


def contact_for_identity(kind: str, value: str) -> Contact | None:
    """The contact that owns the identity (kind, value), following merges; None if nobody."""
    identity = (
        ContactIdentity.objects.select_related("contact")
        .filter(kind=kind, value=normalize_identity(kind, value))
        .first()
    )
    return surviving(identity.contact) if identity is not None else None
