"""Which account a contact is: by verified identity only, never by a name typed in a chat.

A contact links through a verified `user` identity (the business's user id, signed by its back
end for the chat) or, failing that, a verified email identity. Merged contacts are followed to
the contact that survives.
"""

from __future__ import annotations

from atiende.accounts.provider import AccountProvider, get_provider
from atiende.accounts.types import AccountRef
from atiende.people.lookup import surviving
from atiende.people.models import Contact, ContactIdentity, IdentityKind


def account_for_contact(
    contact: Contact, provider: AccountProvider | None = None
) -> AccountRef | None:
    """The account of `contact` at the configured provider, or None when none is linked."""
    contact = surviving(contact)
    provider = provider or get_provider()
    identities = list(
        ContactIdentity.objects.filter(
            contact=contact, verified=True, kind__in=[IdentityKind.USER, IdentityKind.EMAIL]
        ).order_by("pk")
    )
    for identity in identities:
        if identity.kind == IdentityKind.USER:
            ref = provider.find_account(user_id=identity.value)
            if ref is not None:
                return ref
    for identity in identities:
        if identity.kind == IdentityKind.EMAIL:
            ref = provider.find_account(email=identity.value)
            if ref is not None:
                return ref
    return None
