"""Who the signed-in customer is: the portal keeps the contact id in the session."""

from __future__ import annotations

from django.http import HttpRequest

from atiende.people.lookup import surviving
from atiende.people.models import Contact

SESSION_KEY = "atiende_portal_contact_id"


def sign_in(request: HttpRequest, contact: Contact) -> None:
    request.session.cycle_key()  # a new session id at every sign-in (fixation)
    request.session[SESSION_KEY] = contact.pk


def sign_out(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def current_contact(request: HttpRequest) -> Contact | None:
    """The signed-in customer, following merges; None when nobody is signed in."""
    contact_id = request.session.get(SESSION_KEY)
    if not isinstance(contact_id, int):
        return None
    contact = Contact.objects.filter(pk=contact_id).first()
    return surviving(contact) if contact is not None else None
