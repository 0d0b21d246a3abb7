"""Contacts the caller may see, one contact, and merging two contacts into one."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router

from atiende.api import paging, present
from atiende.api.auth import AGENT_AUTH, agent_of
from atiende.api.params import ContactFilters, IdPath
from atiende.api.schemas import ContactMerge, ContactOut, ContactPage, Error
from atiende.conversations import actions
from atiende.conversations.access import access_contact_by_id, visible_contacts

router = Router(tags=["contacts"], auth=AGENT_AUTH)

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


@router.get("", response={200: ContactPage, **ERRORS}, operation_id="list_contacts")
def list_contacts(request: HttpRequest, filters: Query[ContactFilters]) -> ContactPage:
    """Contacts of conversations the caller may see (search by name or email with `q`)."""
    contacts = visible_contacts(agent_of(request))
    if filters.q and filters.q.strip():
        text = filters.q.strip()
        contacts = contacts.filter(Q(name__icontains=text) | Q(email__icontains=text))
    page = list(
        contacts.prefetch_related("identities").order_by("-pk")[
            filters.offset : filters.offset + filters.limit + 1
        ]
    )
    more = len(page) > filters.limit
    return ContactPage(
        results=[present.contact(item) for item in page[: filters.limit]],
        next=paging.next_link(request, offset=filters.offset + filters.limit) if more else None,
    )


@router.get("/{contact_id}", response={200: ContactOut, **ERRORS}, operation_id="get_contact")
def get_contact(request: HttpRequest, contact_id: IdPath) -> ContactOut:
    return present.contact(access_contact_by_id(agent_of(request), contact_id))


@router.post(
    "/{contact_id}/merge", response={200: ContactOut, **ERRORS}, operation_id="merge_contact"
)
def merge_contact(request: HttpRequest, contact_id: IdPath, payload: ContactMerge) -> ContactOut:
    """Merge this contact into `into_id`; answers with the surviving contact."""
    user = agent_of(request)
    source = access_contact_by_id(user, contact_id)
    target = access_contact_by_id(user, payload.into_id)
    merged = actions.merge_contacts(user, source, target)
    return present.contact(access_contact_by_id(user, merged.pk))
